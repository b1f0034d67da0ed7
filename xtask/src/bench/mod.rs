//! `cargo xtask bench`: builds `agni-bench`, prepares the peer (openapi-generator's client for
//! the same `openapi.yaml`), measures what needs cargo (the build cost of a user crate per
//! contender), has `agni-bench run` measure the rest and render the table, and writes
//! `BENCHMARKS.md`. `--instructions` only has `agni-bench instructions` count instructions per
//! request under callgrind.
//!
//! Everything it generates lives under `<target>/bench/`, where `<target>` is cargo's target
//! directory as `cargo metadata` reports it (so `CARGO_TARGET_DIR` and `build.target-dir` are
//! respected): the peer is generated into `<target>/bench/peer` by the PyPI package
//! `openapi-generator-cli` (which bundles the generator's jar; Java runs it) from a venv in
//! `<target>/bench/venv`, and a small driver crate in `<target>/bench/peer-driver` (its own
//! `[workspace]`, a path dependency on the generated crate, `bench/peer-driver/main.rs` and
//! `bench/src/harness.rs` as its sources) puts it under the same load. Any step that fails
//! (no Java, no PyPI, a generated crate that does not build) leaves the peer out with the reason
//! in the table; the other two contenders still run. The user crates of the build-cost rows are
//! in `<target>/bench/build-cost/`, each with a target directory of its own.
//!
//! Here: the command's steps in order, and the helpers they share. `cargo` asks cargo for the
//! target directory and the lock file, `peer` prepares the peer, `build_cost` builds the
//! `user_crate`s, `benchmarks_md` writes the file.

mod benchmarks_md;
mod build_cost;
mod cargo;
mod peer;
mod user_crate;

use std::{
    fs,
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::Instant,
};

use serde_json::json;

use self::{
    benchmarks_md::benchmarks_md,
    build_cost::build_cost,
    cargo::{cargo, target_dir},
    peer::prepare_peer,
};

/// The reqwest features the workspace (and so agni and the limit) use; the driver asks for the
/// same, on top of whatever the generated crate asks for.
const REQWEST_FEATURES: &str = r#"["rustls", "http2", "json", "query", "stream"]"#;

/// Options of `cargo xtask bench`.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Tiny counts, no peer, no build cost, no BENCHMARKS.md.
    pub quick: bool,
    /// Use the dev-profile binaries `cargo test --workspace --all-features` builds.
    pub dev: bool,
    /// Only the callgrind instruction counts, printed; no BENCHMARKS.md.
    pub instructions: bool,
}

/// Runs the suite in the repository this xtask was built from.
pub fn run(options: Options) -> Result<(), String> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = manifest.parent().unwrap_or(manifest);
    let started = Instant::now();
    let target = target_dir(root)?;
    let bench_dir = target.join("bench");
    fs::create_dir_all(&bench_dir).map_err(|e| format!("{}: {e}", bench_dir.display()))?;

    let profile = if options.dev {
        // Exactly CI's test build, so after `cargo test --workspace --all-features` this compiles
        // nothing; the integration test of agni-bench makes cargo link its binaries.
        cargo(
            root,
            &[
                "test",
                "--workspace",
                "--all-features",
                "--locked",
                "--no-run",
            ],
        )?;
        "debug"
    } else {
        cargo(
            root,
            &["build", "--release", "--locked", "-p", "agni-bench"],
        )?;
        "release"
    };
    let agni_bench = target.join(profile).join("agni-bench");

    let mut notes = Vec::new();
    let peer = if options.quick {
        Err("skipped (--quick)".to_owned())
    } else {
        eprintln!("xtask bench: preparing the peer");
        prepare_peer(root, &target, &mut notes)
    };
    let mut command = Command::new(&agni_bench);
    if options.instructions {
        command.arg("instructions");
    } else {
        let mut extra = json!({ "notes": notes });
        if options.quick {
            extra["build_unavailable"] = json!("skipped (--quick)");
        } else {
            eprintln!("xtask bench: measuring the build cost of user crates");
            match build_cost(root, &target, peer.is_ok()) {
                Ok(cost) => extra["build"] = cost,
                Err(reason) => extra["build_unavailable"] = json!(reason),
            }
        }
        let extra_path = bench_dir.join("extra.json");
        fs::write(&extra_path, extra.to_string())
            .map_err(|e| format!("{}: {e}", extra_path.display()))?;
        command
            .arg("run")
            .args(["--extra".as_ref(), extra_path.as_os_str()]);
    }
    if options.quick {
        command.arg("--quick");
    }
    match &peer {
        Ok(driver) => command.args(["--peer-driver".as_ref(), driver.as_os_str()]),
        Err(reason) => command.args(["--peer-unavailable", reason]),
    };
    let output = command
        .current_dir(root)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", agni_bench.display()))?;
    if !output.status.success() {
        return Err(format!("agni-bench failed ({})", output.status));
    }
    let table = String::from_utf8_lossy(&output.stdout).into_owned();
    print!("{table}");
    let elapsed = started.elapsed();
    if !options.quick && !options.instructions {
        let markdown = benchmarks_md(&table, elapsed, options);
        fs::write(root.join("BENCHMARKS.md"), markdown)
            .map_err(|e| format!("cannot write BENCHMARKS.md: {e}"))?;
        eprintln!("xtask bench: wrote BENCHMARKS.md");
    }
    eprintln!("xtask bench: took {:.0} s", elapsed.as_secs_f64());
    Ok(())
}

/// Runs a command and returns its stdout, or a one-line reason.
fn output(command: &mut Command, what: &str) -> Result<String, String> {
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{what}: {e}"))?;
    if output.status.success() {
        return Ok(String::from_utf8_lossy(&output.stdout).into_owned());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let last = stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    Err(format!(
        "{what} failed ({}): {}",
        output.status,
        last.trim()
    ))
}

fn read(path: &Path) -> Result<String, String> {
    fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Writes each file whose contents differ; unchanged files keep their mtime, so cargo does not
/// rebuild what did not change.
fn write_all(files: impl IntoIterator<Item = (PathBuf, String)>) -> Result<(), String> {
    for (path, contents) in files {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        if fs::read_to_string(&path).ok().as_deref() != Some(contents.as_str()) {
            fs::write(&path, contents).map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    Ok(())
}
