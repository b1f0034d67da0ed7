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

use std::{
    collections::BTreeMap,
    fmt::Write as _,
    fs,
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::{Duration, Instant, SystemTime},
};

use serde_json::{Value, json};

/// The generator release the peer is generated with (the PyPI package's version).
const GENERATOR_VERSION: &str = "7.26.0";
/// What the peer is generated as (`-i openapi.yaml -o <target>/bench/peer` follow).
const GENERATOR_ARGS: &[&str] = &[
    "generate",
    "-g",
    "rust",
    "--additional-properties=library=reqwest,supportAsync=true,packageName=agni_peer",
];
/// The reqwest features the workspace (and so agni and the limit) use; the driver asks for the
/// same, on top of whatever the generated crate asks for.
const REQWEST_FEATURES: &str = r#"["rustls", "http2", "json", "query", "stream"]"#;
/// The file touched to measure an incremental rebuild: the crate root, which every refactor of
/// the wrapper keeps.
const TOUCHED: &str = "src/lib.rs";
/// Clean builds of each user crate, rotated like the throughput rounds.
const BUILD_ROUNDS: usize = 3;

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

/// Cargo's target directory for the workspace, as `cargo metadata` resolves it (from
/// `CARGO_TARGET_DIR`, `build.target-dir` or the default `target/`).
fn target_dir(root: &Path) -> Result<PathBuf, String> {
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
                .args([
                    "-i".as_ref(),
                    "openapi.yaml".as_ref(),
                    "-o".as_ref(),
                    peer_dir.as_os_str(),
                ])
                .current_dir(root),
            "openapi-generator-cli generate",
        )?;
        fs::write(&stamp_path, &stamp).map_err(|e| format!("{}: {e}", stamp_path.display()))?;
    }

    // The driver crate, with the workspace's lock file as its starting point, so every crate
    // both builds use (reqwest, hyper, tokio, serde_json) is the same version.
    let driver = bench.join("peer-driver");
    let src = driver.join("src");
    let lock = read(&root.join("Cargo.lock"))?;
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
    write_all(copies)?;
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
            "reqwest's {} as well, which these plain HTTP requests with JSON bodies do not use",
            extras.join(", ")
        )
    };
    notes.push(format!(
        "**Peer**: generated by openapi-generator {GENERATOR_VERSION} (PyPI \
         `openapi-generator-cli`, {java_version}) with `-g rust \
         --additional-properties=library=reqwest,supportAsync=true` into \
         `<target dir>/bench/peer`. It is built with reqwest {peer_reqwest} (agni and the limit: \
         {reqwest_version}), TLS feature `rustls` instead of its default `native-tls`; the \
         generated crate turns on {extras}. Its driver passes it the same `reqwest::Client` \
         settings as the others."
    ));
    Ok(target.join("release/peer-driver"))
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

/// A minimal user crate: what a user's `Cargo.toml` and `main.rs` hold to make one call with a
/// contender (agni; plain reqwest + serde, the limit's column; the peer).
struct UserCrate {
    contender: &'static str,
    /// `<target>/bench/build-cost/<name>`; the package is `user-<name>`.
    name: &'static str,
    dir: PathBuf,
    dependencies: String,
    main: &'static str,
}

