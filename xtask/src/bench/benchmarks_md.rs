//! `BENCHMARKS.md`: the table with how to reproduce it, what that takes, and the machine it
//! ran on.

use std::{fmt::Write as _, fs, process::Command, time::Duration};

use super::{Options, build_cost::BUILD_ROUNDS, output};

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

pub(super) fn benchmarks_md(table: &str, elapsed: Duration, options: Options) -> String {
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
