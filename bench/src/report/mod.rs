//! Collecting the children's results and rendering the one Markdown table, with a verdict for
//! every target of the benchmark issue.
//!
//! Every measured cell has one value per round and contender. A ratio against another
//! contender is taken per round (the two ran back to back, in rotated order) and shown as the
//! median and the min–max range of those paired ratios; a target is met only when the whole
//! range clears it, missed only when the whole range falls short of it, and inconclusive
//! otherwise (see [`Target::verdict`](verdict::Target::verdict) and the notes [`render`] writes).
//!
//! Here: what the table is made from and its two renderings. [`results`] reads the children's
//! answers, [`verdict`] holds the targets and judges ratios against them, [`table`] spells cells
//! and numbers, [`rows`], [`instructions`] and [`build_cost`] write the rows, [`notes`] the
//! method notes under them.

mod build_cost;
mod instructions;
mod notes;
mod results;
mod rows;
mod table;
mod verdict;

use std::{fmt::Write as _, path::Path, time::Duration};

use serde::Deserialize;

pub use self::results::{Cell, Instructions, Results};
use self::{build_cost::BuildCost, table::header};

/// The throughput scenarios, in table order.
pub const SCENARIOS: [&str; 3] = ["get", "list", "create"];
/// The concurrencies measured for each scenario.
pub const CONCURRENCIES: [usize; 2] = [1, 64];
/// The decode benchmark's two spellings of the same list.
pub const VARIANTS: [&str; 2] = ["snake", "camel"];
/// The scenarios the instruction counts cover (at concurrency 1).
pub const INSTRUCTION_SCENARIOS: [&str; 2] = ["get", "create"];
const CONTENDERS: [&str; 3] = ["agni", "limit", "peer"];

/// Sizes of the canned bodies, for the row labels.
#[derive(Debug, Clone, Copy)]
pub struct BodySizes {
    pub get_agent: usize,
    pub list_agents: usize,
    pub create_call: usize,
    pub decode_snake: usize,
    pub decode_camel: usize,
}

/// What `cargo xtask bench` measured outside `agni-bench` (`--extra FILE`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Extra {
    /// Build cost.
    pub build: Option<BuildCost>,
    /// Why build cost was not measured (`--quick`, or what failed).
    pub build_unavailable: Option<String>,
    /// Lines for the notes under the table (peer generation details, ...).
    pub notes: Vec<String>,
}

impl Extra {
    /// Reads the JSON xtask wrote.
    pub fn read(path: &Path) -> Result<Extra, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// Everything the table shows.
#[derive(Debug)]
pub struct Report {
    pub quick: bool,
    pub rounds: usize,
    pub duration: Duration,
    pub decode_items: usize,
    /// Contacts of the small and the large stream.
    pub stream_items: [u64; 2],
    pub page_size: u32,
    pub sizes: BodySizes,
    pub results: Results,
    pub peer_unavailable: Option<String>,
    /// Where client and server ran (`taskset`), or why they were not pinned.
    pub pinning: Result<String, String>,
    /// Callgrind's counts, or why there are none.
    pub instructions: Result<Instructions, String>,
    pub extra: Extra,
}

/// The table and the notes under it.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    header(&mut out);
    rows::load_rows(&mut out, report);
    rows::stream_rows(&mut out, report);
    rows::decode_rows(&mut out, report);
    instructions::instruction_rows(
        &mut out,
        &report.instructions,
        report.peer_unavailable.as_deref(),
    );
    build_cost::build_rows(&mut out, report);
    out.push('\n');
    for note in notes::notes(report) {
        let _ = writeln!(out, "- {note}");
    }
    out
}

