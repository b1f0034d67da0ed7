//! Collecting the children's results and rendering the one Markdown table, with a verdict for
//! every target of the benchmark issue.

use std::{collections::BTreeMap, fmt::Write as _, path::Path, time::Duration};

use serde::Deserialize;
use serde_json::Value;

/// The throughput scenarios, in table order.
pub const SCENARIOS: [&str; 2] = ["get", "list"];
/// The concurrencies measured for each scenario.
pub const CONCURRENCIES: [usize; 2] = [1, 64];
/// The decode benchmark's two spellings of the same list.
pub const VARIANTS: [&str; 2] = ["snake", "camel"];
const CONTENDERS: [&str; 3] = ["agni", "limit", "peer"];

/// agni's throughput must be at least this fraction of the limit's.
const MIN_VS_LIMIT: f64 = 0.95;
/// ... and at least the peer's.
const MIN_VS_PEER: f64 = 1.0;
/// agni's decode time may be at most this multiple of the limit's.
const MAX_DECODE_VS_LIMIT: f64 = 1.25;
/// Peak memory streaming the most items may exceed that of the fewest by at most this factor.
const MAX_MEMORY_GROWTH: f64 = 1.10;

/// One measurement, across contenders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Cell {
    /// Throughput and latency of `scenario` at `concurrency`.
    Load {
        scenario: &'static str,
        concurrency: usize,
    },
    /// Decoding the 10,000-agent list in `variant`.
    Decode { variant: &'static str },
}

