//! Cargo as the suite needs it: its command, the workspace's target directory, the versions
//! its lock file pins.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use serde_json::Value;

use super::output;

/// Cargo's target directory for the workspace, as `cargo metadata` resolves it (from
/// `CARGO_TARGET_DIR`, `build.target-dir` or the default `target/`).
pub(super) fn target_dir(root: &Path) -> Result<PathBuf, String> {
    metadata_target_dir(&mut cargo_command(root))
}

/// `target_directory` of `cargo metadata`, run as `cargo`.
fn metadata_target_dir(cargo: &mut Command) -> Result<PathBuf, String> {
    let metadata = output(
        cargo.args(["metadata", "--format-version", "1", "--no-deps"]),
        "cargo metadata",
    )?;
    let metadata: Value =
        serde_json::from_str(&metadata).map_err(|e| format!("cargo metadata: {e}"))?;
    metadata["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .ok_or_else(|| "cargo metadata reports no target_directory".to_owned())
}

pub(super) fn cargo_command(root: &Path) -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.current_dir(root);
    command
}

/// Runs cargo with its output shown; fails unless it succeeds.
pub(super) fn cargo(root: &Path, args: &[&str]) -> Result<(), String> {
    let status = cargo_command(root)
        .args(args)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`cargo {}` failed ({status})", args.join(" ")))
    }
}

/// The version of `name` in a Cargo.lock (the first, if several).
pub(super) fn locked_version(lock: &str, name: &str) -> Option<String> {
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == format!("name = \"{name}\"") {
            let version = lines.next()?;
            return Some(
                version
                    .strip_prefix("version = \"")?
                    .strip_suffix('"')?
                    .to_owned(),
            );
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_target_directory_is_cargos() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("xtask is in the repository");
        let elsewhere = std::env::temp_dir().join("agni-bench-target-elsewhere");
        let mut cargo = cargo_command(root);
        cargo.env("CARGO_TARGET_DIR", &elsewhere);
        assert_eq!(metadata_target_dir(&mut cargo), Ok(elsewhere));
    }

    #[test]
    fn reads_locked_versions() {
        let lock = "[[package]]\nname = \"reqwest\"\nversion = \"0.13.5\"\n";
        assert_eq!(locked_version(lock, "reqwest").as_deref(), Some("0.13.5"));
        assert_eq!(locked_version(lock, "hyper"), None);
    }
}
