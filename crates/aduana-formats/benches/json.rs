//! Throughput of the canonical JSON Lines reader, parse only and parse + completeness check, single thread.
//! Run: `cargo bench -p aduana-formats --bench json`. Builds ~100 MB of JSON Lines in memory from
//! `examples/consignment.json` with a distinct reference per line.

// A benchmark reports its figures on standard output.
#![allow(clippy::print_stdout)]

use std::time::Instant;

use aduana_core::{Consignment, Diagnostic, completeness};
use aduana_formats::{Format, Limits, Sink, read};

struct Count {
    consignments: u64,
    findings: u64,
    check: bool,
}

impl Sink for Count {
    fn consignment(&mut self, consignment: Consignment) {
        self.consignments += 1;
        if self.check {
            self.findings += completeness::check(&consignment).len() as u64;
        }
    }
    fn diagnostic(&mut self, _: Diagnostic) {}
}

fn main() {
    let example = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/consignment.json"))
        .expect("examples/consignment.json");
    let value: serde_json::Value = serde_json::from_str(&example).expect("valid example");
    let line = serde_json::to_string(&value).expect("serialises");
    let target = 100 << 20;
    let mut input = String::with_capacity(target + line.len() * 2);
    let mut n = 0u64;
    while input.len() < target {
        input.push_str(&line.replacen("MAEU240918734", &format!("MAEU{n:09}"), 1));
        input.push('\n');
        n += 1;
    }
    let limits = Limits { max_document_bytes: 1 << 20, max_depth: 64, max_items: 10_000, max_diagnostics: 1_000 };
    println!("input: {} lines, {:.1} MB, {} bytes per line", n, input.len() as f64 / 1e6, line.len());
    for (label, check) in [("parse only", false), ("parse + completeness check", true)] {
        let (mut best_wall, mut best_cpu) = (f64::MAX, f64::MAX);
        for _ in 0..5 {
            let mut sink = Count { consignments: 0, findings: 0, check };
            let (start, cpu_start) = (Instant::now(), thread_cpu_seconds());
            read(Format::JsonLines, &mut input.as_bytes(), "bench.jsonl", &limits, &mut sink).expect("in memory");
            best_wall = best_wall.min(start.elapsed().as_secs_f64());
            best_cpu = best_cpu.min(thread_cpu_seconds() - cpu_start);
            assert_eq!(sink.consignments, n);
        }
        let mb = input.len() as f64 / 1e6;
        println!(
            "jsonl {label}: {:.0} MB/s per core of CPU time ({:.0} consignments/s); {:.0} MB/s wall clock (best of 5)",
            mb / best_cpu,
            n as f64 / best_cpu,
            mb / best_wall,
        );
    }
}

/// Returns the CPU time this thread has run, from `/proc/thread-self/schedstat` (nanoseconds), so that the figure
/// is per core even when other processes compete for the machine; falls back to 0 where unavailable.
fn thread_cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|n| n.parse::<f64>().ok()))
        .map_or(0.0, |ns| ns / 1e9)
}
