//! `agni-bench run --quick` end to end: the loopback server, both built-in contenders as child
//! processes, and a table with a row for every measurement. (This test also makes
//! `cargo test` build the binaries that `cargo xtask bench --quick --dev` runs.)

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
            "Ratio",
            "Target",
            "Verdict"
        ]
    );
    let labels: Vec<&str> = rows[2..].iter().map(|row| row[0]).collect();
    for (label, expected) in labels.iter().zip([
        "GetAgent (",
        "GetAgent (",
        "ListAgents, 100 agents",
        "ListAgents, 100 agents",
        "Decode 10,000 agents, snake_case",
        "Decode 10,000 agents, camelCase",
        "Peak memory",
        "Build cost",
    ]) {
        assert!(label.starts_with(expected), "{label:?} is not {expected:?}");
    }
    for row in &rows[2..6] {
        for cell in &row[1..3] {
            assert!(cell.contains(" rps, "), "{row:?}");
        }
        assert!(row[3].contains("not prepared"), "{row:?}");
        assert!(row[4].contains("× limit"), "{row:?}");
    }
    for row in &rows[6..8] {
        for cell in &row[1..3] {
            assert!(cell.ends_with(" ms"), "{row:?}");
        }
    }
    assert!(table.contains("**--quick**"), "{table}");
}
