//! `agni-bench`: agni's benchmark suite. `cargo xtask bench` builds and drives it and writes
//! the table to `BENCHMARKS.md`.
//!
//! - `agni-bench run [--quick] [--peer-driver PATH | --peer-unavailable REASON] [--extra FILE]`
//!   starts the loopback server, runs every throughput, streaming and decode measurement in
//!   rounds of child processes (itself for agni and the limit, the peer's driver for the peer),
//!   counts instructions per request under callgrind (`callgrind.rs`) and prints the Markdown
//!   table, with the build rows `--extra` (written by xtask) supplies.
//! - `agni-bench instructions` prints the callgrind rows alone.
//! - `agni-bench load|stream|decode --contender agni|limit --url URL ...` is one such child
//!   (see `harness.rs`); it prints one JSON object.

mod callgrind;
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
                 [--rounds N] [--duration-ms MS] [--no-instructions]
  agni-bench instructions [--quick] [--peer-driver PATH | --peer-unavailable REASON]
  agni-bench serve    the server alone, to profile one child by hand: prints its URL and
                      stops when stdin closes
  agni-bench COMMAND --contender agni|limit ...   one child (COMMAND below); prints one JSON
                                                  object

`run` prints one Markdown table on stdout (progress goes to stderr); it counts instructions
under callgrind too when `valgrind` runs (not with --quick or --no-instructions).
`instructions` prints only the callgrind rows, the before/after check of a change to agni's
request path. --quick uses tiny counts and one round: a smoke test whose numbers mean little.

child commands:";

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
        Some("load" | "decode" | "stream") => harness::run_child("agni-bench", contenders::child),
        Some(command @ ("run" | "instructions")) => {
            let table = harness::Args::parse(argv).and_then(|args| match command {
                "run" => run(&args),
                _ => instructions(&args),
            });
            match table {
                Ok(table) => {
                    print!("{table}");
                    ExitCode::SUCCESS
                }
                Err(error) => {
                    eprintln!("agni-bench: {error}");
                    ExitCode::FAILURE
                }
            }
        }
        Some("serve") => match serve() {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("agni-bench: {error}");
                ExitCode::FAILURE
            }
        },
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}\n{}", harness::CHILD_USAGE);
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}\n{}", harness::CHILD_USAGE);
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

/// `--name value` arguments of a child.
fn flags<const N: usize>(pairs: [(&str, String); N]) -> Vec<String> {
    pairs
        .into_iter()
        .flat_map(|(k, v)| [format!("--{k}"), v])
        .collect()
}

impl Plan {
    fn from_args(args: &harness::Args) -> Result<Plan, String> {
        let quick = args.opt("quick").is_some();
        Ok(Plan {
            quick,
            rounds: match args.opt("rounds") {
                Some(_) => args.num::<usize>("rounds")?.max(1),
                None if quick => 1,
                None => 7,
            },
            duration: Duration::from_millis(match args.opt("duration-ms") {
                Some(_) => args.num("duration-ms")?,
                None if quick => 1_000,
                None => 1_500,
            }),
        })
    }

    fn load_args(&self, scenario: &str, concurrency: usize) -> Vec<String> {
        let (warmup, max_requests) = if self.quick {
            (concurrency as u64, 50 + 2 * concurrency as u64)
        } else {
            ((10 * concurrency as u64).max(200), u64::MAX)
        };
        flags([
            ("scenario", scenario.to_owned()),
            ("concurrency", concurrency.to_string()),
            ("warmup", warmup.to_string()),
            ("max-requests", max_requests.to_string()),
            ("duration-ms", self.duration.as_millis().to_string()),
        ])
    }

    /// One round's decode child: a median of a few runs (the rounds give the spread).
    fn decode_args(&self, variant: &str) -> Vec<String> {
        let (warmup, min_runs, budget_ms, max_runs) = if self.quick {
            (0, 2, 0, 2)
        } else {
            (2, 5, 500, 40)
        };
        flags([
            ("variant", variant.to_owned()),
            ("items", DECODE_ITEMS.to_string()),
            ("warmup", warmup.to_string()),
            ("min-runs", min_runs.to_string()),
            ("budget-ms", budget_ms.to_string()),
            ("max-runs", max_runs.to_string()),
        ])
    }

    /// The two contact lists streamed: the small one only to show memory stays flat.
    fn stream_items(&self) -> [u64; 2] {
        if self.quick {
            [1_000, 10_000]
        } else {
            [10_000, 100_000]
        }
    }

    fn stream_args(items: u64) -> Vec<String> {
        flags([
            ("items", items.to_string()),
            ("page-size", STREAM_PAGE_SIZE.to_string()),
        ])
    }
}

/// `limit` of the streamed contact pages.
const STREAM_PAGE_SIZE: u32 = 100;

/// A contender process: the program and the arguments that name the contender.
#[derive(Debug, Clone)]
pub struct Contender {
    name: &'static str,
    program: PathBuf,
    args: Vec<String>,
}

