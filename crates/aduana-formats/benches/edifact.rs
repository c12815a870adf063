//! Throughput of the EDIFACT reader on a large synthetic interchange: the CBP ACE CUSCAR sample message repeated
//! with changed control references and bill numbers. Measures the syntax layer alone (lexing, envelopes, counts)
//! and the whole path (syntax + CUSCAR mapping + completeness check), single-threaded.
//!
//! Run with `cargo bench -p aduana-formats --bench edifact`; `EDIFACT_BENCH_MB` sets the size (default 128),
//! `EDIFACT_BENCH_PARSE_ONLY=1` skips the whole-path measurement, `EDIFACT_BENCH_FULL_ONLY=1` the syntax-only one
//! (for profiling one path at a time). `EDIFACT_BENCH_STREAM_MB=1024` instead streams a generated interchange of
//! that size through the whole path without holding it and reports the peak resident memory.

#![allow(clippy::print_stdout, clippy::unwrap_used)] // a benchmark reports on stdout and may fail loudly

use std::time::{Duration, Instant};

use aduana_core::{Consignment, Diagnostic, completeness};
use aduana_formats::{Format, Limits, Sink};

const SAMPLE: &[u8] = include_bytes!("../test_data/edifact/ok/cbp_ace_cuscar_truck_manifest.edi");

fn interchange(target_bytes: usize) -> (Vec<u8>, usize) {
    let start = SAMPLE.windows(4).position(|w| w == b"UNH+").unwrap();
    let end = SAMPLE.windows(4).position(|w| w == b"UNE+").unwrap();
    let message = std::str::from_utf8(&SAMPLE[start..end]).unwrap();
    let mut out = b"UNB+UNOA:4+LOCK:ZZ+CBP-ACE-TEST:ZZ+20041016:1604+54++ACE'\r\n".to_vec();
    let mut count = 0;
    while out.len() < target_bytes {
        count += 1;
        let text = message
            .replace("UNH+CUSCAR54+", &format!("UNH+M{count}+"))
            .replace("+CUSCAR54'", &format!("+M{count}'"))
            .replace("KH041122106", &format!("KH{count:09}"));
        out.extend_from_slice(text.as_bytes());
    }
    out.extend_from_slice(format!("UNZ+{count}+54'\r\n").as_bytes());
    (out, count)
}

#[derive(Default)]
struct Counting {
    consignments: u64,
    findings: u64,
    errors: u64,
}

impl Sink for Counting {
    fn consignment(&mut self, consignment: Consignment) {
        self.findings += completeness::check(&consignment).len() as u64;
        self.consignments += 1;
    }
    fn diagnostic(&mut self, diagnostic: Diagnostic) {
        if diagnostic.is_error() {
            self.errors += 1;
        }
    }
}

/// Returns the CPU time this thread has run, from `/proc/thread-self/schedstat` (nanoseconds), where there is one:
/// on a shared machine wall time overstates the cost, CPU time is what one core spends.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanoseconds: f64 = stat.split_whitespace().next()?.parse().ok()?;
    Some(nanoseconds / 1e9)
}

/// Runs `f` several times; returns the best wall time and the best CPU time.
fn best_of(runs: u32, mut f: impl FnMut()) -> (Duration, Option<f64>) {
    let mut wall = Duration::MAX;
    let mut cpu: Option<f64> = None;
    for _ in 0..runs {
        let cpu_before = cpu_seconds();
        let started = Instant::now();
        f();
        wall = wall.min(started.elapsed());
        if let (Some(before), Some(after)) = (cpu_before, cpu_seconds()) {
            let used = after - before;
            cpu = Some(cpu.map_or(used, |c: f64| c.min(used)));
        }
    }
    (wall, cpu)
}

fn report(what: &str, mb: f64, (wall, cpu): (Duration, Option<f64>)) {
    let wall = wall.as_secs_f64();
    match cpu {
        Some(cpu) if cpu > 0.0 => {
            println!(
                "{what}: {:.0} MiB/s wall ({wall:.3} s), {:.0} MiB/s per CPU-second ({cpu:.2} s CPU)",
                mb / wall,
                mb / cpu
            )
        }
        _ => println!("{what}: {:.0} MiB/s wall ({wall:.3} s)", mb / wall),
    }
}

/// An interchange generated message by message as it is read, so that a stream of any size can be fed to the
/// reader without holding it: the peak memory of a run over it is the reader's own.
struct Generated {
    message: String,
    target: usize,
    produced: usize,
    count: usize,
    chunk: Vec<u8>,
    at: usize,
    done: bool,
}

