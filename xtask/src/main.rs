//! `cargo xtask`: keeps `openapi.yaml` and the generated-code snapshot in step with upstream.
//!
//! - `generate` applies `spec/overlay.yaml` to `spec/upstream.json`, writes `openapi.yaml`, and
//!   writes `generated/agni.rs` (the client `build.rs` compiles), `httpmock/src/generated.rs`
//!   (the httpmock helpers) and `cli/src/generated.rs` (the CLI's commands), for review diffs.
//! - `generate --check` writes nothing and fails, naming the stale file with a diff, when any of
//!   those files differs from what `generate` would write. CI runs it.
//! - `refresh` replaces `spec/upstream.json` with a new upstream document (URL or file), validates
//!   it, regenerates, prints a report of what changed for SDK users (structural spec diff following
//!   `$ref`s, breaking or not, the public Rust API diff, the release it needs), writes it as Markdown
//!   for the pull request and drafts the `CHANGELOG.md` entry. It fails, naming them, when overlay
//!   actions stopped matching.
//! - `diff --from A --to B` prints the same report for two upstream documents and writes nothing
//!   (but `--markdown PATH`).
//! - `bench` runs the benchmark suite (`agni-bench`, see `bench/`) and writes `BENCHMARKS.md`;
//!   `bench --quick` only prints a table of tiny runs, `bench --instructions` only the
//!   callgrind instruction counts.
//! - `msrv` fails when a locked dependency declares a `rust-version` above the workspace's.

mod bench;
mod changelog;
mod msrv;
mod overlay;
mod report;
mod review;
mod rustapi;
mod spec;
mod specdiff;
mod workspace;

use std::{path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand};

use crate::workspace::Workspace;

/// Where docs.ravan.ai publishes the spec its playground loads.
const DEFAULT_UPSTREAM: &str = "https://docs.ravan.ai/openapi.json";

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Repository automation for the agni SDK")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Apply spec/overlay.yaml to spec/upstream.json, write openapi.yaml and generated/*.rs.
    Generate {
        /// Write nothing; fail with a diff if openapi.yaml or a generated/*.rs file is stale.
        #[arg(long)]
        check: bool,
    },
    /// Replace spec/upstream.json with a new upstream document, regenerate, report what changed
    /// for users (also as Markdown) and draft the CHANGELOG.md entry.
    Refresh {
        /// URL (http/https) or file path of the new upstream openapi.json.
        #[arg(long, default_value = DEFAULT_UPSTREAM)]
        from: String,
        /// Where to write the Markdown report [default: target/xtask/spec-report.md].
        #[arg(long, value_name = "PATH")]
        markdown: Option<PathBuf>,
    },
    /// Report what replacing upstream document A by B would change for users, writing nothing.
    ///
    /// Both documents get spec/overlay.yaml applied, as `generate` would; the report is the one
    /// `refresh` prints.
    Diff {
        /// URL (http/https) or file path of the old upstream openapi.json.
        #[arg(long)]
        from: String,
        /// URL (http/https) or file path of the new upstream openapi.json.
        #[arg(long)]
        to: String,
        /// Also write the Markdown report to this file.
        #[arg(long, value_name = "PATH")]
        markdown: Option<PathBuf>,
    },
    /// Benchmark agni against hand-written reqwest + serde_json and an openapi-generator client
    /// (all on loopback) and write the table to BENCHMARKS.md.
    ///
    /// Builds agni-bench in release, generates the peer client with openapi-generator (PyPI
    /// `openapi-generator-cli`, needs Java) into `<target dir>/bench/`, measures throughput and
    /// latency, streaming, decoding, instructions per request (valgrind) and the build cost of
    /// a user crate. Takes a quarter of an hour or so.
    Bench {
        /// Tiny request counts, no peer, no build cost: prints the table only, seconds after
        /// compiling. Checks that the suite works; its numbers are not measurements.
        #[arg(long)]
        quick: bool,
        /// Use the dev-profile binaries that `cargo test --workspace --all-features` builds
        /// instead of a release build (for CI, with --quick: nothing extra to compile).
        #[arg(long)]
        dev: bool,
        /// Only count instructions per request under callgrind (GetAgent and CreateCall, all
        /// three contenders) and print them: a before/after check that a busy machine does not
        /// disturb. Writes nothing.
        #[arg(long)]
        instructions: bool,
    },
    /// Fail if any locked dependency declares a rust-version above the workspace's (read with
    /// `cargo metadata`, so no other toolchain is needed).
    Msrv,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let workspace = Workspace::repository();
    let result = match cli.command {
        Command::Generate { check: false } => workspace.generate().map(|report| print!("{report}")),
        Command::Generate { check: true } => workspace.check(),
        Command::Refresh { from, markdown } => workspace
            .refresh(&from, markdown.as_deref())
            .map(|report| print!("{report}")),
        Command::Diff { from, to, markdown } => workspace
            .diff(&from, &to, markdown.as_deref())
            .map(|report| print!("{report}")),
        Command::Bench {
            quick,
            dev,
            instructions,
        } => bench::run(bench::Options {
            quick,
            dev,
            instructions,
        })
        .map_err(workspace::XtaskError::Bench),
        Command::Msrv => msrv::run()
            .map(|report| print!("{report}"))
            .map_err(workspace::XtaskError::Msrv),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
