//! The benchmark issue's targets and how agni is judged against them: per-round values
//! summarised as median and min–max ([`Spread`]), agni's ratio to another contender taken per
//! round, and a verdict that needs the whole range on one side of the bound.

use std::fmt::Write as _;

use super::{CONTENDERS, Report};

/// Throughput floors (fraction of the limit's, of the peer's) per scenario: the small requests
/// must be within 3% of the limit, lists within 5%; every row must match the peer.
pub(super) fn load_floors(scenario: &str) -> (f64, f64) {
    match scenario {
        "list" => (0.95, 1.0),
        _ => (0.97, 1.0),
    }
}
/// Streaming contacts: items/s floors, as for lists.
pub(super) const STREAM_FLOORS: (f64, f64) = (0.95, 1.0);
/// agni's decode time may be at most this multiple of the limit's.
pub(super) const MAX_DECODE_VS_LIMIT: f64 = 1.25;
/// agni's peak memory streaming may be at most this multiple of the limit's...
pub(super) const MAX_MEMORY_VS_LIMIT: f64 = 1.10;
/// ...and of its own with a tenth of the items (flat: memory is one page, not the list).
pub(super) const MAX_MEMORY_GROWTH: f64 = 1.10;
/// agni's clean build (a user crate, dependencies included) may be at most this multiple of
/// the peer's.
pub(super) const MAX_BUILD_VS_PEER: f64 = 1.30;

/// Median and range of a set of values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Spread {
    median: f64,
    min: f64,
    max: f64,
}

impl Spread {
    /// `None` for no values.
    pub(super) fn of(values: &[f64]) -> Option<Spread> {
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
    pub(super) fn show(&self, format: impl Fn(f64) -> String, unit: &str) -> String {
        let (median, min, max) = (format(self.median), format(self.min), format(self.max));
        if min == max {
            format!("{median}{unit}")
        } else {
            format!("{median}{unit} ({min}–{max})")
        }
    }
}

/// a / b per round.
pub(super) fn paired(a: &[f64], b: &[f64]) -> Vec<f64> {
    a.iter().zip(b).map(|(a, b)| a / b).collect()
}

/// One target: agni's paired ratios against a bound, either a floor or a ceiling.
pub(super) struct Target {
    /// What agni is compared with ("limit", "peer", ...).
    pub(super) what: String,
    /// agni / that, per round; `None` when either side has no numbers.
    pub(super) ratios: Option<Vec<f64>>,
    pub(super) bound: f64,
    pub(super) at_least: bool,
    /// What the ratio is of, for "what it would take" ("rps", "peak memory", ...).
    pub(super) measure: &'static str,
    /// Said after what a miss would take (per-request time, instructions).
    pub(super) hint: Option<String>,
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

    pub(super) fn ratio_text(&self) -> Option<String> {
        let spread = self.interval()?;
        Some(format!(
            "{} {}",
            spread.show(|r| format!("{r:.2}"), "×"),
            self.what
        ))
    }

    pub(super) fn target_text(&self) -> String {
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
pub(super) fn verdict_text(
    report: &Report,
    targets: &[Target],
    evidence: Option<String>,
) -> String {
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

pub(super) fn join<T>(targets: &[Target], text: impl Fn(&Target) -> Option<T>) -> String
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

/// agni against contender `other` on the same per-round series.
pub(super) fn versus(
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
pub(super) fn ratio_only(
    series: &[Result<Vec<f64>, String>; 3],
    other: usize,
    what: &str,
) -> Option<String> {
    let target = versus(series, other, f64::NAN, true, "");
    target
        .interval()
        .map(|s| format!("{} {what}", s.show(|r| format!("{r:.2}"), "×")))
}

pub(super) fn median_of(series: &Result<Vec<f64>, String>) -> Option<f64> {
    Spread::of(series.as_ref().ok()?).map(|s| s.median)
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn a_spread_is_the_median_and_range() {
        let spread = Spread::of(&[3.0, 1.0, 2.0]).expect("values");
        assert_eq!((spread.median, spread.min, spread.max), (2.0, 1.0, 3.0));
        assert_eq!(
            Spread::of(&[4.0, 1.0, 2.0, 3.0]).map(|s| s.median),
            Some(2.5)
        );
        assert_eq!(Spread::of(&[]), None);
    }
}