impl Contender {
    /// Runs one child command through `launcher` (`taskset -c 1`, `valgrind ...`; nothing if
    /// empty) and returns its JSON, or why there is none.
    fn child(
        &self,
        launcher: &[String],
        command: &str,
        url: &str,
        args: &[String],
    ) -> Result<Value, String> {
        let mut process = match launcher.split_first() {
            Some((program, rest)) => {
                let mut process = Command::new(program);
                process.args(rest).arg(&self.program);
                process
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

/// agni and the limit (this program), and the peer's driver when `--peer-driver` names it;
/// otherwise why the peer is missing.
fn contenders(args: &harness::Args) -> Result<(Vec<Contender>, Option<String>), String> {
    let this = std::env::current_exe().map_err(|e| format!("cannot find myself: {e}"))?;
    let mut contenders = ["agni", "limit"]
        .map(|name| Contender {
            name,
            program: this.clone(),
            args: vec!["--contender".into(), name.into()],
        })
        .to_vec();
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
    Ok((contenders, peer_unavailable))
}

/// Pins this process (so the server's thread) to CPU 0 and returns the launcher that puts
/// each child on CPU 1, so client and server each have a core of their own and the scheduler
/// does not move them around; `Err` says why not (one CPU, no `taskset`).
fn pin_server() -> Result<Vec<String>, String> {
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
        Ok(["taskset", "-c", "1"].map(str::to_owned).to_vec())
    } else {
        Err(format!("taskset failed ({pinned})"))
    }
}

/// The canned bodies, the same bytes for every contender, with `contacts` contacts.
fn canned(contacts: u64) -> server::Canned {
    server::Canned {
        get_agent: Bytes::from(plain::snake::get_agent_body()),
        list_agents: Bytes::from(plain::snake::list_agents_body(harness::LIST_ITEMS)),
        create_call: Bytes::from(plain::calls::create_call_answer_body()),
        decode_snake: Bytes::from(plain::snake::list_agents_body(DECODE_ITEMS)),
        decode_camel: Bytes::from(plain::camel::list_agents_body(DECODE_ITEMS)),
        contacts: (0..contacts as usize)
            .map(|i| Bytes::from(plain::calls::contact_json(i)))
            .collect(),
    }
}

/// Starts the server with `canned`; returns its URL.
fn start_server(canned: server::Canned) -> Result<String, String> {
    let address = server::spawn(canned).map_err(|e| format!("cannot start the server: {e}"))?;
    Ok(format!("http://{address}"))
}

fn serve() -> Result<(), String> {
    let url = start_server(canned(100_000))?;
    println!("{url}");
    let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
    Ok(())
}

/// `agni-bench instructions`: the callgrind rows alone.
fn instructions(args: &harness::Args) -> Result<String, String> {
    let (contenders, peer_unavailable) = contenders(args)?;
    let url = start_server(canned(0))?;
    let counts = callgrind::measure(&contenders, &url, args.opt("quick").is_some())?;
    Ok(report::render_instructions(&Ok(counts), peer_unavailable))
}

fn run(args: &harness::Args) -> Result<String, String> {
    let plan = Plan::from_args(args)?;
    let extra = match args.opt("extra") {
        Some(path) => Extra::read(Path::new(path))?,
        None => Extra::default(),
    };
    let (contenders, peer_unavailable) = contenders(args)?;

    eprintln!("agni-bench: generating the canned bodies");
    let stream_items = plan.stream_items();
    let canned = canned(stream_items[1]);
    let sizes = report::BodySizes {
        get_agent: canned.get_agent.len(),
        list_agents: canned.list_agents.len(),
        create_call: canned.create_call.len(),
        decode_snake: canned.decode_snake.len(),
        decode_camel: canned.decode_camel.len(),
    };
    let pinning = pin_server();
    let launcher = pinning.clone().unwrap_or_default();
    let url = start_server(canned)?;

    let mut results = Results::default();
    for round in 0..plan.rounds {
        // Every cell runs each contender back to back, the order rotated each round, so the
        // round's ratios compare runs that saw the same machine.
        let mut order = contenders.clone();
        order.rotate_left(round % contenders.len());
        let progress = |what: &str, contender: &Contender| {
            eprintln!(
                "agni-bench: round {}/{}: {} {what}",
                round + 1,
                plan.rounds,
                contender.name
            );
        };
        for scenario in report::SCENARIOS {
            for concurrency in report::CONCURRENCIES {
                for contender in &order {
                    progress(
                        &format!("{scenario} at concurrency {concurrency}"),
                        contender,
                    );
                    let args = plan.load_args(scenario, concurrency);
                    let outcome = contender.child(&launcher, "load", &url, &args);
                    let cell = Cell::Load {
                        scenario,
                        concurrency,
                    };
                    results.add(cell, contender.name, outcome);
                }
            }
        }
        for items in stream_items {
            for contender in &order {
                progress(&format!("stream {items} contacts"), contender);
                let list = harness::contacts_base_url(&url, items);
                let outcome =
                    contender.child(&launcher, "stream", &list, &Plan::stream_args(items));
                results.add(Cell::Stream { items }, contender.name, outcome);
            }
        }
        for variant in report::VARIANTS {
            for contender in &order {
                progress(&format!("decode {variant}"), contender);
                let outcome =
                    contender.child(&launcher, "decode", &url, &plan.decode_args(variant));
                results.add(Cell::Decode { variant }, contender.name, outcome);
            }
        }
    }
    let instructions = if plan.quick {
        Err("skipped (--quick)".to_owned())
    } else if args.opt("no-instructions").is_some() {
        Err("skipped (--no-instructions)".to_owned())
    } else {
        callgrind::measure(&contenders, &url, false)
    };
    Ok(report::render(&report::Report {
        quick: plan.quick,
        rounds: plan.rounds,
        duration: plan.duration,
        decode_items: DECODE_ITEMS,
        stream_items,
        page_size: STREAM_PAGE_SIZE,
        sizes,
        results,
        peer_unavailable,
        pinning: pinning.map(|_| "each child on CPU 1, the server on CPU 0".to_owned()),
        instructions,
        extra,
    }))
}
