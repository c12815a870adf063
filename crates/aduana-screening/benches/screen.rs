//! Screening speed: per-query latency (p50, p99) against the UN list (3,700 names) and against a generated list of
//! one million names, with the time to build each index and the process's peak memory. Plain `Instant` timing, no
//! harness. Set `SCREEN_BENCH_DUMP=DIR` to write the generated list and the queries for `scripts/screen_rapidfuzz.py`.
//!
//! Run: `cargo bench -p aduana-screening --bench screen`

#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::path::Path;
use std::time::Instant;

use aduana_screening::{
    Alias, AliasQuality, BirthDate, Entry, EntryKind, ListFormat, NameRules, Query, ScreeningConfig, ScreeningIndex,
    WatchList, parse_list, screen,
};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

fn test_data(relative: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data").join(relative)).unwrap()
}

fn queries_from(relative: &str) -> Vec<Query> {
    let bytes = test_data(relative);
    csv::Reader::from_reader(bytes.as_slice())
        .records()
        .map(|r| {
            let r = r.unwrap();
            Query { name: r[0].to_owned(), date_of_birth: BirthDate::parse(&r[5]), nationality: Some(r[7].to_owned()) }
        })
        .collect()
}

fn time_queries(label: &str, queries: &[Query], index: &ScreeningIndex) {
    let config = ScreeningConfig::recommended();
    // Warm up.
    for q in queries.iter().take(50) {
        std::hint::black_box(screen(q, index, &config));
    }
    let cpu_before = thread_cpu_ns();
    let mut times: Vec<f64> = queries
        .iter()
        .map(|q| {
            let start = Instant::now();
            std::hint::black_box(screen(q, index, &config));
            start.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    let cpu_ms = (thread_cpu_ns() - cpu_before) as f64 / 1e6 / queries.len() as f64;
    times.sort_by(f64::total_cmp);
    let pct = |p: f64| times[((times.len() as f64 - 1.0) * p).round() as usize];
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    println!(
        "{label}: {} queries, p50 {:.4} ms, p99 {:.4} ms, max {:.4} ms, mean {:.4} ms (on-CPU mean {cpu_ms:.4} ms)",
        times.len(),
        pct(0.5),
        pct(0.99),
        times.last().unwrap(),
        mean
    );
}

/// Returns the time this thread has spent on a CPU (from `/proc/thread-self/schedstat`), which, unlike wall time,
/// does not grow when other processes share the cores.
fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn main() {
    let dump = std::env::var_os("SCREEN_BENCH_DUMP");
    let mut queries = queries_from("yente/positives_un_untreated.csv");
    queries.extend(queries_from("yente/negatives_us.csv"));
    queries.extend(queries_from("yente/positives_us_congress_untreated.csv"));

    let start = Instant::now();
    let un = parse_list(&test_data("../../../data/watch-lists/un-sc-consolidated-2018.xml"), "UN").unwrap();
    let parsed = start.elapsed();
    let start = Instant::now();
    let index = ScreeningIndex::build(std::slice::from_ref(&un), NameRules::builtin());
    println!(
        "UN list: {} entries, {} names; parse {:.0} ms, index {:.0} ms",
        index.entry_count(),
        index.name_count(),
        parsed.as_secs_f64() * 1000.0,
        start.elapsed().as_secs_f64() * 1000.0
    );
    time_queries("UN list", &queries, &index);
    if std::env::var_os("SCREEN_BENCH_PROFILE").is_some() {
        for _ in 0..20 {
            time_queries("UN list (again)", &queries, &index);
        }
    }
    drop(index);
    if std::env::var_os("SCREEN_BENCH_UN_ONLY").is_some() {
        return;
    }

    // A million names: given names and surnames drawn (seeded) from the fixtures' vocabulary.
    let mut rng = StdRng::seed_from_u64(1_000_000);
    let mut given = Vec::new();
    let mut family = Vec::new();
    for q in &queries {
        let words: Vec<&str> = q.name.split_whitespace().collect();
        if let [first, .., last] = words.as_slice() {
            given.push((*first).to_owned());
            family.push((*last).to_owned());
        }
    }
    for entry in &un.entries {
        let words: Vec<&str> = entry.names[0].name.split_whitespace().collect();
        if let [first, .., last] = words.as_slice() {
            given.push((*first).to_owned());
            family.push((*last).to_owned());
        }
    }
    given.sort();
    given.dedup();
    family.sort();
    family.dedup();
    let entries: Vec<Entry> = (0..1_000_000)
        .map(|i| {
            let mut name = given.choose(&mut rng).unwrap().clone();
            if rng.gen_bool(0.4) {
                name.push(' ');
                name.push_str(given.choose(&mut rng).unwrap());
            }
            name.push(' ');
            name.push_str(family.choose(&mut rng).unwrap());
            Entry {
                id: format!("G{i}"),
                kind: EntryKind::Person,
                names: vec![Alias { name, quality: AliasQuality::Primary }],
                dates_of_birth: vec![BirthDate::parse(&format!("{}", rng.gen_range(1940..2000))).unwrap()],
                nationalities: Vec::new(),
                addresses: Vec::new(),
                identifiers: Vec::new(),
            }
        })
        .collect();
    let big_queries: Vec<Query> = (0..2000)
        .map(|i| {
            if i % 2 == 0 {
                let e = entries.choose(&mut rng).unwrap();
                Query { name: e.names[0].name.clone(), date_of_birth: None, nationality: None }
            } else {
                queries.choose(&mut rng).unwrap().clone()
            }
        })
        .collect();
    if let Some(dir) = &dump {
        let dir = Path::new(dir);
        std::fs::create_dir_all(dir).unwrap();
        let names: Vec<&str> = entries.iter().map(|e| e.names[0].name.as_str()).collect();
        std::fs::write(dir.join("generated_names.txt"), names.join("\n")).unwrap();
        let un_names: Vec<&str> = un.entries.iter().flat_map(|e| e.names.iter().map(|a| a.name.as_str())).collect();
        std::fs::write(dir.join("un_names.txt"), un_names.join("\n")).unwrap();
        let q: Vec<&str> = queries.iter().map(|q| q.name.as_str()).collect();
        std::fs::write(dir.join("queries.txt"), q.join("\n")).unwrap();
        let q: Vec<&str> = big_queries.iter().map(|q| q.name.as_str()).collect();
        std::fs::write(dir.join("generated_queries.txt"), q.join("\n")).unwrap();
    }
    let generated =
        WatchList { name: "generated".to_owned(), version: "1".to_owned(), format: ListFormat::Csv, entries };
    let before = peak_rss_mib();
    let start = Instant::now();
    let index = ScreeningIndex::build(std::slice::from_ref(&generated), NameRules::builtin());
    println!(
        "generated list: {} names ({} given names x {} surnames); index {:.1} s; peak RSS {:.0} MiB (before the index {:.0} MiB)",
        index.name_count(),
        given.len(),
        family.len(),
        start.elapsed().as_secs_f64(),
        peak_rss_mib(),
        before
    );
    drop(generated);
    time_queries("generated list, 1M names", &big_queries, &index);
}
