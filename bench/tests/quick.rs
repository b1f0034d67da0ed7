//! `agni-bench run --quick` end to end: the loopback server, both built-in contenders as child
//! processes for every row, and a table with a row for every measurement. (This test also makes
//! `cargo test` build the binary that `cargo xtask bench --quick --dev` runs.)

use std::process::Command;

#[test]
fn quick_run_prints_the_whole_table() {
    let output = Command::new(env!("CARGO_BIN_EXE_agni-bench"))
        .args(["run", "--quick"])
        .output()
        .expect("agni-bench runs");
    let table = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{table}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let rows: Vec<Vec<&str>> = table
        .lines()
        .take_while(|line| line.starts_with('|'))
        .map(|line| line.trim_matches('|').split(" | ").map(str::trim).collect())
        .collect();
    assert_eq!(
        rows[0],
        [
            "Benchmark",
            "agni",
            "limit",
            "peer",
            "Ratio (range over rounds)",
            "Target",
            "Verdict"
        ]
    );
    let labels: Vec<&str> = rows[2..].iter().map(|row| row[0]).collect();
    let expected = [
        "GetAgent (",
        "GetAgent (",
        "ListAgents, 100 agents",
        "ListAgents, 100 agents",
        "CreateCall, POST",
        "CreateCall, POST",
        "Stream 10,000 contacts",
        "Peak memory (VmHWM) streaming 10,000 contacts",
        "Decode 10,000 agents, snake_case",
        "Decode 10,000 agents, camelCase",
        "Instructions per request",
        "Build cost",
    ];
    assert_eq!(labels.len(), expected.len(), "{table}");
    for (label, expected) in labels.iter().zip(expected) {
        assert!(label.starts_with(expected), "{label:?} is not {expected:?}");
    }
    // Every measured row has numbers from both built-in contenders (a failed request would
    // show as "n/a: N errors: ..."), a ratio, and no verdict from --quick's numbers.
    let units = [
        " rps, ", " rps, ", " rps, ", " rps, ", " rps, ", " rps, ", " items/s", " MiB", " ms",
        " ms",
    ];
    for (row, unit) in rows[2..12].iter().zip(units) {
        for cell in &row[1..3] {
            assert!(cell.contains(unit), "{row:?}");
        }
        assert!(row[3].contains("not prepared"), "{row:?}");
        assert!(row[4].contains("× limit"), "{row:?}");
        assert_eq!(row[6], "not judged (--quick)", "{row:?}");
    }
    assert!(table.contains("**--quick**"), "{table}");
}