/// `agni-bench instructions`: the callgrind rows and their note.
pub fn render_instructions(
    instructions: &Result<Instructions, String>,
    peer_unavailable: Option<String>,
) -> String {
    let mut out = String::new();
    header(&mut out);
    instructions::instruction_rows(&mut out, instructions, peer_unavailable.as_deref());
    let _ = writeln!(out, "\n- {}", notes::instructions_note(instructions));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    pub(super) fn report(results: Results, instructions: Result<Instructions, String>) -> Report {
        Report {
            quick: false,
            rounds: 3,
            duration: Duration::from_secs(2),
            decode_items: 10_000,
            stream_items: [10_000, 100_000],
            page_size: 100,
            sizes: BodySizes {
                get_agent: 1_000,
                list_agents: 100_000,
                create_call: 200,
                decode_snake: 10_000_000,
                decode_camel: 10_000_000,
            },
            results,
            peer_unavailable: Some("no Java".into()),
            pinning: Err("one CPU".into()),
            instructions,
            extra: Extra::default(),
        }
    }

    fn load(rps: f64) -> Result<Value, String> {
        Ok(json!({"requests": 10, "errors": 0, "rps": rps, "p50_us": 50.0, "p99_us": 90.0}))
    }

    #[test]
    fn rows_show_spread_and_paired_verdicts() {
        let mut results = Results::default();
        // GetAgent at concurrency 1: agni 0.96-0.99 of the limit round by round: inconclusive
        // against 0.97. At concurrency 64: 0.90-0.94, missed.
        for (concurrency, agni) in [(1, [960.0, 990.0, 975.0]), (64, [900.0, 940.0, 920.0])] {
            let cell = Cell::Load {
                scenario: "get",
                concurrency,
            };
            for rps in agni {
                results.add(cell, "agni", load(rps));
                results.add(cell, "limit", load(1000.0));
            }
        }
        let decode = |ms: f64| Ok(json!({"median_ms": ms}));
        for ms in [12.0, 13.0, 12.5] {
            results.add(Cell::Decode { variant: "snake" }, "agni", decode(ms));
            results.add(Cell::Decode { variant: "snake" }, "limit", decode(10.0));
        }
        let mut counts = Instructions {
            requests: 500,
            ..Instructions::default()
        };
        counts.per_request.insert(("get", "agni"), Ok(105_000.0));
        counts.per_request.insert(("get", "limit"), Ok(100_000.0));
        let table = render(&report(results, Ok(counts)));
        let lines: Vec<&str> = table.lines().collect();
        assert!(lines[2].starts_with("| GetAgent"), "{table}");
        assert!(
            lines[2].contains("975 rps (960–990), p50 50.0 µs, p99 90.0 µs"),
            "{}",
            lines[2]
        );
        assert!(
            lines[2].contains("| 0.97× (0.96–0.99) limit |"),
            "{}",
            lines[2]
        );
        assert!(
            lines[2].contains(
                "inconclusive vs limit; vs peer: n/a; callgrind instructions/request: 1.05× \
                 limit's |"
            ),
            "{}",
            lines[2]
        );
        assert!(lines[2].contains("n/a: no Java"), "{}", lines[2]);
        assert!(
            lines[3].contains("**missed** vs limit (needs +5.4% rps, ≈ 56.0 µs less client CPU per request, ≈ 1,907 \
                 fewer of its 105,000 instructions/request (callgrind; the limit's: 100,000))"),
            "{}",
            lines[3]
        );
        let decode_row = lines
            .iter()
            .find(|l| l.contains("snake_case"))
            .expect("a snake_case decode row");
        assert!(
            decode_row.contains("12.50 ms (12.00–13.00)")
                && decode_row.contains("1.25× (1.20–1.30) limit")
                && decode_row
                    .ends_with("| inconclusive vs limit; no instruction count for this row |"),
            "{decode_row}"
        );
        assert!(table.contains("CreateCall, POST"), "{table}");
        assert!(table.contains("Stream 100,000 contacts"), "{table}");
        assert!(table.contains("Build cost of a user crate"), "{table}");
        assert!(table.contains("75.0% for these 3 rounds"), "{table}");
    }

    #[test]
    fn errors_are_shown_not_averaged() {
        let mut results = Results::default();
        let cell = Cell::Load {
            scenario: "get",
            concurrency: 1,
        };
        results.add(
            cell,
            "agni",
            Ok(json!({"requests": 10, "errors": 2, "first_error": "boom | bang", "rps": 5.0})),
        );
        let table = render(&report(results, Err("no valgrind".into())));
        assert!(table.contains("n/a: 2 errors: boom \\| bang"), "{table}");
        assert!(table.contains("n/a: no valgrind"), "{table}");
    }
}
