//! The rows of agni-bench's own runs: throughput and latency per scenario and concurrency,
//! streaming speed and peak memory, decode time, each judged against its targets.

use std::fmt::Write as _;

use super::{
    CONCURRENCIES, CONTENDERS, Report, SCENARIOS, VARIANTS,
    instructions::instruction_evidence,
    results::{Cell, series},
    table::{mib, micros, row, shown, size, thousands},
    verdict::{
        MAX_DECODE_VS_LIMIT, MAX_MEMORY_GROWTH, MAX_MEMORY_VS_LIMIT, STREAM_FLOORS, Spread, Target,
        join, load_floors, median_of, paired, ratio_only, verdict_text, versus,
    },
};

/// A row with targets: label, the three cells, ratios, targets and the verdict.
fn judged_row(
    out: &mut String,
    report: &Report,
    label: String,
    cells: [String; 3],
    targets: &[Target],
    evidence: Option<String>,
) {
    let [agni, limit, peer] = cells;
    row(
        out,
        &[
            label,
            agni,
            limit,
            peer,
            join(targets, Target::ratio_text),
            join(targets, |t| Some(t.target_text())),
            verdict_text(report, targets, evidence),
        ],
    );
}

pub(super) fn load_rows(out: &mut String, report: &Report) {
    for scenario in SCENARIOS {
        for concurrency in CONCURRENCIES {
            let cell = Cell::Load {
                scenario,
                concurrency,
            };
            let label = match scenario {
                "get" => format!("GetAgent ({})", size(report.sizes.get_agent)),
                "list" => format!(
                    "ListAgents, 100 agents ({})",
                    size(report.sizes.list_agents)
                ),
                _ => format!(
                    "CreateCall, POST with a JSON body ({} answer)",
                    size(report.sizes.create_call)
                ),
            };
            let rps = CONTENDERS.map(|c| series(report, cell, c, "rps"));
            let p50 = CONTENDERS.map(|c| series(report, cell, c, "p50_us"));
            let p99 = CONTENDERS.map(|c| series(report, cell, c, "p99_us"));
            let cells = [0, 1, 2].map(|i| {
                shown(&rps[i], |values| {
                    let median = |s: &Result<Vec<f64>, String>| median_of(s).unwrap_or(f64::NAN);
                    format!(
                        "{}, p50 {}, p99 {}",
                        Spread::of(values).map_or_else(String::new, |s| s.show(thousands, " rps")),
                        micros(median(&p50[i])),
                        micros(median(&p99[i]))
                    )
                })
            });
            let counts = report.instructions.as_ref().ok();
            // What a miss would take: the client's CPU time per request (the child is one
            // thread, so 1/rps) and, where callgrind measured the scenario, instructions.
            let hint = |other: usize, bound: f64| {
                let (agni, them) = (median_of(&rps[0])?, median_of(&rps[other])?);
                let mut text = format!(
                    "≈ {:.1} µs less client CPU per request",
                    1e6 / agni - 1e6 / (bound * them)
                );
                let count = |c| counts?.of(scenario, c);
                if let (Some(a), Some(b)) = (count("agni"), count(CONTENDERS[other])) {
                    let _ = write!(
                        text,
                        ", ≈ {} fewer of its {} instructions/request (callgrind; the {}'s: {})",
                        thousands(a - b / bound),
                        thousands(a),
                        CONTENDERS[other],
                        thousands(b)
                    );
                }
                Some(text)
            };
            let (vs_limit, vs_peer) = load_floors(scenario);
            let targets = [(1, vs_limit), (2, vs_peer)].map(|(other, bound)| Target {
                hint: hint(other, bound),
                ..versus(&rps, other, bound, true, "rps")
            });
            judged_row(
                out,
                report,
                format!("{label}, concurrency {concurrency}: rps (range), p50, p99"),
                cells,
                &targets,
                counts.and_then(|c| instruction_evidence(c, scenario)),
            );
        }
    }
}

pub(super) fn stream_rows(out: &mut String, report: &Report) {
    let [few, many] = report.stream_items;
    let label = format!(
        "{} contacts, pages of {}",
        thousands(many as f64),
        report.page_size
    );
    let cell = Cell::Stream { items: many };
    let speed = CONTENDERS.map(|c| series(report, cell, c, "items_per_s"));
    let cells = speed.each_ref().map(|s| {
        shown(s, |v| {
            Spread::of(v).map_or_else(String::new, |s| s.show(thousands, " items/s"))
        })
    });
    let targets = [(1, STREAM_FLOORS.0), (2, STREAM_FLOORS.1)]
        .map(|(other, bound)| versus(&speed, other, bound, true, "items/s"));
    judged_row(
        out,
        report,
        format!("Stream {label}: items/s (range)"),
        cells,
        &targets,
        None,
    );

    let memory = CONTENDERS.map(|c| series(report, cell, c, "vmhwm_kib"));
    let small = CONTENDERS.map(|c| series(report, Cell::Stream { items: few }, c, "vmhwm_kib"));
    let cells = [0, 1, 2].map(|i| {
        shown(&memory[i], |v| {
            let at_few = median_of(&small[i]).map_or_else(String::new, |kib| {
                format!("; {}: {} MiB", thousands(few as f64), mib(kib))
            });
            Spread::of(v).map_or_else(String::new, |s| s.show(mib, " MiB")) + &at_few
        })
    });
    let vs_limit = versus(&memory, 1, MAX_MEMORY_VS_LIMIT, false, "peak memory");
    let flat = Target {
        what: format!("its {}-contact run", thousands(few as f64)),
        ratios: match (&memory[0], &small[0]) {
            (Ok(a), Ok(b)) => Some(paired(a, b)),
            _ => None,
        },
        bound: MAX_MEMORY_GROWTH,
        at_least: false,
        measure: "peak memory",
        hint: None,
    };
    judged_row(
        out,
        report,
        format!(
            "Peak memory (VmHWM) streaming {label} (range; and at {})",
            thousands(few as f64)
        ),
        cells,
        &[vs_limit, flat],
        None,
    );
}

pub(super) fn decode_rows(out: &mut String, report: &Report) {
    for variant in VARIANTS {
        let cell = Cell::Decode { variant };
        let (spelling, bytes) = match variant {
            "snake" => ("snake_case", report.sizes.decode_snake),
            _ => ("camelCase", report.sizes.decode_camel),
        };
        let times = CONTENDERS.map(|c| series(report, cell, c, "median_ms"));
        let cells = times.each_ref().map(|t| {
            shown(t, |v| {
                Spread::of(v).map_or_else(String::new, |s| s.show(|ms| format!("{ms:.2}"), " ms"))
            })
        });
        let vs_limit = versus(&times, 1, MAX_DECODE_VS_LIMIT, false, "decode time");
        // The peer's decode time is shown, not judged: the issue sets no target for it.
        let ratio = join(std::slice::from_ref(&vs_limit), Target::ratio_text)
            + &ratio_only(&times, 2, "peer").map_or_else(String::new, |r| format!("; {r}"));
        let [agni, limit, peer] = cells;
        row(
            out,
            &[
                format!(
                    "Decode {} agents, {spelling} ({}): median time (range over rounds)",
                    thousands(report.decode_items as f64),
                    size(bytes)
                ),
                agni,
                limit,
                peer,
                ratio,
                vs_limit.target_text(),
                verdict_text(report, std::slice::from_ref(&vs_limit), None),
            ],
        );
    }
}
