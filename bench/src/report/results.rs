//! What the children answered, per cell, contender and round, and callgrind's counts; and one
//! contender's per-round numbers read out of them, or the reason its cell is n/a (a failed,
//! unsupported or erroring run, a contender not measured).

use std::collections::BTreeMap;

use serde_json::Value;

use super::Report;

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
    pub(super) fn of(&self, scenario: &'static str, contender: &'static str) -> Option<f64> {
        self.per_request
            .get(&(scenario, contender))?
            .as_ref()
            .ok()
            .copied()
    }
}

/// Per-round values of one contender's `key`, or why there are none.
pub(super) fn series(
    report: &Report,
    cell: Cell,
    contender: &str,
    key: &str,
) -> Result<Vec<f64>, String> {
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

pub(super) fn missing(report: &Report, contender: &str) -> String {
    why_missing(report.peer_unavailable.as_deref(), contender)
}

pub(super) fn why_missing(peer_unavailable: Option<&str>, contender: &str) -> String {
    match (peer_unavailable, contender) {
        (Some(reason), "peer") => reason.to_owned(),
        _ => "not measured".to_owned(),
    }
}
