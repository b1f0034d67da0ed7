//! `cargo xtask bench`: builds `agni-bench`, prepares the peer (openapi-generator's client for
//! the same `openapi.yaml`), measures what needs cargo or a separate process (the streaming
//! memory child, build cost), has `agni-bench run` measure the rest and render the table, and
//! writes `BENCHMARKS.md`.
//!
//! The peer is generated into `target/bench/peer` at benchmark time and never committed: a Python
//! venv in `target/bench/venv` gets the PyPI package `openapi-generator-cli` (which bundles the
//! generator's jar; Java runs it), and a small driver crate in `target/bench/peer-driver` (its own
//! `[workspace]`, a path dependency on the generated crate, `bench/peer-driver/main.rs` and
//! `bench/src/harness.rs` as its sources) puts it under the same load. Any step that fails
//! (no Java, no PyPI, a generated crate that does not build) leaves the peer out with the reason
//! in the table; the other two contenders still run.

use std::{
    fmt::Write as _,
    fs,
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::{Duration, Instant, SystemTime},
};

use serde_json::{Value, json};

/// The generator release the peer is generated with (the PyPI package's version).
const GENERATOR_VERSION: &str = "7.26.0";
/// What the peer is generated as.
const GENERATOR_ARGS: &[&str] = &[
    "generate",
    "-g",
    "rust",
    "-i",
    "openapi.yaml",
    "-o",
    "target/bench/peer",
    "--additional-properties=library=reqwest,supportAsync=true,packageName=agni_peer",
];
/// The reqwest features the workspace (and so agni and the limit) use; the driver asks for the
/// same, on top of whatever the generated crate asks for.
const REQWEST_FEATURES: &str = r#"["rustls", "http2", "json", "query", "stream"]"#;
/// The wrapper file touched to measure an incremental rebuild.
const TOUCHED: &str = "src/phone.rs";
/// Page size of the streaming memory child.
const PAGE_SIZE: u32 = 100;

/// Options of `cargo xtask bench`.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Tiny counts, no peer, no build cost, no BENCHMARKS.md.
    pub quick: bool,
    /// Use the dev-profile binaries `cargo test --workspace --all-features` builds.
    pub dev: bool,
}

/// Runs the suite in the repository this xtask was built from.
pub fn run(options: Options) -> Result<(), String> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = manifest.parent().unwrap_or(manifest);
    let started = Instant::now();
    let target = target_dir(root);
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
    let bin_dir = target.join(profile);

    let mut notes = Vec::new();
    let peer = if options.quick {
        Err("skipped (--quick)".to_owned())
    } else {
        eprintln!("xtask bench: preparing the peer");
        prepare_peer(root, &target, &mut notes)
    };

    let mut extra = json!({ "notes": [] });
    let counts: [u64; 2] = if options.quick {
        [1_000, 10_000]
    } else {
        [10_000, 100_000]
    };
    match counts
        .iter()
        .map(|&items| memory_run(&bin_dir.join("stream-contacts"), items))
        .collect::<Result<Vec<_>, _>>()
    {
        Ok(runs) => extra["memory"] = Value::Array(runs),
        Err(reason) => extra["memory_unavailable"] = json!(reason),
    }
    if options.quick {
        extra["build_unavailable"] = json!("skipped (--quick)");
    } else {
        eprintln!("xtask bench: measuring the build cost of agni");
        match build_cost(root) {
            Ok(cost) => extra["build"] = cost,
            Err(reason) => extra["build_unavailable"] = json!(reason),
        }
    }
    extra["notes"] = json!(notes);
    let extra_path = bench_dir.join("extra.json");
    fs::write(&extra_path, extra.to_string())
        .map_err(|e| format!("{}: {e}", extra_path.display()))?;

    let mut command = Command::new(bin_dir.join("agni-bench"));
    command
        .arg("run")
        .args(["--extra".as_ref(), extra_path.as_os_str()]);
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
        .map_err(|e| format!("cannot run agni-bench: {e}"))?;
    if !output.status.success() {
        return Err(format!("agni-bench run failed ({})", output.status));
    }
    let table = String::from_utf8_lossy(&output.stdout).into_owned();
    print!("{table}");
    let elapsed = started.elapsed();
    if !options.quick {
        let markdown = benchmarks_md(&table, elapsed, options);
        fs::write(root.join("BENCHMARKS.md"), markdown)
            .map_err(|e| format!("cannot write BENCHMARKS.md: {e}"))?;
        eprintln!("xtask bench: wrote BENCHMARKS.md");
    }
    eprintln!("xtask bench: took {:.0} s", elapsed.as_secs_f64());
    Ok(())
}

