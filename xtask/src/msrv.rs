//! `cargo xtask msrv`: the workspace's `rust-version` must be at least every locked
//! dependency's, or the MSRV the crates declare is false (users on that toolchain cannot build).
//!
//! Toolchains cannot be installed here, so the check reads what each package declares, through
//! `cargo metadata --locked`, rather than building with the old compiler.

use std::{fmt, process::Command};

use serde_json::Value;

/// A `rust-version`, compared numerically (`1.9` < `1.89`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version(Vec<u64>);

impl Version {
    /// Parses `1.89` or `1.88.0`; `None` for anything else.
    pub fn parse(text: &str) -> Option<Version> {
        let parts: Option<Vec<u64>> = text.trim().split('.').map(|p| p.parse().ok()).collect();
        let mut parts = parts?;
        // `1.89` and `1.89.0` are the same requirement.
        while parts.len() > 2 && parts.last() == Some(&0) {
            parts.pop();
        }
        (!parts.is_empty()).then_some(Version(parts))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(u64::to_string).collect();
        f.write_str(&parts.join("."))
    }
}

/// A package whose declared `rust-version` exceeds the workspace's.
#[derive(Debug, PartialEq, Eq)]
pub struct Offender {
    pub name: String,
    pub version: String,
    pub rust_version: Version,
}

/// The workspace's declared MSRV and the packages of `metadata` that need a newer compiler.
pub fn check(metadata: &Value) -> Result<(Version, Vec<Offender>), String> {
    let packages = metadata["packages"]
        .as_array()
        .ok_or("cargo metadata lists no packages")?;
    let members: Vec<&str> = metadata["workspace_members"]
        .as_array()
        .ok_or("cargo metadata lists no workspace members")?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let declared = |package: &Value| package["rust_version"].as_str().and_then(Version::parse);
    let workspace = packages
        .iter()
        .filter(|p| p["id"].as_str().is_some_and(|id| members.contains(&id)))
        .filter_map(declared)
        .min()
        .ok_or("no workspace member declares a rust-version")?;
    let mut offenders: Vec<Offender> = packages
        .iter()
        .filter_map(|package| {
            let rust_version = declared(package)?;
            (rust_version > workspace).then(|| Offender {
                name: package["name"].as_str().unwrap_or("?").to_owned(),
                version: package["version"].as_str().unwrap_or("?").to_owned(),
                rust_version,
            })
        })
        .collect();
    offenders.sort_by(|a, b| {
        b.rust_version
            .cmp(&a.rust_version)
            .then(a.name.cmp(&b.name))
    });
    Ok((workspace, offenders))
}

/// Runs the check on this repository's lock file.
pub fn run() -> Result<String, String> {
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["metadata", "--format-version", "1", "--locked"])
        .output()
        .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let metadata: Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("cargo metadata printed no JSON: {e}"))?;
    let (workspace, offenders) = check(&metadata)?;
    if offenders.is_empty() {
        return Ok(format!(
            "rust-version {workspace}: no locked package declares a newer one\n"
        ));
    }
    let list: Vec<String> = offenders
        .iter()
        .map(|o| format!("  {} {} needs Rust {}", o.name, o.version, o.rust_version))
        .collect();
    Err(format!(
        "the workspace declares rust-version {workspace}, but locked packages need more:\n{}\n\
         raise rust-version in Cargo.toml (and the README), or pin older versions",
        list.join("\n")
    ))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn metadata(packages: &[(&str, Option<&str>)]) -> Value {
        json!({
            "workspace_members": ["path+file:///w#agni@0.1.0"],
            "packages": packages.iter().map(|(name, rust)| json!({
                "id": if *name == "agni" { "path+file:///w#agni@0.1.0".to_owned() } else { format!("registry#{name}@1.0.0") },
                "name": name,
                "version": "1.0.0",
                "rust_version": rust,
            })).collect::<Vec<_>>(),
        })
    }

    #[test]
    fn versions_compare_numerically() {
        let v = |t| Version::parse(t).expect("version");
        assert!(v("1.9") < v("1.89"));
        assert_eq!(v("1.89.0"), v("1.89"));
        assert!(v("1.89.1") > v("1.89"));
        assert_eq!(Version::parse("1.x"), None);
    }

    #[test]
    fn a_dependency_above_the_workspace_is_reported() {
        let (workspace, offenders) = check(&metadata(&[
            ("agni", Some("1.88")),
            ("serde-saphyr", Some("1.89")),
            ("old", Some("1.70")),
            ("unknown", None),
        ]))
        .expect("checks");
        assert_eq!(workspace.to_string(), "1.88");
        assert_eq!(
            offenders,
            vec![Offender {
                name: "serde-saphyr".into(),
                version: "1.0.0".into(),
                rust_version: Version(vec![1, 89]),
            }]
        );
        let (_, none) = check(&metadata(&[
            ("agni", Some("1.89")),
            ("serde-saphyr", Some("1.89")),
        ]))
        .expect("checks");
        assert!(none.is_empty());
    }

    #[test]
    fn this_workspace_declares_a_true_msrv() {
        let report = run().expect("no locked package needs a newer Rust than rust-version");
        assert!(report.starts_with("rust-version 1."), "{report}");
    }
}
