//! XML throughput, one thread: parse only (the shared `XmlDocument`), and parse + map + validate (the
//! Cargo-XML and WCO DM readers with the completeness check on every consignment), over the real samples copied
//! under `test_data/{cargo_xml,wco_dm,ens}/ok`, repeated in memory for a stable figure.
//!
//! Run with `cargo bench -p aduana-formats --bench xml`. Figures are per CPU-second of the benchmark thread (and,
//! for reference, per second of wall-clock time).

use std::path::Path;
use std::time::{Duration, Instant};

use aduana_core::{Consignment, Diagnostic, completeness};
use aduana_formats::xml::XmlDocument;
use aduana_formats::{Format, Limits, Sink, read};

/// Counts what the readers deliver and runs the completeness check, as `aduana validate` does.
struct Validating {
    consignments: u64,
    findings: u64,
}

impl Sink for Validating {
    fn consignment(&mut self, consignment: Consignment) {
        self.findings += completeness::check(&consignment).len() as u64;
        self.consignments += 1;
    }
    fn diagnostic(&mut self, _diagnostic: Diagnostic) {
        self.findings += 1;
    }
}

fn samples(dir: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data").join(dir).join("ok");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("reading the sample directory")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .collect();
    paths.sort();
    paths.iter().map(|p| std::fs::read(p).expect("reading a sample")).collect()
}

/// Runs `pass` over the corpus until at least `budget` has elapsed; returns MB/s (10^6 bytes per second) per
/// CPU-second of this thread, MB/s of wall-clock time, and the rounds run. On a shared machine the wall-clock
/// figure depends on the other processes; the CPU-time one is what "per core" means.
fn measure(corpus: &[Vec<u8>], budget: Duration, mut pass: impl FnMut(&[u8])) -> (f64, f64, u64) {
    let bytes_per_round: usize = corpus.iter().map(Vec::len).sum();
    for sample in corpus {
        pass(sample); // warm-up
    }
    let (start, cpu_start) = (Instant::now(), thread_cpu_seconds());
    let mut rounds = 0u64;
    while start.elapsed() < budget {
        for sample in corpus {
            pass(sample);
        }
        rounds += 1;
    }
    let (wall, cpu) = (start.elapsed().as_secs_f64(), thread_cpu_seconds() - cpu_start);
    let megabytes = bytes_per_round as f64 * rounds as f64 / 1e6;
    (megabytes / cpu, megabytes / wall, rounds)
}

/// Returns the CPU time this thread has run, from `/proc/thread-self/schedstat` (nanoseconds); NaN where that is
/// not available, so that the CPU-time figure reads NaN rather than a wrong number.
fn thread_cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|n| n.parse::<f64>().ok()))
        .map_or(f64::NAN, |ns| ns / 1e9)
}

#[allow(clippy::print_stdout, reason = "a benchmark prints its figures")]
fn main() {
    let limits = Limits { max_document_bytes: 64 << 20, max_depth: 64, max_items: 10_000, max_diagnostics: 1_000 };
    // `XML_BENCH_SECONDS` sets the time per measurement, `XML_BENCH_ONLY` (`cargo-xml`, `wco-dm`, `ens`) picks one
    // corpus, for profiling.
    let seconds = std::env::var("XML_BENCH_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(3.0);
    let budget = Duration::from_secs_f64(seconds);
    let only = std::env::var("XML_BENCH_ONLY").ok();
    let corpora = [
        ("cargo-xml", "cargo_xml", Format::CargoXml),
        ("wco-dm", "wco_dm", Format::WcoDm),
        ("ens", "ens", Format::EnsXml),
    ];
    for (name, dir, format) in corpora {
        if only.as_deref().is_some_and(|only| only != name) {
            continue;
        }
        let corpus = samples(dir);
        let total: usize = corpus.iter().map(Vec::len).sum();
        let (parse, wall, rounds) = measure(&corpus, budget, |bytes| {
            let doc = XmlDocument::parse(bytes, "bench.xml", &limits).expect("the samples are well-formed");
            std::hint::black_box(doc);
        });
        println!(
            "{name}: parse only (XmlDocument)  {parse:7.1} MB/s per CPU-second, {wall:7.1} MB/s wall  ({} files, {total} bytes, {rounds} rounds)",
            corpus.len()
        );
        let (full, wall, rounds) = measure(&corpus, budget, |mut bytes| {
            let mut sink = Validating { consignments: 0, findings: 0 };
            read(format, &mut bytes, "bench.xml", &limits, &mut sink).expect("reading from memory");
            assert_eq!(sink.consignments, 1, "every ok sample gives one consignment");
            std::hint::black_box(sink.findings);
        });
        println!(
            "{name}: parse + map + validate    {full:7.1} MB/s per CPU-second, {wall:7.1} MB/s wall  ({rounds} rounds)"
        );
    }
}
