//! Measuring the build cost: clean builds of the user crates in rotated rounds, agni's rebuild
//! after a touch, and what cargo's messages and verbose log say each build did.

use std::{
    collections::BTreeMap,
    fs,
    path::{Path, PathBuf},
    time::SystemTime,
};

use serde_json::{Value, json};

use super::{cargo::locked_version, read, user_crate::user_crates};

/// The file touched to measure an incremental rebuild: the crate root, which every refactor of
/// the wrapper keeps.
const TOUCHED: &str = "src/lib.rs";
/// Clean builds of each user crate, rotated like the throughput rounds.
pub(super) const BUILD_ROUNDS: usize = 3;

/// What a build compiled.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Units {
    /// Each compiled library, proc macro, build script and binary, and each build script run.
    units: u64,
    /// Distinct packages among them.
    packages: u64,
    /// Build scripts run.
    build_scripts: u64,
}

/// One user crate's clean builds so far.
#[derive(Debug, Default)]
struct CleanBuilds {
    seconds: Vec<f64>,
    units: Units,
}

/// What a build compiled, from cargo's JSON messages.
fn unit_counts(messages: &str) -> Units {
    let mut packages = std::collections::BTreeSet::new();
    let (mut artifacts, mut scripts) = (0, 0);
    for message in messages
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
    {
        match message["reason"].as_str() {
            Some("compiler-artifact") => {
                artifacts += 1;
                if let Some(id) = message["package_id"].as_str() {
                    packages.insert(id.to_owned());
                }
            }
            Some("build-script-executed") => scripts += 1,
            _ => {}
        }
    }
    Units {
        units: artifacts + scripts,
        packages: packages.len() as u64,
        build_scripts: scripts,
    }
}

/// Clean builds of the three user crates ([`BUILD_ROUNDS`] rounds, order rotated) and the agni
/// crate's rebuild after touching [`TOUCHED`] (after each of its clean builds), with whether
/// that rebuild reran agni's build script.
pub(super) fn build_cost(root: &Path, target: &Path, with_peer: bool) -> Result<Value, String> {
    let lock = read(&root.join("Cargo.lock"))?;
    let reqwest_version = locked_version(&lock, "reqwest").unwrap_or_else(|| "0.13".to_owned());
    let crates = user_crates(root, &target.join("bench"), &reqwest_version);
    let mut results: BTreeMap<&str, Result<CleanBuilds, String>> = BTreeMap::new();
    for user in &crates {
        let prepared = if user.contender == "peer" && !with_peer {
            Err("no peer (see its column)".to_owned())
        } else {
            user.prepare(&lock)
        };
        results.insert(user.contender, prepared.map(|()| CleanBuilds::default()));
    }
    let mut incremental = Vec::new();
    let (mut reran, mut mtime_kept) = (false, true);
    for round in 0..BUILD_ROUNDS {
        for i in 0..crates.len() {
            let user = &crates[(i + round) % crates.len()];
            let Some(Ok(builds)) = results.get_mut(user.contender) else {
                continue;
            };
            eprintln!(
                "xtask bench: build round {}/{BUILD_ROUNDS}: the {} user crate, clean",
                round + 1,
                user.contender
            );
            let built = user.clean_build();
            let (seconds, messages, _) = match built {
                Ok(built) => built,
                Err(reason) => {
                    results.insert(user.contender, Err(reason));
                    continue;
                }
            };
            builds.seconds.push(seconds);
            builds.units = unit_counts(&messages);
            if user.contender == "agni" {
                let generated = generated_file(&messages)
                    .ok_or("cargo reported no build script output for agni")?;
                let before = modified(&generated)?;
                fs::File::options()
                    .append(true)
                    .open(root.join(TOUCHED))
                    .and_then(|f| f.set_modified(SystemTime::now()))
                    .map_err(|e| format!("cannot touch {TOUCHED}: {e}"))?;
                let (seconds, _, log) = user.build()?;
                incremental.push(seconds);
                reran |= log.lines().any(runs_agni_build_script);
                mtime_kept &= modified(&generated)? == before;
            }
        }
    }
    let crates: serde_json::Map<String, Value> = results
        .into_iter()
        .map(|(contender, result)| {
            let value = match result {
                Ok(builds) => json!({
                    "clean_s": builds.seconds,
                    "units": builds.units.units,
                    "packages": builds.units.packages,
                    "build_scripts": builds.units.build_scripts,
                }),
                Err(reason) => json!({ "unavailable": reason }),
            };
            (contender.to_owned(), value)
        })
        .collect();
    Ok(json!({
        "crates": crates,
        "incremental": {
            "touched": TOUCHED,
            "seconds": incremental,
            "build_script_reran": reran,
            "generated_mtime_unchanged": mtime_kept,
        },
    }))
}

