//! Collecting the children's results and rendering the one Markdown table, with a verdict for
//! every target of the benchmark issue.
//!
//! Every measured cell has one value per round and contender. A ratio against another
//! contender is taken per round (the two ran back to back, in rotated order) and shown as the
//! median and the min–max range of those paired ratios; a target is met only when the whole
//! range clears it, missed only when the whole range falls short of it, and inconclusive
//! otherwise (see [`Target::verdict`] and the notes [`render`] writes).

use std::{collections::BTreeMap, fmt::Write as _, path::Path, time::Duration};

use serde::Deserialize;
use serde_json::Value;

/// The throughput scenarios, in table order.
pub const SCENARIOS: [&str; 3] = ["get", "list", "create"];
/// The concurrencies measured for each scenario.
pub const CONCURRENCIES: [usize; 2] = [1, 64];
/// The decode benchmark's two spellings of the same list.
pub const VARIANTS: [&str; 2] = ["snake", "camel"];
/// The scenarios the instruction counts cover (at concurrency 1).
pub const INSTRUCTION_SCENARIOS: [&str; 2] = ["get", "create"];
const CONTENDERS: [&str; 3] = ["agni", "limit", "peer"];

/// Throughput floors (fraction of the limit's, of the peer's) per scenario: the small requests
/// must be within 3% of the limit, lists within 5%; every row must match the peer.
fn load_floors(scenario: &str) -> (f64, f64) {
    match scenario {
        "list" => (0.95, 1.0),
        _ => (0.97, 1.0),
    }
}
/// Streaming contacts: items/s floors, as for lists.
const STREAM_FLOORS: (f64, f64) = (0.95, 1.0);
/// agni's decode time may be at most this multiple of the limit's.
const MAX_DECODE_VS_LIMIT: f64 = 1.25;
/// agni's peak memory streaming may be at most this multiple of the limit's...
const MAX_MEMORY_VS_LIMIT: f64 = 1.10;
/// ...and of its own with a tenth of the items (flat: memory is one page, not the list).
const MAX_MEMORY_GROWTH: f64 = 1.10;
/// agni's clean build (a user crate, dependencies included) may be at most this multiple of
/// the peer's.
const MAX_BUILD_VS_PEER: f64 = 1.30;

/// One measurement, across contenders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Cell {
    /// Throughput and latency of `scenario` at `concurrency`.
    Load {
        scenario: &'static str,
        concurrency: usize,
    },
    /// Streaming a contact list of `items` contacts.
    Stream { items: u64 },
    /// Decoding the 10,000-agent list in `variant`.
    Decode { variant: &'static str },
}