/// The three user crates, under `<target>/bench/build-cost/`, each with a tokio runtime as a
/// user would have one.
fn user_crates(root: &Path, bench: &Path, reqwest_version: &str) -> [UserCrate; 3] {
    let tokio = r#"tokio = { version = "1", features = ["macros", "rt"] }"#;
    let dir = |name: &str| bench.join("build-cost").join(name);
    [
        UserCrate {
            contender: "agni",
            name: "agni",
            dir: dir("agni"),
            // Default features, as a user adds it.
            dependencies: format!(
                "ravan-agni = {{ path = {:?} }}\n{tokio}\n",
                root.display().to_string()
            ),
            main: r#"use agni::prelude::*;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client = agni::Client::builder()
        .api_key("sk_example")
        .base_url("http://127.0.0.1:9")
        .build()
        .expect("a client");
    let agent = client.get_agent().id("0198f6a2").send().await;
    println!("{}", agent.is_ok());
}
"#,
        },
        UserCrate {
            contender: "limit",
            name: "plain",
            dir: dir("plain"),
            dependencies: format!(
                "reqwest = {{ version = \"={reqwest_version}\", default-features = false, \
                 features = {REQWEST_FEATURES} }}\nserde = {{ version = \"1\", features = \
                 [\"derive\"] }}\nserde_json = \"1\"\n{tokio}\n"
            ),
            main: r#"#[derive(serde::Deserialize)]
struct Agent {
    id: Option<String>,
}

#[derive(serde::Deserialize)]
struct GetAgentResponse {
    data: Option<Agent>,
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client = reqwest::Client::new();
    let agent = async {
        client
            .get("http://127.0.0.1:9/api/v1/agents/0198f6a2/")
            .header("X-Api-Key", "sk_example")
            .send()
            .await?
            .error_for_status()?
            .json::<GetAgentResponse>()
            .await
    };
    let agent = agent.await;
    println!("{}", agent.is_ok_and(|a| a.data.and_then(|d| d.id).is_some()));
}
"#,
        },
        UserCrate {
            contender: "peer",
            name: "peer",
            dir: dir("peer"),
            // The same TLS stack as the others (the peer's default is native-tls).
            dependencies: format!(
                "agni_peer = {{ path = \"../../peer\", default-features = false, features = \
                 [\"rustls\"] }}\n{tokio}\n"
            ),
            main: r#"use agni_peer::apis::{
    agent_service_api,
    configuration::{ApiKey, Configuration},
};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let configuration = Configuration {
        base_path: "http://127.0.0.1:9".to_owned(),
        api_key: Some(ApiKey {
            prefix: None,
            key: "sk_example".to_owned(),
        }),
        ..Configuration::default()
    };
    let agent = agent_service_api::get_agent(&configuration, "0198f6a2").await;
    println!("{}", agent.is_ok());
}
"#,
        },
    ]
}

impl UserCrate {
    /// Writes the crate (the workspace's lock file as its starting point, so shared crates are
    /// the same versions) and downloads what it needs, untimed.
    fn prepare(&self, lock: &str) -> Result<(), String> {
        let manifest = format!(
            "# Generated by `cargo xtask bench`: a minimal user crate for the build-cost rows.\n\
             [package]\nname = \"user-{}\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\
             publish = false\n\n[workspace]\n\n[dependencies]\n{}",
            self.name, self.dependencies
        );
        write_all([
            (self.dir.join("Cargo.toml"), manifest),
            (self.dir.join("Cargo.lock"), lock.to_owned()),
            (self.dir.join("src/main.rs"), self.main.to_owned()),
        ])?;
        output(
            self.cargo().arg("fetch"),
            &format!("cargo fetch for the {} user crate", self.contender),
        )
        .map(drop)
    }

    /// Cargo in this crate, with its own target directory whatever the environment says.
    fn cargo(&self) -> Command {
        let mut command = cargo_command(&self.dir);
        command.env("CARGO_TARGET_DIR", self.dir.join("target"));
        command
    }

    /// `cargo build` (dev profile, offline: nothing to download in the timing), verbose with
    /// JSON messages; the wall clock, the messages and the verbose log.
    fn build(&self) -> Result<(f64, String, String), String> {
        let started = Instant::now();
        let output = self
            .cargo()
            .args(["build", "--offline", "-v", "--message-format=json"])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        let seconds = started.elapsed().as_secs_f64();
        let log = String::from_utf8_lossy(&output.stderr).into_owned();
        if !output.status.success() {
            let last = log
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("");
            return Err(format!(
                "building the {} user crate failed ({}): {}",
                self.contender,
                output.status,
                last.trim()
            ));
        }
        Ok((
            seconds,
            String::from_utf8_lossy(&output.stdout).into_owned(),
            log,
        ))
    }

    /// A build from nothing: its dependencies included.
    fn clean_build(&self) -> Result<(f64, String, String), String> {
        let target = self.dir.join("target");
        if target.exists() {
            fs::remove_dir_all(&target).map_err(|e| format!("{}: {e}", target.display()))?;
        }
        self.build()
    }
}

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
fn build_cost(root: &Path, target: &Path, with_peer: bool) -> Result<Value, String> {
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
         without them the peer's column says why), builds three minimal user crates from \
         scratch {BUILD_ROUNDS} times each, counts instructions under callgrind (valgrind; \
         without it those rows say why), and took {:.0} s here, builds included. `cargo xtask \
         bench --quick` checks that the suite works in seconds; `cargo xtask bench \
         --instructions` prints only the instruction counts, the before/after check for a \
         change to agni's request path. It respects `CARGO_TARGET_DIR`: everything it \
         generates is under `<target dir>/bench/`.\n",
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
