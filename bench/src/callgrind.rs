//! Instructions per request under callgrind: the measurement that a shared, noisy machine does
//! not disturb, for judging a change to agni's request path before and after.
//!
//! Each contender's `load` child runs at concurrency 1 under `valgrind --tool=callgrind` twice,
//! with the same warm-up and `extra` more timed requests the second time; the difference of the
//! two instruction totals over `extra` is what one request costs the client. Process start,
//! runtime and client construction, the warm-up and connection set-up are in both totals and
//! cancel. The server runs in the parent, outside valgrind.

use std::{collections::BTreeMap, fs, path::Path, process::Command};

use crate::{
    Contender, flags,
    report::{INSTRUCTION_SCENARIOS, Instructions},
};

/// Counts every contender's instructions per request for each of [`INSTRUCTION_SCENARIOS`];
/// `Err` when valgrind does not run at all (a contender that fails has its own error).
pub fn measure(contenders: &[Contender], url: &str, quick: bool) -> Result<Instructions, String> {
    let version = Command::new("valgrind")
        .arg("--version")
        .output()
        .map_err(|e| format!("no valgrind ({e}); `apt-get install valgrind`"))?;
    if !version.status.success() {
        return Err(format!("`valgrind --version` failed ({})", version.status));
    }
    let (warmup, base, extra) = if quick { (5, 5, 20) } else { (100, 100, 500) };
    let mut per_request = BTreeMap::new();
    for scenario in INSTRUCTION_SCENARIOS {
        for contender in contenders {
            eprintln!(
                "agni-bench: callgrind: {} {scenario}, {base} and {} requests",
                contender.name,
                base + extra
            );
            let count = |requests| total(contender, url, scenario, warmup, requests);
            let difference = count(base + extra).and_then(|long| {
                let short = count(base)?;
                Ok(long.saturating_sub(short) as f64 / extra as f64)
            });
            per_request.insert((scenario, contender.name), difference);
        }
    }
    Ok(Instructions {
        requests: extra,
        per_request,
    })
}

/// The instruction total of one `load` child making `requests` timed requests after `warmup`.
fn total(
    contender: &Contender,
    url: &str,
    scenario: &str,
    warmup: u64,
    requests: u64,
) -> Result<u64, String> {
    let out = std::env::temp_dir().join(format!(
        "agni-bench-{}-{}-{scenario}-{requests}.callgrind",
        std::process::id(),
        contender.name
    ));
    let launcher = [
        "valgrind".to_owned(),
        "--tool=callgrind".to_owned(),
        "--quiet".to_owned(),
        format!("--callgrind-out-file={}", out.display()),
    ];
    let args = flags([
        ("scenario", scenario.to_owned()),
        ("concurrency", "1".to_owned()),
        ("warmup", warmup.to_string()),
        ("max-requests", requests.to_string()),
        // No time limit: the count, not the clock, ends the run.
        ("duration-ms", "86400000".to_owned()),
    ]);
    let outcome = contender.child(&launcher, "load", url, &args);
    let totals = read_total(&out);
    let _ = fs::remove_file(&out);
    let value = outcome?;
    if value["errors"].as_u64() != Some(0) || value["requests"].as_u64() != Some(requests) {
        return Err(format!(
            "{} of {requests} requests, {} errors: {}",
            value["requests"],
            value["errors"],
            value["first_error"].as_str().unwrap_or("-")
        ));
    }
    totals
}

/// The `summary:` (or `totals:`) line of a callgrind output file: instructions executed.
fn read_total(path: &Path) -> Result<u64, String> {
    let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    parse_total(&text).ok_or_else(|| format!("no instruction total in {}", path.display()))
}

fn parse_total(text: &str) -> Option<u64> {
    text.lines().find_map(|line| {
        let rest = line
            .strip_prefix("summary:")
            .or_else(|| line.strip_prefix("totals:"))?;
        rest.split_whitespace().next()?.parse().ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_callgrind_totals() {
        let file = "version: 1\ncreator: callgrind-3.19.0\nevents: Ir\nfn=(1) main\n3 7\nsummary: 123456789\ntotals: 123456789\n";
        assert_eq!(parse_total(file), Some(123_456_789));
        assert_eq!(parse_total("events: Ir\n"), None);
    }
}
