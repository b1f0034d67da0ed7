//! `agni-bench`: agni's benchmark suite. `cargo xtask bench` builds and drives it and writes
//! the table to `BENCHMARKS.md`.
//!
//! - `agni-bench run [--quick] [--peer-driver PATH | --peer-unavailable REASON] [--extra FILE]`
//!   starts the loopback server, runs every throughput and decode measurement in child
//!   processes (itself for agni and the limit, the peer's driver for the peer) and prints the
//!   Markdown table, with the memory and build rows `--extra` (written by xtask) supplies.
//! - `agni-bench load|decode --contender agni|limit --url URL ...` is one such child (see
//!   `harness.rs`); it prints one JSON object.

mod contenders;
mod harness;
mod plain;
mod report;
mod server;

use std::{
    path::{Path, PathBuf},
    process::{Command, ExitCode, Stdio},
    time::Duration,
};

use bytes::Bytes;
use serde_json::Value;

use crate::report::{Cell, Extra, Results};

const USAGE: &str = "\
agni-bench: agni against hand-written reqwest + serde_json (the limit) and an openapi-generator
client (the peer), all on loopback. Usually run through `cargo xtask bench`.

usage:
  agni-bench run [--quick] [--peer-driver PATH | --peer-unavailable REASON] [--extra FILE]
                 [--rounds N] [--duration-ms MS]
  agni-bench load   --contender agni|limit --url URL --scenario get|list --concurrency N
                    --warmup N --max-requests N --duration-ms MS
  agni-bench decode --contender agni|limit --url URL --variant snake|camel --items N
                    --warmup N --min-runs N --budget-ms MS --max-runs N
  agni-bench serve  the server alone, to profile one child by hand: prints its URL and
                    stops when stdin closes

`run` prints one Markdown table on stdout (progress goes to stderr). --quick uses tiny request
counts and one round: a smoke test whose numbers mean little.";

/// The allocator settings of every child. By default glibc returns the top of the heap to the
/// kernel whenever more than 128 KiB of it is free and faults it back in on the next allocation;
/// whether a client's allocation pattern trips that is luck (it cost the limit a third of its
/// ListAgents throughput at concurrency 1), so no contender gets it. Fixing the trim threshold
/// also fixes glibc's mmap threshold at 128 KiB, which would put every large buffer (the
/// decode benchmark's 11 MiB body and lists) in fresh pages each time, so that one is raised
/// to its maximum, 32 MiB.
const GLIBC_TUNABLES: &str =
    "glibc.malloc.trim_threshold=1073741824:glibc.malloc.mmap_threshold=33554432";

/// Agents in the decode benchmark's list.
const DECODE_ITEMS: usize = 10_000;

