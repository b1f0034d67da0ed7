//! The callgrind rows (instructions per request at concurrency 1), and the counts quoted beside
//! an inconclusive throughput verdict: evidence that noise does not move.

use super::{
    CONTENDERS, INSTRUCTION_SCENARIOS,
    results::{Instructions, why_missing},
    table::{row, shown, thousands},
};

/// "callgrind instructions/request: 1.06× limit's, 0.99× peer's", when callgrind measured
/// `scenario`.
pub(super) fn instruction_evidence(
    counts: &Instructions,
    scenario: &'static str,
) -> Option<String> {
    let agni = counts.of(scenario, "agni")?;
    let ratios: Vec<String> = ["limit", "peer"]
        .into_iter()
        .filter_map(|other| {
            Some(format!(
                "{:.2}× {other}'s",
                agni / counts.of(scenario, other)?
            ))
        })
        .collect();
    Some(format!(
        "callgrind instructions/request: {}",
        ratios.join(", ")
    ))
}

pub(super) fn instruction_rows(
    out: &mut String,
    instructions: &Result<Instructions, String>,
    peer_unavailable: Option<&str>,
) {
    let dash = || "—".to_owned();
    let counts = match instructions {
        Ok(counts) => counts,
        Err(reason) => {
            row(
                out,
                &[
                    "Instructions per request (callgrind), concurrency 1".into(),
                    format!("n/a: {reason}"),
                    dash(),
                    dash(),
                    dash(),
                    dash(),
                    dash(),
                ],
            );
            return;
        }
    };
    for scenario in INSTRUCTION_SCENARIOS {
        let count = |c: &str| -> Result<f64, String> {
            counts
                .per_request
                .get(&(scenario, c))
                .cloned()
                .unwrap_or_else(|| Err(why_missing(peer_unavailable, c)))
        };
        let values = CONTENDERS.map(count);
        let [agni, limit, peer] = values.each_ref().map(|v| shown(v, |n| thousands(*n)));
        let ratios: Vec<String> = [(1, "limit"), (2, "peer")]
            .iter()
            .filter_map(|&(i, what)| match (&values[0], &values[i]) {
                (Ok(a), Ok(b)) => Some(format!("{:.3}× {what}", a / b)),
                _ => None,
            })
            .collect();
        row(
            out,
            &[
                format!(
                    "{}, concurrency 1: instructions per request (callgrind, {} requests)",
                    if scenario == "get" {
                        "GetAgent"
                    } else {
                        "CreateCall"
                    },
                    thousands(counts.requests as f64)
                ),
                agni,
                limit,
                peer,
                if ratios.is_empty() {
                    dash()
                } else {
                    ratios.join("; ")
                },
                "beside inconclusive verdicts".into(),
                dash(),
            ],
        );
    }
}