/// `$OUT_DIR/agni.rs`, from cargo's `build-script-executed` message for agni.
fn generated_file(messages: &str) -> Option<PathBuf> {
    messages.lines().find_map(|line| {
        let message: Value = serde_json::from_str(line).ok()?;
        if message["reason"] != "build-script-executed" {
            return None;
        }
        // `path+file:///repo#agni@0.1.0`, or `path+file:///repo/agni#0.1.0` when the folder
        // has the package's name.
        let (url, fragment) = message["package_id"].as_str()?.rsplit_once('#')?;
        let name = match fragment.split_once('@') {
            Some((name, _)) => name,
            None => url.rsplit('/').next()?,
        };
        let out_dir = message["out_dir"].as_str()?;
        (name == "ravan-agni").then(|| PathBuf::from(out_dir).join("agni.rs"))
    })
}

/// A `cargo -v` line running agni's build script (`.../build/ravan-agni-<hash>/build-script-build`).
fn runs_agni_build_script(line: &str) -> bool {
    line.trim_start().starts_with("Running `")
        && line.split("/build/ravan-agni-").skip(1).any(|rest| {
            rest.split_once('/').is_some_and(|(hash, after)| {
                hash.chars().all(|c| c.is_ascii_hexdigit())
                    && after.starts_with("build-script-build")
            })
        })
}

fn modified(path: &Path) -> Result<SystemTime, String> {
    fs::metadata(path)
        .and_then(|m| m.modified())
        .map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_agni_build_script_runs_only() {
        assert!(runs_agni_build_script(
            "     Running `/w/target/debug/build/ravan-agni-0123abcd/build-script-build`"
        ));
        assert!(!runs_agni_build_script(
            "     Running `/w/target/debug/build/ravan-agni-codegen-0123/build-script-build`"
        ));
        assert!(!runs_agni_build_script(
            "       Fresh agni v0.1.0 (/w/target/debug/build/ravan-agni-0123abcd/build-script-build)"
        ));
        assert!(!runs_agni_build_script(
            "     Running `rustc --crate-name agni --edition=2024 src/lib.rs`"
        ));
    }

    #[test]
    fn finds_the_generated_file() {
        let messages = concat!(
            r#"{"reason":"build-script-executed","package_id":"path+file:///w/codegen#ravan-agni-codegen@0.1.0","out_dir":"/x"}"#,
            "\n",
            r#"{"reason":"build-script-executed","package_id":"path+file:///w/main#ravan-agni@0.1.0","out_dir":"/t/out"}"#,
        );
        assert_eq!(
            generated_file(messages),
            Some(PathBuf::from("/t/out/agni.rs"))
        );
        let short = r#"{"reason":"build-script-executed","package_id":"path+file:///w/ravan-agni#0.1.0","out_dir":"/o"}"#;
        assert_eq!(generated_file(short), Some(PathBuf::from("/o/agni.rs")));
    }

    #[test]
    fn counts_units_packages_and_build_scripts() {
        let messages = concat!(
            r#"{"reason":"compiler-artifact","package_id":"registry+x#serde@1.0.0","target":{"kind":["custom-build"]}}"#,
            "\n",
            r#"{"reason":"build-script-executed","package_id":"registry+x#serde@1.0.0"}"#,
            "\n",
            r#"{"reason":"compiler-artifact","package_id":"registry+x#serde@1.0.0","target":{"kind":["lib"]}}"#,
            "\n",
            r#"{"reason":"compiler-artifact","package_id":"path+file:///u#user@0.0.0","target":{"kind":["bin"]}}"#,
            "\n",
            r#"{"reason":"build-finished","success":true}"#,
            "\nnot json\n",
        );
        assert_eq!(
            unit_counts(messages),
            Units {
                units: 4,
                packages: 2,
                build_scripts: 1
            }
        );
    }
}