fn main() -> ExitCode {
    let mut argv = std::env::args().skip(1);
    match argv.next().as_deref() {
        Some("load" | "decode") => harness::run_child("agni-bench", contenders::child),
        Some("run") => match harness::Args::parse(argv).and_then(|args| run(&args)) {
            Ok(table) => {
                print!("{table}");
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("agni-bench: {error}");
                ExitCode::FAILURE
            }
        },
        Some("serve") => match serve() {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("agni-bench: {error}");
                ExitCode::FAILURE
            }
        },
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// How much of everything to run.
#[derive(Debug, Clone)]
pub struct Plan {
    quick: bool,
    rounds: usize,
    duration: Duration,
}

impl Plan {
    fn load_args(&self, concurrency: usize) -> Vec<String> {
        let (warmup, max_requests) = if self.quick {
            (concurrency as u64, 50 + 2 * concurrency as u64)
        } else {
            ((10 * concurrency as u64).max(200), u64::MAX)
        };
        [
            ("concurrency", concurrency.to_string()),
            ("warmup", warmup.to_string()),
            ("max-requests", max_requests.to_string()),
            ("duration-ms", self.duration.as_millis().to_string()),
        ]
        .into_iter()
        .flat_map(|(k, v)| [format!("--{k}"), v])
        .collect()
    }

    fn decode_args(&self) -> Vec<String> {
        let (warmup, min_runs, budget_ms, max_runs) = if self.quick {
            (0, 2, 0, 2)
        } else {
            (3, 15, 3_000, 200)
        };
        [
            ("items", DECODE_ITEMS.to_string()),
            ("warmup", warmup.to_string()),
            ("min-runs", min_runs.to_string()),
            ("budget-ms", budget_ms.to_string()),
            ("max-runs", max_runs.to_string()),
        ]
        .into_iter()
        .flat_map(|(k, v)| [format!("--{k}"), v])
        .collect()
    }
}

/// A contender process: the program and the arguments that name the contender.
#[derive(Debug, Clone)]
struct Contender {
    name: &'static str,
    program: PathBuf,
    args: Vec<String>,
}

/// Pins this process (so the server's thread) to CPU 0 and returns the CPU for the children,
/// so client and server each have a core of their own and the scheduler does not move them
/// around; `Err` says why not (one CPU, no `taskset`).
fn pin_server() -> Result<usize, String> {
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    if cpus < 2 {
        return Err("one CPU".to_owned());
    }
    let pinned = Command::new("taskset")
        .args(["-a", "-c", "-p", "0", &std::process::id().to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| format!("no taskset ({e})"))?;
    if pinned.success() {
        Ok(1)
    } else {
        Err(format!("taskset failed ({pinned})"))
    }
}

impl Contender {
    /// Runs one child command (on `cpu`, if given) and returns its JSON, or why there is none.
    fn child(
        &self,
        cpu: Option<usize>,
        command: &str,
        url: &str,
        args: &[String],
    ) -> Result<Value, String> {
        let mut process = match cpu {
            Some(cpu) => {
                let mut taskset = Command::new("taskset");
                taskset.args(["-c", &cpu.to_string()]).arg(&self.program);
                taskset
            }
            None => Command::new(&self.program),
        };
        let output = process
            .env("GLIBC_TUNABLES", GLIBC_TUNABLES)
            .arg(command)
            .args(&self.args)
            .args(["--url", url])
            .args(args)
            .stdin(Stdio::null())
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", self.program.display()))?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        if !output.status.success() {
            return Err(format!(
                "{} {command} failed ({})",
                self.name, output.status
            ));
        }
        let line = stdout.lines().last().unwrap_or_default();
        serde_json::from_str(line).map_err(|e| format!("{} printed {line:?}: {e}", self.name))
    }
}

/// The canned bodies, the same bytes for every contender.
fn canned() -> server::Canned {
    server::Canned {
        get_agent: Bytes::from(plain::snake::get_agent_body()),
        list_agents: Bytes::from(plain::snake::list_agents_body(harness::LIST_ITEMS)),
        decode_snake: Bytes::from(plain::snake::list_agents_body(DECODE_ITEMS)),
        decode_camel: Bytes::from(plain::camel::list_agents_body(DECODE_ITEMS)),
    }
}

fn serve() -> Result<(), String> {
    let address = server::spawn(canned()).map_err(|e| format!("cannot start the server: {e}"))?;
    println!("http://{address}");
    let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
    Ok(())
}

fn run(args: &harness::Args) -> Result<String, String> {
    let quick = args.opt("quick").is_some();
    let plan = Plan {
        quick,
        rounds: match args.opt("rounds") {
            Some(_) => args.num("rounds")?,
            None if quick => 1,
            None => 7,
        },
        duration: Duration::from_millis(match args.opt("duration-ms") {
            Some(_) => args.num("duration-ms")?,
            None if quick => 1_000,
            None => 1_500,
        }),
    };
    let extra = match args.opt("extra") {
        Some(path) => Extra::read(Path::new(path))?,
        None => Extra::default(),
    };

    let this = std::env::current_exe().map_err(|e| format!("cannot find myself: {e}"))?;
    let mut contenders = vec![
        Contender {
            name: "agni",
            program: this.clone(),
            args: vec!["--contender".into(), "agni".into()],
        },
        Contender {
            name: "limit",
            program: this,
            args: vec!["--contender".into(), "limit".into()],
        },
    ];
    let peer_unavailable = match (args.opt("peer-driver"), args.opt("peer-unavailable")) {
        (Some(driver), _) => {
            contenders.push(Contender {
                name: "peer",
                program: PathBuf::from(driver),
                args: Vec::new(),
            });
            None
        }
        (None, Some(reason)) => Some(reason.to_owned()),
        (None, None) => Some("not prepared (run through `cargo xtask bench`)".to_owned()),
    };

    eprintln!("agni-bench: generating the canned bodies");
    let canned = canned();
    let sizes = report::BodySizes {
        get_agent: canned.get_agent.len(),
        list_agents: canned.list_agents.len(),
        decode_snake: canned.decode_snake.len(),
        decode_camel: canned.decode_camel.len(),
    };
    let pinning = pin_server();
    let cpu = pinning.as_ref().ok().copied();
    let address = server::spawn(canned).map_err(|e| format!("cannot start the server: {e}"))?;
    let url = format!("http://{address}");

    let mut results = Results::default();
    for round in 0..plan.rounds {
        for scenario in report::SCENARIOS {
            for concurrency in report::CONCURRENCIES {
                let mut order = contenders.clone();
                order.rotate_left(round % contenders.len());
                for contender in &order {
                    eprintln!(
                        "agni-bench: round {}/{}: {} {scenario} at concurrency {concurrency}",
                        round + 1,
                        plan.rounds,
                        contender.name
                    );
                    let mut child_args = vec!["--scenario".to_owned(), scenario.to_owned()];
                    child_args.extend(plan.load_args(concurrency));
                    let outcome = contender.child(cpu, "load", &url, &child_args);
                    results.add(
                        Cell::Load {
                            scenario,
                            concurrency,
                        },
                        contender.name,
                        outcome,
                    );
                }
            }
        }
    }
    for variant in report::VARIANTS {
        for contender in &contenders {
            eprintln!("agni-bench: decode {variant}: {}", contender.name);
            let mut child_args = vec!["--variant".to_owned(), variant.to_owned()];
            child_args.extend(plan.decode_args());
            let outcome = contender.child(cpu, "decode", &url, &child_args);
            results.add(Cell::Decode { variant }, contender.name, outcome);
        }
    }
    Ok(report::render(&report::Report {
        quick,
        rounds: plan.rounds,
        duration: plan.duration,
        decode_items: DECODE_ITEMS,
        sizes,
        results,
        peer_unavailable,
        pinning: pinning.map(|cpu| format!("each child on CPU {cpu}, the server on CPU 0")),
        extra,
    }))
}
