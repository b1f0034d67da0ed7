//! Markdown table cells: a row, the header, numbers as the table spells them, and outcomes that
//! may be missing.

use std::fmt::Write as _;

pub(super) fn row(out: &mut String, cells: &[String]) {
    let _ = writeln!(out, "| {} |", cells.join(" | "));
}

/// 12345.6 → "12,346".
pub(super) fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub(super) fn micros(us: f64) -> String {
    if us >= 10_000.0 {
        format!("{:.1} ms", us / 1e3)
    } else if us >= 1_000.0 {
        format!("{:.2} ms", us / 1e3)
    } else if us >= 100.0 {
        format!("{us:.0} µs")
    } else {
        format!("{us:.1} µs")
    }
}

pub(super) fn size(bytes: usize) -> String {
    if bytes >= 1 << 20 {
        format!("{:.1} MiB", bytes as f64 / f64::from(1 << 20))
    } else if bytes >= 1 << 10 {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    } else {
        format!("{bytes} B")
    }
}

/// KiB as MiB, the number alone.
pub(super) fn mib(kib: f64) -> String {
    format!("{:.1}", kib / 1024.0)
}

/// A table cell for an outcome that may be missing.
pub(super) fn shown<T>(outcome: &Result<T, String>, show: impl Fn(&T) -> String) -> String {
    match outcome {
        Ok(value) => show(value),
        Err(reason) => format!("n/a: {}", reason.replace('|', "\\|")),
    }
}

pub(super) fn header(out: &mut String) {
    row(
        out,
        &[
            "Benchmark",
            "agni",
            "limit",
            "peer",
            "Ratio (range over rounds)",
            "Target",
            "Verdict",
        ]
        .map(str::to_owned),
    );
    row(out, &["---"; 7].map(str::to_owned));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(thousands(1234567.4), "1,234,567");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(micros(42.345), "42.3 µs");
        assert_eq!(micros(420.0), "420 µs");
        assert_eq!(micros(42_000.0), "42.0 ms");
    }
}
