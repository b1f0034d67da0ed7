//! `cargo xtask`: keeps `openapi.yaml` and the generated-code snapshot in step with upstream.
//!
//! - `generate` applies `spec/overlay.yaml` to `spec/upstream.json`, writes `openapi.yaml`, and
//!   writes `generated/agni.rs` and `httpmock/src/generated.rs` (the httpmock
//!   helpers), the formatted code `build.rs` compiles, for review diffs.
//! - `generate --check` writes nothing and fails, naming the stale file with a diff, when any of
//!   those files differs from what `generate` would write. CI runs it.
//! - `refresh` replaces `spec/upstream.json` with a new upstream document (URL or file), validates
//!   it, regenerates, and reports the operations that changed and any overlay action that stopped
//!   matching.
//! - `bench` runs the benchmark suite (`agni-bench`, see `bench/`) and writes `BENCHMARKS.md`;
//!   `bench --quick` only prints a table of tiny runs, `bench --instructions` only the
//!   callgrind instruction counts.

mod bench;
mod overlay;
mod spec;
mod workspace;

use std::process::ExitCode;

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
    /// Replace spec/upstream.json with a new upstream document, then regenerate.
    Refresh {
        /// URL (http/https) or file path of the new upstream openapi.json.
        #[arg(long, default_value = DEFAULT_UPSTREAM)]
        from: String,
    },
    /// Benchmark agni against hand-written reqwest + serde_json and an openapi-generator client
    /// (all on loopback) and write the table to BENCHMARKS.md.
    ///
    /// Builds agni-bench in release, generates the peer client with openapi-generator (PyPI
    /// `openapi-generator-cli`, needs Java) into <target dir>/bench/, measures throughput and
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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let workspace = Workspace::repository();
    let result = match cli.command {
        Command::Generate { check: false } => workspace.generate().map(|report| print!("{report}")),
        Command::Generate { check: true } => workspace.check(),
        Command::Refresh { from } => workspace.refresh(&from).map(|report| print!("{report}")),
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
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
