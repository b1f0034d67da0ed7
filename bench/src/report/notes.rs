//! The method notes under the table: how each kind of row was measured, how a verdict is
//! reached and with what confidence, and what `--quick` numbers are worth.

use super::{Instructions, Report, build_cost::CrateBuild, table::thousands};

pub(super) fn instructions_note(instructions: &Result<Instructions, String>) -> String {
    match instructions {
        Ok(counts) => format!(
            "**Instructions**: each contender's `load` child at concurrency 1 under \
             `valgrind --tool=callgrind`, twice, with the same warm-up and {} more timed \
             requests the second time; the difference of the two totals divided by {} is the \
             client's instructions per request (process start, warm-up and connection set-up \
             cancel). The server runs outside valgrind. `cargo xtask bench --instructions` \
             measures only these, in a few minutes.",
            thousands(counts.requests as f64),
            thousands(counts.requests as f64)
        ),
        Err(reason) => format!("**Instructions**: not measured ({reason})."),
    }
}

/// The method notes under the table.
pub(super) fn notes(report: &Report) -> Vec<String> {
    let rounds = report.rounds;
    let mut notes = vec![
        format!(
            "**Throughput**: every cell is a child process with a single-threaded tokio runtime \
             against a hyper HTTP/1.1 server on its own thread in the parent ({}); {} of {} s per \
             cell, contender order rotated each round, after an untimed warm-up of {} requests. \
             Cells show the median rps over rounds with its min–max range, and the median p50 \
             and p99. The bodies are the spec's snake_case shapes with numbers as JSON numbers, \
             the same bytes for all three; CreateCall's request body is checked byte for byte by \
             the server (any other bytes get a 400, which fails the row). Every child runs \
             with `GLIBC_TUNABLES={}`, so that glibc's heap trimming (which a client's allocation \
             pattern trips or not by luck, and which cost the limit a third of its ListAgents \
             throughput at concurrency 1) favours none.",
            match &report.pinning {
                Ok(placement) => format!("pinned with `taskset`: {placement}"),
                Err(reason) => format!("not pinned: {reason}"),
            },
            plural(rounds, "round"),
            report.duration.as_secs_f64(),
            if report.quick {
                "`concurrency`"
            } else {
                "max(200, 10 × concurrency)"
            },
            crate::GLIBC_TUNABLES,
        ),
        format!(
            "**Verdicts**: each round runs every contender back to back, so each round gives one \
             paired ratio agni / other; the Ratio column shows their median and min–max. With n \
             rounds, the min–max of n paired ratios contains their true median with probability \
             1 − 2^(1−n) (an order-statistic interval, as in the sign test: no distribution \
             assumed; {:.1}% for these {} rounds), and pairing within a round cancels the slow \
             drift a shared machine adds. A target is **met** when the whole range clears it, \
             **missed** when the whole range falls short (the verdict then says by how much the \
             median falls short, and for throughput roughly how much client CPU time per \
             request that is), and **inconclusive** when the range straddles it; beside an \
             inconclusive GetAgent or CreateCall verdict stand the callgrind instruction counts, \
             which noise does not move.",
            coverage(rounds),
            rounds
        ),
        "**Contenders**: *agni* is `agni::Client` with its default options (hooks, 2 retries, 60 s \
         attempt timeout, 16 MiB cap, lenient types; its POST retry rule never resends a request \
         that may have reached the server, which a healthy server never tests); *the limit* is a \
         `reqwest::Client` with the same builder settings, `send`, `bytes`, one UTF-8 check and \
         `serde_json::from_str` into plain serde structs (a tenth faster on lists than \
         `from_slice`, which checks every string; timestamps left as strings), no per-request \
         timeout; *the peer* is openapi-generator's `rust` client (`library=reqwest`, \
         `supportAsync`) given the same `reqwest::Client`. All three send `X-Api-Key`. For \
         CreateCall, agni and the peer take the request by value, so each call gets a clone of \
         a prepared one (a user builds one per call); the limit serializes borrowed values."
            .to_owned(),
        format!(
            "**Streaming**: each round, each contender streams a list of {} and of {} contacts \
             (limit/offset pages of {} with `meta.total`, about 300 bytes a contact) in a child \
             of its own: agni with `list_contacts().stream_pages_of({})`, the limit and the peer \
             with the same hand-written loop over a plain reqwest call and over the peer's \
             generated `list_contacts`. items/s is the whole stream's; peak memory is the \
             child's `VmHWM` at the end, the whole process (runtime and client included).",
            thousands(report.stream_items[0] as f64),
            thousands(report.stream_items[1] as f64),
            report.page_size,
            report.page_size
        ),
        format!(
            "**Decode**: `std::str::from_utf8` + `serde_json::from_str` of the {}-agent list (how \
             all three read answers); each round a child times {} and reports the median; \
             agni decodes both spellings with its generated `types::ListAgentsResponse`, the \
             limit with plain structs (`rename_all = \"camelCase\"` for camelCase), the peer with \
             its own models. A decoder that reads the body but loses `agent_name`/`created_at` is \
             reported n/a rather than fast.",
            thousands(report.decode_items as f64),
            if report.quick {
                "2 runs without warm-up"
            } else {
                "5-40 runs (0.5 s budget) after 2 warm-up runs"
            },
        ),
        instructions_note(&report.instructions),
    ];
    if let Some(build) = &report.extra.build {
        let rounds = build
            .crates
            .values()
            .find_map(|c| match c {
                CrateBuild::Built { clean_s, .. } => Some(clean_s.len()),
                CrateBuild::Unavailable { .. } => None,
            })
            .unwrap_or(0);
        notes.push(format!(
            "**Build cost**: three minimal user crates, each a `main.rs` making one GetAgent call \
             on a tokio runtime, generated under `<target dir>/bench/build-cost/`: agni by path \
             with default features; the generated peer with `rustls`; plain reqwest with agni's \
             features (`rustls`, `http2`, `json`, `query`, `stream`) + serde + serde_json. Each \
             is built from an empty target directory of its own (dev profile, `--offline`, the \
             registry already downloaded) {}, contender order rotated, so its range covers the \
             median ratio with probability {:.1}%. Units are what cargo compiled or ran \
             (libraries, proc macros, build scripts and their runs, the binary), counted from its \
             JSON messages. After each of agni's clean builds, `touch {}` and build again: the \
             rebuild row.",
            plural(rounds, "time"),
            coverage(rounds),
            build.incremental.touched
        ));
    }
    if report.quick {
        notes.insert(
            0,
            "**--quick**: tiny request counts and one round, to check that the suite works; \
             these numbers are not measurements."
                .to_owned(),
        );
    }
    notes.extend(report.extra.notes.iter().cloned());
    notes
}

/// In percent, the probability that the min–max of `n` paired ratios contains their median.
fn coverage(n: usize) -> f64 {
    (1.0 - 0.5f64.powi(n.saturating_sub(1) as i32)) * 100.0
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