impl Generated {
    fn new(target: usize) -> Generated {
        let start = SAMPLE.windows(4).position(|w| w == b"UNH+").unwrap();
        let end = SAMPLE.windows(4).position(|w| w == b"UNE+").unwrap();
        let message = std::str::from_utf8(&SAMPLE[start..end]).unwrap().to_owned();
        let chunk = b"UNB+UNOA:4+LOCK:ZZ+CBP-ACE-TEST:ZZ+20041016:1604+54++ACE'\r\n".to_vec();
        Generated { message, target, produced: chunk.len(), count: 0, chunk, at: 0, done: false }
    }
}

impl std::io::Read for Generated {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let available = std::io::BufRead::fill_buf(self)?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        std::io::BufRead::consume(self, n);
        Ok(n)
    }
}

impl std::io::BufRead for Generated {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        if self.at == self.chunk.len() && !self.done {
            self.chunk.clear();
            self.at = 0;
            if self.produced < self.target {
                self.count += 1;
                let count = self.count;
                let text = self
                    .message
                    .replace("UNH+CUSCAR54+", &format!("UNH+M{count}+"))
                    .replace("+CUSCAR54'", &format!("+M{count}'"))
                    .replace("KH041122106", &format!("KH{count:09}"));
                self.chunk.extend_from_slice(text.as_bytes());
            } else {
                self.chunk.extend_from_slice(format!("UNZ+{}+54'\r\n", self.count).as_bytes());
                self.done = true;
            }
            self.produced += self.chunk.len();
        }
        Ok(&self.chunk[self.at..])
    }

    fn consume(&mut self, amount: usize) {
        self.at += amount;
    }
}

/// Returns the peak resident memory of this process in KiB (`VmHWM` in `/proc/self/status`), where there is one.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Streams a generated interchange of `megabytes` MiB through the whole path once and reports throughput and the
/// process's peak memory, which must not grow with the input.
fn stream(megabytes: usize, limits: &Limits) {
    let mut input = Generated::new(megabytes << 20);
    let mut sink = Counting::default();
    let (wall, cpu) = best_of(1, || {
        aduana_formats::read(Format::Edifact, &mut input, "bench.edi", limits, &mut sink).unwrap();
    });
    assert_eq!(sink.consignments, input.count as u64);
    assert_eq!(sink.errors, 0);
    let mb = input.produced as f64 / (1 << 20) as f64;
    println!("streamed: {mb:.1} MiB, {} CUSCAR messages, never held in memory", input.count);
    report("parse + map + completeness::check, streamed", mb, (wall, cpu));
    match peak_rss_kib() {
        Some(kib) => println!("peak resident memory of the process: {:.1} MiB", kib as f64 / 1024.0),
        None => println!("peak resident memory: not available here"),
    }
}

fn main() {
    if let Some(megabytes) = std::env::var("EDIFACT_BENCH_STREAM_MB").ok().and_then(|v| v.parse().ok()) {
        let limits =
            Limits { max_document_bytes: 1 << 20, max_depth: 64, max_items: 10_000, max_diagnostics: 1_000_000 };
        stream(megabytes, &limits);
        return;
    }
    let megabytes: usize = std::env::var("EDIFACT_BENCH_MB").ok().and_then(|v| v.parse().ok()).unwrap_or(128);
    let (input, messages) = interchange(megabytes << 20);
    let mb = input.len() as f64 / (1 << 20) as f64;
    let limits = Limits { max_document_bytes: 1 << 20, max_depth: 64, max_items: 10_000, max_diagnostics: 1_000_000 };
    println!("input: {mb:.1} MiB, {messages} CUSCAR messages");

    if std::env::var_os("EDIFACT_BENCH_FULL_ONLY").is_none() {
        let syntax = best_of(3, || {
            let mut sink = Counting::default();
            let summary =
                aduana_formats::edifact::check_syntax(&mut &input[..], "bench.edi", &limits, &mut sink).unwrap();
            assert_eq!(summary.messages, messages as u64);
            assert_eq!(sink.errors, 0);
        });
        report("parse only (syntax layer)", mb, syntax);
    }

    if std::env::var_os("EDIFACT_BENCH_PARSE_ONLY").is_some() {
        return;
    }
    let full = best_of(3, || {
        let mut sink = Counting::default();
        aduana_formats::read(Format::Edifact, &mut &input[..], "bench.edi", &limits, &mut sink).unwrap();
        assert_eq!(sink.consignments, messages as u64);
        assert_eq!(sink.errors, 0);
    });
    report("parse + map + completeness::check", mb, full);
}