/// `$CARGO_TARGET_DIR`, or `target/` in the repository.
fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root.join(dir),
        None => root.join("target"),
    }
}

fn cargo_command(root: &Path) -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.current_dir(root);
    command
}

/// Runs cargo with its output shown; fails unless it succeeds.
fn cargo(root: &Path, args: &[&str]) -> Result<(), String> {
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

/// Generates the peer and builds its driver; returns the driver binary, or why there is none.
fn prepare_peer(root: &Path, target: &Path, notes: &mut Vec<String>) -> Result<PathBuf, String> {
    let bench = target.join("bench");
    let java = Command::new("java")
        .arg("-version")
        .output()
        .map_err(|e| format!("no Java to run openapi-generator ({e})"))?;
    if !java.status.success() {
        return Err("`java -version` fails: no Java to run openapi-generator".to_owned());
    }
    let java_version = String::from_utf8_lossy(&java.stderr)
        .lines()
        .next()
        .unwrap_or("")
        .trim()
        .to_owned();

    // The generator, from PyPI, in a venv of its own.
    let venv = bench.join("venv");
    let generator = venv.join("bin/openapi-generator-cli");
    let pip = venv.join("bin/pip");
    if !pip.exists() {
        output(
            Command::new("python3").args(["-m", "venv"]).arg(&venv),
            "python3 -m venv",
        )?;
    }
    let installed = output(
        Command::new(&pip).args(["show", "openapi-generator-cli"]),
        "pip show",
    )
    .unwrap_or_default();
    if !installed
        .lines()
        .any(|l| l.trim() == format!("Version: {GENERATOR_VERSION}"))
    {
        output(
            Command::new(&pip).args([
                "install",
                "--quiet",
                &format!("openapi-generator-cli=={GENERATOR_VERSION}"),
            ]),
            "pip install openapi-generator-cli",
        )?;
    }

    // Generate, unless the same spec was already generated with the same settings.
    let spec = fs::read(root.join("openapi.yaml")).map_err(|e| format!("openapi.yaml: {e}"))?;
    let stamp_path = bench.join("peer.stamp");
    let mut stamp = format!("{GENERATOR_VERSION} {}\n", GENERATOR_ARGS.join(" ")).into_bytes();
    stamp.extend_from_slice(&spec);
    let peer_dir = bench.join("peer");
    if fs::read(&stamp_path).ok().as_deref() != Some(&stamp[..]) || !peer_dir.exists() {
        let _ = fs::remove_dir_all(&peer_dir);
        output(
            Command::new(&generator)
                .args(GENERATOR_ARGS)
                .current_dir(root),
            "openapi-generator-cli generate",
        )?;
        fs::write(&stamp_path, &stamp).map_err(|e| format!("{}: {e}", stamp_path.display()))?;
    }

    // The driver crate, with the workspace's lock file as its starting point, so every crate
    // both builds use (reqwest, hyper, tokio, serde_json) is the same version.
    let driver = bench.join("peer-driver");
    let src = driver.join("src");
    fs::create_dir_all(&src).map_err(|e| format!("{}: {e}", src.display()))?;
    let lock =
        fs::read_to_string(root.join("Cargo.lock")).map_err(|e| format!("Cargo.lock: {e}"))?;
    let reqwest_version = locked_version(&lock, "reqwest").unwrap_or_else(|| "0.13".to_owned());
    let manifest = format!(
        r#"# Generated by `cargo xtask bench`; see bench/peer-driver/main.rs.
[package]
name = "peer-driver"
version = "0.0.0"
edition = "2024"
publish = false

[workspace]

[dependencies]
agni_peer = {{ path = "../peer", default-features = false, features = ["rustls"] }}
reqwest = {{ version = "={reqwest_version}", default-features = false, features = {REQWEST_FEATURES} }}
serde_json = "1"
tokio = {{ version = "1", features = ["macros", "rt", "rt-multi-thread", "net", "io-util", "time"] }}
"#
    );
    let copies = [
        (driver.join("Cargo.toml"), manifest),
        (driver.join("Cargo.lock"), lock.clone()),
        (
            src.join("main.rs"),
            read(&root.join("bench/peer-driver/main.rs"))?,
        ),
        (
            src.join("harness.rs"),
            read(&root.join("bench/src/harness.rs"))?,
        ),
    ];
    for (path, contents) in copies {
        // Unchanged files keep their mtime, so an unchanged driver is not rebuilt.
        if fs::read_to_string(&path).ok().as_deref() != Some(contents.as_str()) {
            fs::write(&path, contents).map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    // The shared target directory reuses the release builds of every dependency the two have in
    // common with the same features.
    let build = output(
        cargo_command(root)
            .args(["build", "--release", "--manifest-path"])
            .arg(driver.join("Cargo.toml"))
            .env("CARGO_TARGET_DIR", target),
        "building the peer's driver",
    );
    if let Err(reason) = build {
        return Err(format!("the generated client does not build: {reason}"));
    }
    let driver_lock = fs::read_to_string(driver.join("Cargo.lock")).unwrap_or_default();
    let peer_reqwest = locked_version(&driver_lock, "reqwest").unwrap_or_else(|| "?".to_owned());
    let generated_manifest = fs::read_to_string(peer_dir.join("Cargo.toml")).unwrap_or_default();
    // `reqwest = { version = "^0.13", default-features = false, features = ["json", ...] }`
    let extras: Vec<String> = generated_manifest
        .lines()
        .find(|l| l.starts_with("reqwest"))
        .and_then(|l| l.split(" features = [").nth(1))
        .and_then(|f| f.split(']').next())
        .unwrap_or_default()
        .split(',')
        .map(|f| f.trim().trim_matches('"'))
        .filter(|f| !f.is_empty() && !REQWEST_FEATURES.contains(&format!("\"{f}\"")))
        .map(|f| format!("`{f}`"))
        .collect();
    let extras = if extras.is_empty() {
        "no reqwest features beyond the workspace's".to_owned()
    } else {
        format!(
            "reqwest's {} as well, which change nothing for these plain-HTTP GETs",
            extras.join(", ")
        )
    };
    notes.push(format!(
        "**Peer**: generated by openapi-generator {GENERATOR_VERSION} (PyPI \
         `openapi-generator-cli`, {java_version}) with `-g rust \
         --additional-properties=library=reqwest,supportAsync=true` into `target/bench/peer`. It \
         is built with reqwest {peer_reqwest} (agni and the limit: {reqwest_version}), TLS feature \
         `rustls` instead of its default `native-tls`; the generated crate turns on {extras}. Its driver \
         passes it the same `reqwest::Client` settings as the others."
    ));
    Ok(target.join("release/peer-driver"))
}

fn read(path: &Path) -> Result<String, String> {
    fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// The version of `name` in a Cargo.lock (the first, if several).
fn locked_version(lock: &str, name: &str) -> Option<String> {
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

/// Streams `items` contacts through agni's paginator in a child and reads its peak memory.
fn memory_run(program: &Path, items: u64) -> Result<Value, String> {
    eprintln!("xtask bench: streaming {items} contacts");
    let started = Instant::now();
    let stdout = output(
        Command::new(program)
            .arg(items.to_string())
            .arg(PAGE_SIZE.to_string()),
        "the streaming child (stream-contacts)",
    )?;
    let seconds = started.elapsed().as_secs_f64();
    // "... peak resident memory 9876 kB"
    let vmhwm_kib: u64 = stdout
        .split("peak resident memory")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("no peak memory in {stdout:?}"))?;
    if !stdout.contains(&format!("streamed {items} contacts")) {
        return Err(format!(
            "the child did not stream {items} contacts: {stdout:?}"
        ));
    }
    Ok(
        json!({ "items": items, "page_size": PAGE_SIZE, "vmhwm_kib": vmhwm_kib, "seconds": seconds }),
    )
}

/// Clean and incremental build time of `agni` (dev profile) and whether the rebuild reran
/// `build.rs`.
fn build_cost(root: &Path) -> Result<Value, String> {
    let build = || {
        let mut command = cargo_command(root);
        command.args([
            "build",
            "-p",
            "ravan-agni",
            "--locked",
            "-v",
            "--message-format=json",
        ]);
        command
    };
    // Dependencies first, untimed.
    output(&mut build(), "cargo build -p agni")?;
    output(
        cargo_command(root).args(["clean", "-p", "ravan-agni"]),
        "cargo clean -p agni",
    )?;
    let started = Instant::now();
    let clean = output(&mut build(), "cargo build -p agni (clean)")?;
    let clean_s = started.elapsed().as_secs_f64();
    let generated =
        generated_file(&clean).ok_or("cargo reported no build script output for agni")?;
    let before = modified(&generated)?;

    fs::File::options()
        .append(true)
        .open(root.join(TOUCHED))
        .and_then(|f| f.set_modified(SystemTime::now()))
        .map_err(|e| format!("cannot touch {TOUCHED}: {e}"))?;
    let started = Instant::now();
    let output = build()
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    let incremental_s = started.elapsed().as_secs_f64();
    if !output.status.success() {
        return Err(format!(
            "cargo build -p agni (incremental) failed ({})",
            output.status
        ));
    }
    let verbose = String::from_utf8_lossy(&output.stderr);
    let reran = verbose.lines().any(runs_agni_build_script);
    let after = modified(&generated)?;
    Ok(json!({
        "clean_s": clean_s,
        "incremental_s": incremental_s,
        "build_script_reran": reran,
        "generated_mtime_unchanged": before == after,
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

/// The machine, as the issue asks: `nproc`, CPU model, memory, rustc.
fn machine() -> Vec<(&'static str, String)> {
    let nproc = output(&mut Command::new("nproc"), "nproc")
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|e| e);
    let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")?
                .split_once(':')
                .map(|(_, m)| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned());
    let meminfo = fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|kib| kib.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or_else(
            || "unknown".to_owned(),
            |kib| format!("{:.1} GiB", kib / 1024.0 / 1024.0),
        );
    let rustc = output(Command::new("rustc").arg("-V"), "rustc -V")
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|e| e);
    let kernel = fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| format!("Linux {}", s.trim()))
        .unwrap_or_else(|_| std::env::consts::OS.to_owned());
    vec![
        ("`nproc`", nproc),
        ("CPU", model),
        ("Memory", memory),
        ("rustc", rustc),
        ("OS", kernel),
    ]
}

fn benchmarks_md(table: &str, elapsed: Duration, options: Options) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Benchmarks\n");
    let _ = writeln!(
        out,
        "agni against the limit (hand-written `reqwest` + `serde_json`) and the peer (the client \
         openapi-generator generates from the same `openapi.yaml`), all against servers on \
         loopback. Reproduce with:\n\n```sh\ncargo xtask bench{}\n```\n",
        if options.dev { " --dev" } else { "" }
    );
    let _ = writeln!(
        out,
        "It builds `agni-bench` in release, generates and builds the peer (Java 17 and PyPI; \
         without them the peer's column says why), and took {:.0} s here, builds included. \
         `cargo xtask bench --quick` checks that the suite works in seconds.\n",
        elapsed.as_secs_f64()
    );
    let _ = writeln!(out, "Machine:\n");
    for (what, value) in machine() {
        let _ = writeln!(out, "- {what}: {value}");
    }
    let _ = writeln!(out);
    out.push_str(table);
    out
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
    fn reads_locked_versions() {
        let lock = "[[package]]\nname = \"reqwest\"\nversion = \"0.13.5\"\n";
        assert_eq!(locked_version(lock, "reqwest").as_deref(), Some("0.13.5"));
        assert_eq!(locked_version(lock, "hyper"), None);
    }
}