/// Every child's answer, by cell and contender (one per round).
#[derive(Debug, Default)]
pub struct Results(BTreeMap<(Cell, &'static str), Vec<Result<Value, String>>>);

impl Results {
    /// Records one child's outcome.
    pub fn add(&mut self, cell: Cell, contender: &'static str, outcome: Result<Value, String>) {
        self.0.entry((cell, contender)).or_default().push(outcome);
    }

    fn get(&self, cell: Cell, contender: &str) -> Option<&[Result<Value, String>]> {
        self.0
            .iter()
            .find(|((c, name), _)| *c == cell && *name == contender)
            .map(|(_, runs)| runs.as_slice())
    }
}

/// Sizes of the canned bodies, for the row labels.
#[derive(Debug, Clone, Copy)]
pub struct BodySizes {
    pub get_agent: usize,
    pub list_agents: usize,
    pub decode_snake: usize,
    pub decode_camel: usize,
}

/// What `cargo xtask bench` measured outside `agni-bench` (`--extra FILE`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Extra {
    /// The memory child's runs, fewest items first.
    pub memory: Vec<MemoryRun>,
    /// Why there are no memory runs.
    pub memory_unavailable: Option<String>,
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

/// One run of the memory child (`stream-contacts ITEMS PAGE_SIZE`).
#[derive(Debug, Clone, Deserialize)]
pub struct MemoryRun {
    pub items: u64,
    pub page_size: u32,
    /// `VmHWM` of the child, KiB.
    pub vmhwm_kib: u64,
    pub seconds: f64,
}

/// Build cost of the `agni` crate, dev profile.
#[derive(Debug, Clone, Deserialize)]
pub struct BuildCost {
    /// `cargo build -p agni` after `cargo clean -p agni`, dependencies built.
    pub clean_s: f64,
    /// `cargo build -p agni` after `touch src/phone.rs`.
    pub incremental_s: f64,
    /// Whether the rebuild ran agni's build script.
    pub build_script_reran: bool,
    /// Whether `$OUT_DIR/agni.rs` kept its mtime across the rebuild.
    pub generated_mtime_unchanged: bool,
}

/// Everything the table shows.
#[derive(Debug)]
pub struct Report {
    pub quick: bool,
    pub rounds: usize,
    pub duration: Duration,
    pub decode_items: usize,
    pub sizes: BodySizes,
    pub results: Results,
    pub peer_unavailable: Option<String>,
    /// Where client and server ran (`taskset`), or why they were not pinned.
    pub pinning: Result<String, String>,
    pub extra: Extra,
}

/// A throughput cell's medians over rounds.
struct Load {
    rps: f64,
    p50_us: f64,
    p99_us: f64,
}

/// The medians of one contender's rounds, or why there are none.
fn load(report: &Report, cell: Cell, contender: &str) -> Result<Load, String> {
    let Some(runs) = report.results.get(cell, contender) else {
        return Err(missing(report, contender));
    };
    let mut values = Vec::new();
    for run in runs {
        let value = run.as_ref().map_err(|e| format!("failed: {e}"))?;
        if value["errors"].as_u64().unwrap_or(0) > 0 || value["requests"].as_u64() == Some(0) {
            return Err(format!(
                "{} errors: {}",
                value["errors"],
                value["first_error"]
                    .as_str()
                    .unwrap_or("no request completed")
            ));
        }
        values.push(value);
    }
    let median = |key: &str| median(values.iter().filter_map(|v| v[key].as_f64()).collect());
    Ok(Load {
        rps: median("rps"),
        p50_us: median("p50_us"),
        p99_us: median("p99_us"),
    })
}

/// One contender's median decode time in ms, or why there is none.
fn decode(report: &Report, cell: Cell, contender: &str) -> Result<f64, String> {
    let Some(runs) = report.results.get(cell, contender) else {
        return Err(missing(report, contender));
    };
    let value = match runs.first() {
        Some(Ok(value)) => value,
        Some(Err(e)) => return Err(format!("failed: {e}")),
        None => return Err(missing(report, contender)),
    };
    if let Some(reason) = value["unsupported"].as_str() {
        return Err(reason.to_owned());
    }
    value["median_ms"]
        .as_f64()
        .ok_or_else(|| format!("no median in {value}"))
}

fn missing(report: &Report, contender: &str) -> String {
    match (&report.peer_unavailable, contender) {
        (Some(reason), "peer") => reason.clone(),
        _ => "not measured".to_owned(),
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

/// One target: a ratio against a bound, either a floor or a ceiling.
struct Target {
    what: &'static str,
    ratio: Option<f64>,
    bound: f64,
    at_least: bool,
}

impl Target {
    fn ratio_text(&self) -> Option<String> {
        self.ratio.map(|r| format!("{r:.2}× {}", self.what))
    }

    fn target_text(&self) -> String {
        let op = if self.at_least { "≥" } else { "≤" };
        format!("{op} {:.2}× {}", self.bound, self.what)
    }

    fn verdict(&self) -> Verdict {
        match self.ratio {
            None => Verdict::Unknown,
            Some(r)
                if (self.at_least && r >= self.bound) || (!self.at_least && r <= self.bound) =>
            {
                Verdict::Met
            }
            Some(_) => Verdict::Missed,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Met,
    Missed,
    Unknown,
}

fn verdicts(targets: &[Target]) -> String {
    let missed: Vec<_> = targets
        .iter()
        .filter(|t| t.verdict() == Verdict::Missed)
        .map(|t| t.what)
        .collect();
    let unknown: Vec<_> = targets
        .iter()
        .filter(|t| t.verdict() == Verdict::Unknown)
        .map(|t| t.what)
        .collect();
    match (missed.is_empty(), unknown.is_empty()) {
        (true, true) => "met".to_owned(),
        (true, false) => format!("met; vs {}: n/a", unknown.join(", ")),
        (false, true) => format!("**missed** (vs {})", missed.join(", ")),
        (false, false) => format!(
            "**missed** (vs {}); vs {}: n/a",
            missed.join(", "),
            unknown.join(", ")
        ),
    }
}

/// A verdict, unless the numbers are `--quick`'s, which judge nothing.
fn judged(report: &Report, verdict: String) -> String {
    if report.quick {
        "not judged (--quick)".to_owned()
    } else {
        verdict
    }
}

fn row(out: &mut String, cells: &[String]) {
    let _ = writeln!(out, "| {} |", cells.join(" | "));
}

/// 12345.6 → "12,346".
fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn micros(us: f64) -> String {
    if us >= 10_000.0 {
        format!("{:.1} ms", us / 1e3)
    } else if us >= 1_000.0 {
        format!("{:.2} ms", us / 1e3)
    } else if us >= 100.0 {
        format!("{us:.0} µs")
    } else {
        format!("{us:.1} µs")
    }
}

fn size(bytes: usize) -> String {
    if bytes >= 1 << 20 {
        format!("{:.1} MiB", bytes as f64 / f64::from(1 << 20))
    } else if bytes >= 1 << 10 {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    } else {
        format!("{bytes} B")
    }
}

/// A table cell for an outcome that may be missing.
fn shown<T>(outcome: &Result<T, String>, show: impl Fn(&T) -> String) -> String {
    match outcome {
        Ok(value) => show(value),
        Err(reason) => format!("n/a: {}", reason.replace('|', "\\|")),
    }
}

/// The table and the notes under it.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    row(
        &mut out,
        &[
            "Benchmark",
            "agni",
            "limit",
            "peer",
            "Ratio",
            "Target",
            "Verdict",
        ]
        .map(str::to_owned),
    );
    row(&mut out, &["---"; 7].map(str::to_owned));

    for scenario in SCENARIOS {
        for concurrency in CONCURRENCIES {
            let cell = Cell::Load {
                scenario,
                concurrency,
            };
            let label = match scenario {
                "get" => format!(
                    "GetAgent ({}), concurrency {concurrency}: rps, p50, p99",
                    size(report.sizes.get_agent)
                ),
                _ => format!(
                    "ListAgents, 100 agents ({}), concurrency {concurrency}: rps, p50, p99",
                    size(report.sizes.list_agents)
                ),
            };
            let outcomes = CONTENDERS.map(|c| load(report, cell, c));
            let cells = outcomes.each_ref().map(|o| {
                shown(o, |l| {
                    format!(
                        "{} rps, {}, {}",
                        thousands(l.rps),
                        micros(l.p50_us),
                        micros(l.p99_us)
                    )
                })
            });
            let ratio = |other: usize| match (&outcomes[0], &outcomes[other]) {
                (Ok(a), Ok(b)) => Some(a.rps / b.rps),
                _ => None,
            };
            let targets = [
                Target {
                    what: "limit",
                    ratio: ratio(1),
                    bound: MIN_VS_LIMIT,
                    at_least: true,
                },
                Target {
                    what: "peer",
                    ratio: ratio(2),
                    bound: MIN_VS_PEER,
                    at_least: true,
                },
            ];
            let [agni, limit, peer] = cells;
            row(
                &mut out,
                &[
                    label,
                    agni,
                    limit,
                    peer,
                    targets
                        .iter()
                        .filter_map(Target::ratio_text)
                        .collect::<Vec<_>>()
                        .join("; "),
                    targets
                        .iter()
                        .map(Target::target_text)
                        .collect::<Vec<_>>()
                        .join("; "),
                    judged(report, verdicts(&targets)),
                ],
            );
        }
    }

    for variant in VARIANTS {
        let cell = Cell::Decode { variant };
        let (spelling, bytes) = match variant {
            "snake" => ("snake_case", report.sizes.decode_snake),
            _ => ("camelCase", report.sizes.decode_camel),
        };
        let outcomes = CONTENDERS.map(|c| decode(report, cell, c));
        let [agni, limit, peer] = outcomes
            .each_ref()
            .map(|o| shown(o, |ms| format!("{ms:.2} ms")));
        let ratio = |other: usize| match (&outcomes[0], &outcomes[other]) {
            (Ok(a), Ok(b)) => Some(a / b),
            _ => None,
        };
        let target = Target {
            what: "limit",
            ratio: ratio(1),
            bound: MAX_DECODE_VS_LIMIT,
            at_least: false,
        };
        let peer_ratio = match ratio(2) {
            Some(r) => format!("; {r:.2}× peer"),
            None => String::new(),
        };
        row(
            &mut out,
            &[
                format!(
                    "Decode {} agents, {spelling} ({}): median time",
                    thousands(report.decode_items as f64),
                    size(bytes)
                ),
                agni,
                limit,
                peer,
                format!(
                    "{}{peer_ratio}",
                    target.ratio_text().unwrap_or_else(|| "—".to_owned())
                ),
                target.target_text(),
                judged(report, verdicts(std::slice::from_ref(&target))),
            ],
        );
    }

    let memory = &report.extra.memory;
    let fewest = memory.iter().min_by_key(|m| m.items);
    for run in memory {
        let growth = fewest.map(|f| run.vmhwm_kib as f64 / f.vmhwm_kib as f64);
        let first = fewest.is_some_and(|f| f.items == run.items);
        let (ratio, target, verdict) = match (first, growth, fewest) {
            (false, Some(g), Some(f)) => {
                let t = Target {
                    what: "flat",
                    ratio: Some(g),
                    bound: MAX_MEMORY_GROWTH,
                    at_least: false,
                };
                (
                    format!("{g:.2}× the {}-item run", thousands(f.items as f64)),
                    format!("flat: ≤ {MAX_MEMORY_GROWTH:.2}×"),
                    judged(
                        report,
                        verdicts(std::slice::from_ref(&t)).replace("(vs flat)", "(grows)"),
                    ),
                )
            }
            _ => ("baseline".to_owned(), "—".to_owned(), "—".to_owned()),
        };
        row(
            &mut out,
            &[
                format!(
                    "Peak memory (VmHWM) streaming {} contacts, pages of {}",
                    thousands(run.items as f64),
                    run.page_size
                ),
                format!(
                    "{:.1} MiB ({:.2} s)",
                    run.vmhwm_kib as f64 / 1024.0,
                    run.seconds
                ),
                "—".into(),
                "—".into(),
                ratio,
                target,
                verdict,
            ],
        );
    }
    if memory.is_empty() {
        let reason = report
            .extra
            .memory_unavailable
            .as_deref()
            .unwrap_or("not measured (run through `cargo xtask bench`)");
        row(
            &mut out,
            &[
                "Peak memory (VmHWM) streaming contacts".into(),
                format!("n/a: {reason}"),
                "—".into(),
                "—".into(),
                "—".into(),
                "flat".into(),
                "n/a".into(),
            ],
        );
    }

    match &report.extra.build {
        Some(build) => {
            let dash = || "—".to_owned();
            row(
                &mut out,
                &[
                    "Clean build of `agni` (dev profile, dependencies built)".into(),
                    format!("{:.1} s", build.clean_s),
                    dash(),
                    dash(),
                    dash(),
                    dash(),
                    dash(),
                ],
            );
            row(
                &mut out,
                &[
                    "Rebuild after `touch src/phone.rs`".into(),
                    format!("{:.1} s", build.incremental_s),
                    dash(),
                    dash(),
                    dash(),
                    dash(),
                    dash(),
                ],
            );
            let quiet = !build.build_script_reran && build.generated_mtime_unchanged;
            row(
                &mut out,
                &[
                    "`build.rs` reruns on that rebuild (openapi.yaml unchanged)".into(),
                    format!(
                        "{}: {} `Running …build-script-build` for agni; `$OUT_DIR/agni.rs` mtime {}",
                        if quiet { "no" } else { "yes" },
                        if build.build_script_reran { "a" } else { "no" },
                        if build.generated_mtime_unchanged {
                            "unchanged"
                        } else {
                            "changed"
                        }
                    ),
                    dash(),
                    dash(),
                    dash(),
                    "no rerun".into(),
                    if quiet { "met" } else { "**missed**" }.into(),
                ],
            );
        }
        None => {
            let reason = report
                .extra
                .build_unavailable
                .as_deref()
                .unwrap_or("not measured (run through `cargo xtask bench`)");
            row(
                &mut out,
                &[
                    "Build cost of `agni` (clean, incremental, build.rs rerun)".into(),
                    format!("n/a: {reason}"),
                    "—".into(),
                    "—".into(),
                    "—".into(),
                    "—".into(),
                    "n/a".into(),
                ],
            );
        }
    }

    out.push('\n');
    let mut notes = vec![
        format!(
            "**Throughput**: every cell is a child process with a single-threaded tokio runtime \
             against a hyper HTTP/1.1 server on its own thread in the parent ({}); {} of {} s per \
             cell, contender order rotated each round, after an untimed warm-up of {} requests; \
             rps, p50 and p99 are medians over rounds. The bodies are the spec's snake_case \
             shapes with numbers as JSON numbers, the same bytes for all three. Every child runs \
             with `GLIBC_TUNABLES={}`, so that glibc's heap trimming (which a client's allocation \
             pattern trips or not by luck, and which cost the limit a third of its ListAgents \
             throughput at concurrency 1) favours none.",
            match &report.pinning {
                Ok(placement) => format!("pinned with `taskset`: {placement}"),
                Err(reason) => format!("not pinned: {reason}"),
            },
            plural(report.rounds, "round"),
            report.duration.as_secs_f64(),
            if report.quick {
                "`concurrency`"
            } else {
                "max(200, 10 × concurrency)"
            },
            crate::GLIBC_TUNABLES,
        ),
        "**Contenders**: *agni* is `agni::Client` with its default options (hooks, 2 retries, 60 s \
         attempt timeout, 16 MiB cap, lenient types); *the limit* is a `reqwest::Client` with the \
         same builder settings, `send`, `bytes`, one UTF-8 check and `serde_json::from_str` \
         into plain serde structs (a tenth faster on lists than `from_slice`, which checks every \
         string), no per-request timeout; *the peer* is openapi-generator's `rust` client \
         (`library=reqwest`, `supportAsync`) given the same `reqwest::Client`. All three send \
         `X-Api-Key`."
            .to_owned(),
        format!(
            "**Decode**: `std::str::from_utf8` + `serde_json::from_str` of the {}-agent list (how \
             all three read answers), median of {} after {}; \
             agni decodes both spellings with its generated `types::ListAgentsResponse`, the \
             limit with plain structs (`rename_all = \"camelCase\"` for camelCase), the peer with \
             its own models. A decoder that reads the body but loses `agent_name`/`created_at` is \
             reported n/a rather than fast.",
            thousands(report.decode_items as f64),
            if report.quick {
                "2 runs"
            } else {
                "15-200 runs (3 s budget)"
            },
            if report.quick {
                "no warm-up"
            } else {
                "3 warm-up runs"
            }
        ),
    ];
    if report.quick {
        notes.insert(
            0,
            "**--quick**: tiny request counts and one round, to check that the suite works; \
             these numbers are not measurements."
                .to_owned(),
        );
    }
    notes.extend(report.extra.notes.iter().cloned());
    for note in notes {
        let _ = writeln!(out, "- {note}");
    }
    out
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn report(results: Results, extra: Extra) -> Report {
        Report {
            quick: false,
            rounds: 3,
            duration: Duration::from_secs(2),
            decode_items: 10_000,
            sizes: BodySizes {
                get_agent: 1_000,
                list_agents: 100_000,
                decode_snake: 10_000_000,
                decode_camel: 10_000_000,
            },
            results,
            peer_unavailable: Some("no Java".into()),
            pinning: Err("one CPU".into()),
            extra,
        }
    }

    #[test]
    fn verdicts_follow_the_targets() {
        let mut results = Results::default();
        for (contender, rps) in [("agni", 960.0), ("limit", 1000.0)] {
            for concurrency in CONCURRENCIES {
                for scenario in SCENARIOS {
                    let cell = Cell::Load {
                        scenario,
                        concurrency,
                    };
                    let value = json!({"requests": 10, "errors": 0, "rps": rps, "p50_us": 50.0, "p99_us": 90.0});
                    results.add(cell, contender, Ok(value));
                }
            }
        }
        let decode = |ms: f64| Ok(json!({"median_ms": ms}));
        results.add(Cell::Decode { variant: "snake" }, "agni", decode(13.0));
        results.add(Cell::Decode { variant: "snake" }, "limit", decode(10.0));
        results.add(Cell::Decode { variant: "camel" }, "agni", decode(12.0));
        results.add(Cell::Decode { variant: "camel" }, "limit", decode(10.0));
        let extra = Extra {
            memory: vec![
                MemoryRun {
                    items: 10_000,
                    page_size: 100,
                    vmhwm_kib: 10_000,
                    seconds: 1.0,
                },
                MemoryRun {
                    items: 100_000,
                    page_size: 100,
                    vmhwm_kib: 10_500,
                    seconds: 9.0,
                },
            ],
            ..Extra::default()
        };
        let table = render(&report(results, extra));
        let lines: Vec<&str> = table.lines().collect();
        assert!(lines[2].starts_with("| GetAgent"), "{table}");
        assert!(
            lines[2].contains("| 0.96× limit |") && lines[2].ends_with("| met; vs peer: n/a |"),
            "{}",
            lines[2]
        );
        assert!(
            lines[2].contains("960 rps, 50.0 µs, 90.0 µs"),
            "{}",
            lines[2]
        );
        assert!(lines[2].contains("n/a: no Java"), "{}", lines[2]);
        assert!(lines[6].contains("1.30× limit") && lines[6].contains("**missed** (vs limit)"));
        assert!(lines[7].contains("1.20× limit") && lines[7].ends_with("| met |"));
        assert!(lines[9].contains("1.05× the 10,000-item run") && lines[9].ends_with("| met |"));
        assert!(table.contains("Build cost of `agni`"));
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
        let table = render(&report(results, Extra::default()));
        assert!(table.contains("n/a: 2 errors: boom \\| bang"), "{table}");
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(thousands(1234567.4), "1,234,567");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(micros(42.345), "42.3 µs");
        assert_eq!(micros(420.0), "420 µs");
        assert_eq!(micros(42_000.0), "42.0 ms");
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), 2.5);
    }
}
