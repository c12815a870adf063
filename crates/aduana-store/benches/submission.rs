//! The store's submission path alone, without HTTP: batches of 1,000 consignments stored one after another, then
//! single-consignment submissions from 16 concurrent tasks. Each consignment is `examples/consignment.json` with a
//! unique reference; its assessment carries the consignment's completeness findings, as the server's do.
//!
//! Reports wall time per batch (median, max) and the process's CPU time per batch (user + system, from
//! `/proc/self/stat`, so it counts SQLite's worker threads too and is less sensitive to other load than wall time),
//! the time and CPU time of one workbench sync indexing every batch stored (what the server's workbench task does
//! after intake), and single-submission latency. Under `valgrind --tool=callgrind` set `ADUANA_BENCH_BATCHES=2` and
//! `ADUANA_BENCH_SINGLES=0` for repeatable instruction counts.
//!
//! Run: `cargo bench -p aduana-store --bench submission` (SQLite in a temporary directory; PostgreSQL as well when
//! `ADUANA_TEST_POSTGRES_URL` is set). `ADUANA_BENCH_BATCHES` (default 20) and `ADUANA_BENCH_SINGLES` (default
//! 2,000) change the amounts.

#![allow(clippy::print_stdout, reason = "a benchmark prints its figures")]
#![allow(clippy::unwrap_used, reason = "a benchmark fails loudly")]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aduana_core::{Assessment, Consignment, Lane, completeness};
use aduana_store::{PostgresStore, SqliteStore, Store};

const BATCH_SIZE: usize = 1000;
const SINGLE_TASKS: usize = 16;

fn main() {
    let batches = env_number("ADUANA_BENCH_BATCHES", 20);
    let singles = env_number("ADUANA_BENCH_SINGLES", 2000);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let example =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/consignment.json")).unwrap();
    let template: Consignment = serde_json::from_str(&example).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let sqlite: Arc<dyn Store> = Arc::new(runtime.block_on(SqliteStore::open(&dir.path().join("bench.db"))).unwrap());
    run_backend(&runtime, "SQLite", &sqlite, &template, batches, singles);
    match std::env::var("ADUANA_TEST_POSTGRES_URL") {
        Ok(url) => {
            let schema = format!("aduana_submission_bench_{}", std::process::id());
            let pg: Arc<dyn Store> =
                Arc::new(runtime.block_on(PostgresStore::connect_in_schema(&url, &schema)).unwrap());
            run_backend(&runtime, "PostgreSQL", &pg, &template, batches, singles);
            runtime.block_on(async {
                let pool = sqlx::PgPool::connect(&url).await.unwrap();
                sqlx::query(&format!("DROP SCHEMA {schema} CASCADE")).execute(&pool).await.unwrap();
            });
        }
        Err(_) => println!("PostgreSQL: SKIPPED (ADUANA_TEST_POSTGRES_URL not set)"),
    }
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A consignment with a unique reference, and its intake-only assessment (green, completeness findings).
fn pair(template: &Consignment, reference: &str) -> (Consignment, Assessment) {
    let mut consignment = template.clone();
    consignment.reference = aduana_core::Reference::parse(reference).unwrap();
    let assessment = Assessment {
        reference: consignment.reference.clone(),
        score: 0.0,
        lane: Lane::Green,
        referrals: Vec::new(),
        hits: Vec::new(),
        findings: completeness::check(&consignment),
        versions: BTreeMap::from([("assessor".into(), "completeness-only".into())]),
    };
    (consignment, assessment)
}

/// The process's CPU time so far (user + system, all threads), from `/proc/self/stat` in clock ticks of 10 ms.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses and may hold spaces): utime is the 14th field.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

fn run_backend(
    runtime: &tokio::runtime::Runtime,
    name: &str,
    store: &Arc<dyn Store>,
    template: &Consignment,
    batches: usize,
    singles: usize,
) {
    let tag = format!("{}{}", name.chars().next().unwrap_or('X'), std::process::id());
    let prepared: Vec<Vec<(Consignment, Assessment)>> =
        (0..batches).map(|b| (0..BATCH_SIZE).map(|i| pair(template, &format!("B{tag}-{b}-{i}"))).collect()).collect();
    let mut times = Vec::with_capacity(batches);
    let cpu = cpu_time();
    let start = Instant::now();
    for batch in prepared {
        let begun = Instant::now();
        runtime.block_on(store.submit("bench", batch)).unwrap();
        times.push(begun.elapsed());
    }
    let (elapsed, cpu) = (start.elapsed(), cpu_time() - cpu);
    if batches > 0 {
        times.sort();
        println!(
            "{name}: {batches} batches of {BATCH_SIZE} one after another: {:.0} consignments/s; per batch median \
             {:.1} ms, max {:.1} ms, CPU {:.1} ms",
            (batches * BATCH_SIZE) as f64 / elapsed.as_secs_f64(),
            times[times.len() / 2].as_secs_f64() * 1e3,
            times[times.len() - 1].as_secs_f64() * 1e3,
            cpu.as_secs_f64() * 1e3 / batches as f64,
        );
    }
    if batches > 0 {
        // What the server's workbench task does after intake: index every assessment just stored.
        let cpu = cpu_time();
        let start = Instant::now();
        let indexed = runtime.block_on(store.sync_workbench()).unwrap();
        let (elapsed, cpu) = (start.elapsed(), cpu_time() - cpu);
        println!(
            "{name}: workbench sync of {indexed} assessments: {:.1} ms per 1,000, CPU {:.1} ms per 1,000",
            elapsed.as_secs_f64() * 1e6 / indexed.max(1) as f64,
            cpu.as_secs_f64() * 1e6 / indexed.max(1) as f64,
        );
    }
    if singles == 0 {
        return;
    }
    let per_task = singles / SINGLE_TASKS;
    let cpu = cpu_time();
    let start = Instant::now();
    let mut latencies: Vec<Duration> = runtime.block_on(async {
        let tasks: Vec<_> = (0..SINGLE_TASKS)
            .map(|t| {
                let store = store.clone();
                let pairs: Vec<_> = (0..per_task).map(|i| pair(template, &format!("S{tag}-{t}-{i}"))).collect();
                tokio::spawn(async move {
                    let mut latencies = Vec::with_capacity(pairs.len());
                    for pair in pairs {
                        let begun = Instant::now();
                        store.submit("bench", vec![pair]).await.unwrap();
                        latencies.push(begun.elapsed());
                    }
                    latencies
                })
            })
            .collect();
        let mut all = Vec::new();
        for task in tasks {
            all.extend(task.await.unwrap());
        }
        all
    });
    let (elapsed, cpu) = (start.elapsed(), cpu_time() - cpu);
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    println!(
        "{name}: {} single submissions from {SINGLE_TASKS} tasks (closed loop): {:.0}/s, CPU {:.1} µs each; latency \
         p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        latencies.len(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        cpu.as_secs_f64() * 1e6 / latencies.len() as f64,
        pct(0.5).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        latencies[latencies.len() - 1].as_secs_f64() * 1e3,
    );
}
