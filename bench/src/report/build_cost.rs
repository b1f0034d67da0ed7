//! The build cost of a minimal user crate per contender, which `cargo xtask bench` measures
//! (`--extra`): its JSON, and its rows (clean build time judged against the peer, what that build
//! compiles, agni's incremental rebuild and whether it reran `build.rs`).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{
    CONTENDERS, Report,
    results::missing,
    table::{row, shown},
    verdict::{MAX_BUILD_VS_PEER, Spread, Target, join, ratio_only, verdict_text, versus},
};

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

pub(super) fn build_rows(out: &mut String, report: &Report) {
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::report::{Extra, Report, Results, render, tests::report};

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
}