/// Every child's answer, by cell and contender, one per round in round order.
#[derive(Debug, Default)]
pub struct Results(BTreeMap<(Cell, &'static str), Vec<Result<Value, String>>>);

impl Results {
    /// Records one child's outcome (the next round's).
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

/// Instructions per request at concurrency 1, under callgrind.
#[derive(Debug, Default)]
pub struct Instructions {
    /// Timed requests the per-request figure is the difference over.
    pub requests: u64,
    /// By (scenario, contender).
    pub per_request: BTreeMap<(&'static str, &'static str), Result<f64, String>>,
}

impl Instructions {
    /// One contender's instructions per request in `scenario`, if it was measured.
    fn of(&self, scenario: &'static str, contender: &'static str) -> Option<f64> {
        self.per_request
            .get(&(scenario, contender))?
            .as_ref()
            .ok()
            .copied()
    }
}

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

/// Build cost of a minimal user crate per contender (`agni`, `limit` = plain reqwest + serde,
/// `peer`), dev profile, and agni's incremental rebuild.
#[derive(Debug, Clone, Deserialize)]
pub struct BuildCost {
    /// Each contender's clean builds, or why there are none.
    pub crates: BTreeMap<String, CrateBuild>,
    /// Rebuilding the agni user crate after touching a wrapper file.
    pub incremental: Incremental,
}

/// One user crate's clean builds.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum CrateBuild {
    Built {
        /// Wall clock of each round's clean build, s.
        clean_s: Vec<f64>,
        /// Units cargo compiled or ran (libraries, proc macros, build scripts and their runs,
        /// the binary).
        units: u64,
        /// Distinct packages among them.
        packages: u64,
        /// Build scripts run.
        build_scripts: u64,
    },
    Unavailable {
        unavailable: String,
    },
}

/// agni's incremental rebuild.
#[derive(Debug, Clone, Deserialize)]
pub struct Incremental {
    /// The file touched, relative to the repository.
    pub touched: String,
    /// Wall clock of each round's rebuild, s.
    pub seconds: Vec<f64>,
    /// Whether any rebuild ran agni's build script.
    pub build_script_reran: bool,
    /// Whether `$OUT_DIR/agni.rs` kept its mtime across every rebuild.
    pub generated_mtime_unchanged: bool,
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

/// Per-round values of one contender's `key`, or why there are none.
fn series(report: &Report, cell: Cell, contender: &str, key: &str) -> Result<Vec<f64>, String> {
    let runs = report
        .results
        .get(cell, contender)
        .ok_or_else(|| missing(report, contender))?;
    let mut values = Vec::with_capacity(runs.len());
    for run in runs {
        let value = run.as_ref().map_err(|e| format!("failed: {e}"))?;
        if let Some(reason) = value["unsupported"].as_str() {
            return Err(reason.to_owned());
        }
        if value["errors"].as_u64().unwrap_or(0) > 0 || value["requests"].as_u64() == Some(0) {
            return Err(format!(
                "{} errors: {}",
                value["errors"],
                value["first_error"]
                    .as_str()
                    .unwrap_or("no request completed")
            ));
        }
        let number = value[key]
            .as_f64()
            .ok_or_else(|| format!("no {key} in {value}"))?;
        values.push(number);
    }
    if values.is_empty() {
        return Err(missing(report, contender));
    }
    Ok(values)
}

fn missing(report: &Report, contender: &str) -> String {
    why_missing(report.peer_unavailable.as_deref(), contender)
}

fn why_missing(peer_unavailable: Option<&str>, contender: &str) -> String {
    match (peer_unavailable, contender) {
        (Some(reason), "peer") => reason.to_owned(),
        _ => "not measured".to_owned(),
    }
}

/// Median and range of a set of values.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Spread {
    median: f64,
    min: f64,
    max: f64,
}

impl Spread {
    /// `None` for no values.
    fn of(values: &[f64]) -> Option<Spread> {
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let (&min, &max) = (sorted.first()?, sorted.last()?);
        let mid = sorted.len() / 2;
        let median = if sorted.len() % 2 == 1 {
            sorted[mid]
        } else {
            (sorted[mid - 1] + sorted[mid]) / 2.0
        };
        Some(Spread { median, min, max })
    }

    /// "median`unit` (min–max)", or the one value when they agree.
    fn show(&self, format: impl Fn(f64) -> String, unit: &str) -> String {
        let (median, min, max) = (format(self.median), format(self.min), format(self.max));
        if min == max {
            format!("{median}{unit}")
        } else {
            format!("{median}{unit} ({min}–{max})")
        }
    }
}

/// a / b per round.
fn paired(a: &[f64], b: &[f64]) -> Vec<f64> {
    a.iter().zip(b).map(|(a, b)| a / b).collect()
}

/// One target: agni's paired ratios against a bound, either a floor or a ceiling.
struct Target {
    /// What agni is compared with ("limit", "peer", ...).
    what: String,
    /// agni / that, per round; `None` when either side has no numbers.
    ratios: Option<Vec<f64>>,
    bound: f64,
    at_least: bool,
    /// What the ratio is of, for "what it would take" ("rps", "peak memory", ...).
    measure: &'static str,
    /// Said after what a miss would take (per-request time, instructions).
    hint: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Met,
    Missed,
    Inconclusive,
    Unknown,
}

impl Target {
    fn interval(&self) -> Option<Spread> {
        Spread::of(self.ratios.as_deref()?)
    }

    fn ratio_text(&self) -> Option<String> {
        let spread = self.interval()?;
        Some(format!(
            "{} {}",
            spread.show(|r| format!("{r:.2}"), "×"),
            self.what
        ))
    }

    fn target_text(&self) -> String {
        let op = if self.at_least { "≥" } else { "≤" };
        format!("{op} {:.2}× {}", self.bound, self.what)
    }

    /// Met when the whole range of paired ratios clears the bound, missed when all of it falls
    /// short, inconclusive when the range straddles it.
    fn verdict(&self) -> Verdict {
        let Some(range) = self.interval() else {
            return Verdict::Unknown;
        };
        let (clears, short) = if self.at_least {
            (range.min >= self.bound, range.max < self.bound)
        } else {
            (range.max <= self.bound, range.min > self.bound)
        };
        match (clears, short) {
            (true, _) => Verdict::Met,
            (_, true) => Verdict::Missed,
            _ => Verdict::Inconclusive,
        }
    }

    /// What a miss would take: how far the median ratio is from the bound.
    fn needs(&self) -> String {
        let median = self.interval().map_or(f64::NAN, |s| s.median);
        let mut text = if self.at_least {
            format!(
                "needs {:+.1}% {}",
                (self.bound / median - 1.0) * 100.0,
                self.measure
            )
        } else {
            format!(
                "needs {:.1}% less {}",
                (1.0 - self.bound / median) * 100.0,
                self.measure
            )
        };
        if let Some(hint) = &self.hint {
            let _ = write!(text, ", {hint}");
        }
        text
    }
}

/// The verdict column: "met", or each target that was not, with what a miss would take and,
/// beside an inconclusive one, `evidence` (the instruction counts), when there is any.
fn verdict_text(report: &Report, targets: &[Target], evidence: Option<String>) -> String {
    if report.quick {
        return "not judged (--quick)".to_owned();
    }
    // Misses first: they are what needs work.
    let mut parts = Vec::new();
    for kind in [Verdict::Missed, Verdict::Inconclusive, Verdict::Unknown] {
        for target in targets.iter().filter(|t| t.verdict() == kind) {
            parts.push(match kind {
                Verdict::Missed => format!("**missed** vs {} ({})", target.what, target.needs()),
                Verdict::Inconclusive => format!("inconclusive vs {}", target.what),
                _ => format!("vs {}: n/a", target.what),
            });
        }
    }
    if parts.is_empty() {
        return "met".to_owned();
    }
    let met: Vec<&str> = targets
        .iter()
        .filter(|t| t.verdict() == Verdict::Met)
        .map(|t| t.what.as_str())
        .collect();
    if !met.is_empty() {
        parts.push(format!("met vs {}", met.join(", ")));
    }
    if targets.iter().any(|t| t.verdict() == Verdict::Inconclusive) {
        parts.push(evidence.unwrap_or_else(|| "no instruction count for this row".to_owned()));
    }
    parts.join("; ")
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

/// KiB as MiB, the number alone.
fn mib(kib: f64) -> String {
    format!("{:.1}", kib / 1024.0)
}

/// A table cell for an outcome that may be missing.
fn shown<T>(outcome: &Result<T, String>, show: impl Fn(&T) -> String) -> String {
    match outcome {
        Ok(value) => show(value),
        Err(reason) => format!("n/a: {}", reason.replace('|', "\\|")),
    }
}

fn join<T>(targets: &[Target], text: impl Fn(&Target) -> Option<T>) -> String
where
    T: std::fmt::Display,
{
    let parts: Vec<String> = targets
        .iter()
        .filter_map(|t| text(t).map(|x| x.to_string()))
        .collect();
    if parts.is_empty() {
        "—".to_owned()
    } else {
        parts.join("; ")
    }
}

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

/// agni against contender `other` on the same per-round series.
fn versus(
    series: &[Result<Vec<f64>, String>; 3],
    other: usize,
    bound: f64,
    at_least: bool,
    measure: &'static str,
) -> Target {
    Target {
        what: CONTENDERS[other].to_owned(),
        ratios: match (&series[0], &series[other]) {
            (Ok(a), Ok(b)) => Some(paired(a, b)),
            _ => None,
        },
        bound,
        at_least,
        measure,
        hint: None,
    }
}

/// "0.98× peer (0.95–1.01)", a ratio shown without a target.
fn ratio_only(series: &[Result<Vec<f64>, String>; 3], other: usize, what: &str) -> Option<String> {
    let target = versus(series, other, f64::NAN, true, "");
    target
        .interval()
        .map(|s| format!("{} {what}", s.show(|r| format!("{r:.2}"), "×")))
}

fn median_of(series: &Result<Vec<f64>, String>) -> Option<f64> {
    Spread::of(series.as_ref().ok()?).map(|s| s.median)
}

/// "callgrind instructions/request: 1.06× limit's, 0.99× peer's", when callgrind measured
/// `scenario`.
fn instruction_evidence(counts: &Instructions, scenario: &'static str) -> Option<String> {
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

fn load_rows(out: &mut String, report: &Report) {
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

fn stream_rows(out: &mut String, report: &Report) {
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

fn decode_rows(out: &mut String, report: &Report) {
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

fn instruction_rows(
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

fn build_rows(out: &mut String, report: &Report) {
    let dash = || "—".to_owned();
    let Some(build) = &report.extra.build else {
        let reason = report
            .extra
            .build_unavailable
            .as_deref()
            .unwrap_or("not measured (run through `cargo xtask bench`)");
        row(
            out,
            &[
                "Build cost of a user crate (clean, units, incremental, build.rs rerun)".into(),
                format!("n/a: {reason}"),
                dash(),
                dash(),
                dash(),
                dash(),
                "n/a".into(),
            ],
        );
        return;
    };
    let crate_build = |c: &str| match build.crates.get(c) {
        Some(CrateBuild::Built {
            clean_s,
            units,
            packages,
            build_scripts,
        }) => Ok((clean_s.clone(), *units, *packages, *build_scripts)),
        Some(CrateBuild::Unavailable { unavailable }) => Err(unavailable.clone()),
        None => Err(missing(report, c)),
    };
    let builds = CONTENDERS.map(crate_build);
    let times = builds
        .each_ref()
        .map(|b| b.as_ref().map(|b| b.0.clone()).map_err(Clone::clone));
    let cells = times.each_ref().map(|t| {
        shown(t, |v| {
            Spread::of(v).map_or_else(String::new, |s| s.show(|t| format!("{t:.1}"), " s"))
        })
    });
    let units = builds
        .each_ref()
        .map(|b| b.as_ref().map(|b| (b.1, b.2, b.3)).map_err(Clone::clone));
    let vs_peer = Target {
        hint: match (&units[0], &units[2]) {
            (Ok(a), Ok(b)) => Some(format!(
                "agni's build compiles {} units to the peer's {}",
                a.0, b.0
            )),
            _ => None,
        },
        ..versus(&times, 2, MAX_BUILD_VS_PEER, false, "clean build time")
    };
    // Against plain reqwest + serde the ratio is shown, not judged: the target is the
    // peer.
    let ratio = [vs_peer.ratio_text(), ratio_only(&times, 1, "plain")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("; ");
    let [agni, limit, peer] = cells;
    let vs_peer = [vs_peer];
    row(
        out,
        &[
            "Clean build of a minimal user crate, dev profile, dependencies included (limit \
             column: plain reqwest + serde): wall clock (range)"
                .into(),
            agni,
            limit,
            peer,
            ratio,
            join(&vs_peer, |t| Some(t.target_text())),
            verdict_text(report, &vs_peer, None),
        ],
    );
    let [agni, limit, peer] = units.each_ref().map(|u| {
        shown(u, |(units, packages, scripts)| {
            format!("{units} units ({packages} packages, {scripts} build scripts)")
        })
    });
    let unit_ratio = |other: usize| match (&units[0], &units[other]) {
        (Ok(a), Ok(b)) => Some(format!(
            "{:.2}× {}",
            a.0 as f64 / b.0 as f64,
            CONTENDERS[other]
        )),
        _ => None,
    };
    row(
        out,
        &[
            "… what that build compiles".into(),
            agni,
            limit,
            peer,
            [
                unit_ratio(2),
                unit_ratio(1).map(|r| r.replace("limit", "plain")),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("; "),
            dash(),
            dash(),
        ],
    );
    let incremental = &build.incremental;
    row(
        out,
        &[
            format!(
                "Rebuild of the agni user crate after `touch {}`",
                incremental.touched
            ),
            Spread::of(&incremental.seconds)
                .map_or_else(|| "n/a".to_owned(), |s| s.show(|t| format!("{t:.1}"), " s")),
            dash(),
            dash(),
            dash(),
            dash(),
            dash(),
        ],
    );
    let quiet = !incremental.build_script_reran && incremental.generated_mtime_unchanged;
    row(
        out,
        &[
            "`build.rs` reruns on that rebuild (openapi.yaml unchanged)".into(),
            format!(
                "{}: {} `Running …build-script-build` for agni; `$OUT_DIR/agni.rs` mtime {}",
                if quiet { "no" } else { "yes" },
                if incremental.build_script_reran {
                    "a"
                } else {
                    "no"
                },
                if incremental.generated_mtime_unchanged {
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

fn header(out: &mut String) {
    row(
        out,
        &[
            "Benchmark",
            "agni",
            "limit",
            "peer",
            "Ratio (range over rounds)",
            "Target",
            "Verdict",
        ]
        .map(str::to_owned),
    );
    row(out, &["---"; 7].map(str::to_owned));
}

/// The table and the notes under it.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    header(&mut out);
    load_rows(&mut out, report);
    stream_rows(&mut out, report);
    decode_rows(&mut out, report);
    instruction_rows(
        &mut out,
        &report.instructions,
        report.peer_unavailable.as_deref(),
    );
    build_rows(&mut out, report);
    out.push('\n');
    for note in notes(report) {
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
    instruction_rows(&mut out, instructions, peer_unavailable.as_deref());
    let _ = writeln!(out, "\n- {}", instructions_note(instructions));
    out
}

fn instructions_note(instructions: &Result<Instructions, String>) -> String {
    match instructions {
        Ok(counts) => format!(
            "**Instructions**: each contender's `load` child at concurrency 1 under \
             `valgrind --tool=callgrind`, twice, with the same warm-up and {} more timed \
             requests the second time; the difference of the two totals divided by {} is the \
             client's instructions per request (process start, warm-up and connection set-up \
             cancel). The server runs outside valgrind. `cargo xtask bench --instructions` \
             measures only these, in a few minutes.",
            thousands(counts.requests as f64),
            thousands(counts.requests as f64)
        ),
        Err(reason) => format!("**Instructions**: not measured ({reason})."),
    }
}

/// The method notes under the table.
fn notes(report: &Report) -> Vec<String> {
    let rounds = report.rounds;
    let mut notes = vec![
        format!(
            "**Throughput**: every cell is a child process with a single-threaded tokio runtime \
             against a hyper HTTP/1.1 server on its own thread in the parent ({}); {} of {} s per \
             cell, contender order rotated each round, after an untimed warm-up of {} requests. \
             Cells show the median rps over rounds with its min–max range, and the median p50 \
             and p99. The bodies are the spec's snake_case shapes with numbers as JSON numbers, \
             the same bytes for all three; CreateCall's request body is checked byte for byte by \
             the server (any other bytes get a 400, which fails the row). Every child runs \
             with `GLIBC_TUNABLES={}`, so that glibc's heap trimming (which a client's allocation \
             pattern trips or not by luck, and which cost the limit a third of its ListAgents \
             throughput at concurrency 1) favours none.",
            match &report.pinning {
                Ok(placement) => format!("pinned with `taskset`: {placement}"),
                Err(reason) => format!("not pinned: {reason}"),
            },
            plural(rounds, "round"),
            report.duration.as_secs_f64(),
            if report.quick {
                "`concurrency`"
            } else {
                "max(200, 10 × concurrency)"
            },
            crate::GLIBC_TUNABLES,
        ),
        format!(
            "**Verdicts**: each round runs every contender back to back, so each round gives one \
             paired ratio agni / other; the Ratio column shows their median and min–max. With n \
             rounds, the min–max of n paired ratios contains their true median with probability \
             1 − 2^(1−n) (an order-statistic interval, as in the sign test: no distribution \
             assumed; {:.1}% for these {} rounds), and pairing within a round cancels the slow \
             drift a shared machine adds. A target is **met** when the whole range clears it, \
             **missed** when the whole range falls short (the verdict then says by how much the \
             median falls short, and for throughput roughly how much client CPU time per \
             request that is), and **inconclusive** when the range straddles it; beside an \
             inconclusive GetAgent or CreateCall verdict stand the callgrind instruction counts, \
             which noise does not move.",
            coverage(rounds),
            rounds
        ),
        "**Contenders**: *agni* is `agni::Client` with its default options (hooks, 2 retries, 60 s \
         attempt timeout, 16 MiB cap, lenient types; its POST retry rule never resends a request \
         that may have reached the server, which a healthy server never tests); *the limit* is a \
         `reqwest::Client` with the same builder settings, `send`, `bytes`, one UTF-8 check and \
         `serde_json::from_str` into plain serde structs (a tenth faster on lists than \
         `from_slice`, which checks every string; timestamps left as strings), no per-request \
         timeout; *the peer* is openapi-generator's `rust` client (`library=reqwest`, \
         `supportAsync`) given the same `reqwest::Client`. All three send `X-Api-Key`. For \
         CreateCall, agni and the peer take the request by value, so each call gets a clone of \
         a prepared one (a user builds one per call); the limit serializes borrowed values."
            .to_owned(),
        format!(
            "**Streaming**: each round, each contender streams a list of {} and of {} contacts \
             (limit/offset pages of {} with `meta.total`, about 300 bytes a contact) in a child \
             of its own: agni with `list_contacts().stream_pages_of({})`, the limit and the peer \
             with the same hand-written loop over a plain reqwest call and over the peer's \
             generated `list_contacts`. items/s is the whole stream's; peak memory is the \
             child's `VmHWM` at the end, the whole process (runtime and client included).",
            thousands(report.stream_items[0] as f64),
            thousands(report.stream_items[1] as f64),
            report.page_size,
            report.page_size
        ),
        format!(
            "**Decode**: `std::str::from_utf8` + `serde_json::from_str` of the {}-agent list (how \
             all three read answers); each round a child times {} and reports the median; \
             agni decodes both spellings with its generated `types::ListAgentsResponse`, the \
             limit with plain structs (`rename_all = \"camelCase\"` for camelCase), the peer with \
             its own models. A decoder that reads the body but loses `agent_name`/`created_at` is \
             reported n/a rather than fast.",
            thousands(report.decode_items as f64),
            if report.quick {
                "2 runs without warm-up"
            } else {
                "5-40 runs (0.5 s budget) after 2 warm-up runs"
            },
        ),
        instructions_note(&report.instructions),
    ];
    if let Some(build) = &report.extra.build {
        let rounds = build
            .crates
            .values()
            .find_map(|c| match c {
                CrateBuild::Built { clean_s, .. } => Some(clean_s.len()),
                CrateBuild::Unavailable { .. } => None,
            })
            .unwrap_or(0);
        notes.push(format!(
            "**Build cost**: three minimal user crates, each a `main.rs` making one GetAgent call \
             on a tokio runtime, generated under `<target dir>/bench/build-cost/`: agni by path \
             with default features; the generated peer with `rustls`; plain reqwest with agni's \
             features (`rustls`, `http2`, `json`, `query`, `stream`) + serde + serde_json. Each \
             is built from an empty target directory of its own (dev profile, `--offline`, the \
             registry already downloaded) {}, contender order rotated, so its range covers the \
             median ratio with probability {:.1}%. Units are what cargo compiled or ran \
             (libraries, proc macros, build scripts and their runs, the binary), counted from its \
             JSON messages. After each of agni's clean builds, `touch {}` and build again: the \
             rebuild row.",
            plural(rounds, "time"),
            coverage(rounds),
            build.incremental.touched
        ));
    }
    if report.quick {
        notes.insert(
            0,
            "**--quick**: tiny request counts and one round, to check that the suite works; \
             these numbers are not measurements."
                .to_owned(),
        );
    }
    notes.extend(report.extra.notes.iter().cloned());
    notes
}

/// In percent, the probability that the min–max of `n` paired ratios contains their median.
fn coverage(n: usize) -> f64 {
    (1.0 - 0.5f64.powi(n.saturating_sub(1) as i32)) * 100.0
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

    fn report(results: Results, instructions: Result<Instructions, String>) -> Report {
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

    fn target(ratios: &[f64], bound: f64, at_least: bool) -> Target {
        Target {
            what: "limit".into(),
            ratios: Some(ratios.to_vec()),
            bound,
            at_least,
            measure: "rps",
            hint: None,
        }
    }

    #[test]
    fn a_verdict_needs_the_whole_range_on_one_side() {
        assert_eq!(
            target(&[0.98, 0.99, 1.02], 0.97, true).verdict(),
            Verdict::Met
        );
        assert_eq!(
            target(&[0.90, 0.93, 0.96], 0.97, true).verdict(),
            Verdict::Missed
        );
        assert_eq!(
            target(&[0.95, 0.98, 1.01], 0.97, true).verdict(),
            Verdict::Inconclusive
        );
        assert_eq!(
            target(&[1.1, 1.2, 1.25], 1.25, false).verdict(),
            Verdict::Met
        );
        assert_eq!(target(&[1.3, 1.4], 1.25, false).verdict(), Verdict::Missed);
        assert_eq!(
            target(&[1.2, 1.3], 1.25, false).verdict(),
            Verdict::Inconclusive
        );
        let unknown = Target {
            ratios: None,
            ..target(&[], 1.0, true)
        };
        assert_eq!(unknown.verdict(), Verdict::Unknown);
        // What a miss would take, from the median: 0.97 / 0.93 - 1.
        assert_eq!(
            target(&[0.90, 0.93, 0.96], 0.97, true).needs(),
            "needs +4.3% rps"
        );
        assert_eq!(
            target(&[1.3, 1.5, 1.4], 1.25, false).needs(),
            "needs 10.7% less rps"
        );
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

    #[test]
    fn build_rows_judge_against_the_peer() {
        let extra: Extra = serde_json::from_value(json!({
            "build": {
                "crates": {
                    "agni": {"clean_s": [60.0, 62.0, 61.0], "units": 200, "packages": 150, "build_scripts": 20},
                    "limit": {"clean_s": [30.0, 31.0, 30.5], "units": 100, "packages": 90, "build_scripts": 10},
                    "peer": {"clean_s": [50.0, 50.0, 50.0], "units": 120, "packages": 100, "build_scripts": 12},
                },
                "incremental": {"touched": "src/lib.rs", "seconds": [5.0, 6.0, 5.5], "build_script_reran": false, "generated_mtime_unchanged": true},
            }
        }))
        .expect("xtask's JSON");
        let table = render(&Report {
            extra,
            ..report(Results::default(), Err("skipped".into()))
        });
        let clean = table
            .lines()
            .find(|l| l.starts_with("| Clean build"))
            .expect("a clean build row");
        assert!(
            clean.contains("61.0 s (60.0–62.0)")
                && clean.contains("1.22× (1.20–1.24) peer; 2.00× plain")
                && clean.ends_with("| ≤ 1.30× peer | met |"),
            "{clean}"
        );
        assert!(
            table.contains("| 200 units (150 packages, 20 build scripts) |"),
            "{table}"
        );
        assert!(table.contains("1.67× peer; 2.00× plain"), "{table}");
        assert!(table.contains("5.5 s (5.0–6.0)"), "{table}");
        assert!(table.contains("`build.rs` reruns") && table.contains("| no rerun | met |"));
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(thousands(1234567.4), "1,234,567");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(micros(42.345), "42.3 µs");
        assert_eq!(micros(420.0), "420 µs");
        assert_eq!(micros(42_000.0), "42.0 ms");
        let spread = Spread::of(&[3.0, 1.0, 2.0]).expect("values");
        assert_eq!((spread.median, spread.min, spread.max), (2.0, 1.0, 3.0));
        assert_eq!(
            Spread::of(&[4.0, 1.0, 2.0, 3.0]).map(|s| s.median),
            Some(2.5)
        );
        assert_eq!(Spread::of(&[]), None);
    }
}
