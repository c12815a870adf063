//! Load benchmark of the HTTP API on loopback, bounded in time: the real router and store in this process, and a
//! small HTTP/1.1 load generator (keep-alive connections on plain threads) driving it.
//!
//! - `single`: single-consignment submissions paced at a fixed rate (open loop; latency is measured from each
//!   request's scheduled time, so a stall counts against every request it delays), p50/p99/max.
//! - `batch`: JSON arrays of 1,000 consignments from two connections, as fast as they are answered: consignments
//!   stored per second.
//!
//! Run: `cargo bench -p aduana-server --bench server` (SQLite in a temporary directory, once with the default
//! `synchronous = FULL` and once with the operator's option `synchronous = NORMAL`; PostgreSQL as well when
//! `ADUANA_TEST_POSTGRES_URL` is set). Each scenario runs a few seconds.

#![allow(clippy::print_stdout, reason = "a benchmark prints its figures")]
#![allow(clippy::unwrap_used, reason = "a benchmark fails loudly")]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aduana_core::{Assessment, Consignment, Lane, completeness};
use aduana_formats::Limits;
use aduana_server::{AppState, Assessor, RatePolicy, ServerSettings};
use aduana_store::{NewUser, PostgresStore, Role, SqliteDurability, SqliteStore, Store};

/// An intake-only assessor (green, score 0, completeness findings), so that the figures measure intake, not scoring;
/// risk scoring is measured by `cargo bench -p aduana-risk`.
struct CompletenessOnly;

impl Assessor for CompletenessOnly {
    fn assess_batch(&self, consignments: &[Consignment]) -> Vec<Assessment> {
        consignments
            .iter()
            .map(|c| Assessment {
                reference: c.reference.clone(),
                score: 0.0,
                lane: Lane::Green,
                referrals: Vec::new(),
                hits: Vec::new(),
                findings: completeness::check(c),
                versions: self.versions().into_iter().map(|(k, v)| (k.into(), v.into())).collect(),
            })
            .collect()
    }
    fn versions(&self) -> BTreeMap<String, String> {
        BTreeMap::from([("assessor".to_owned(), "completeness-only".to_owned())])
    }
    fn reload(&self, config: &aduana_store::RiskConfig) -> Result<(), Vec<String>> {
        if config.profiles.is_empty() && config.lists.is_empty() && config.aeo.is_none() {
            Ok(())
        } else {
            Err(vec!["the intake benchmark's assessor uses no profiles, lists or AEO register".to_owned()])
        }
    }
    fn profile_selections(
        &self,
        _profiles: &[aduana_risk::ProfileSource<'_>],
        _consignments: &[Consignment],
    ) -> Result<Vec<Vec<String>>, Vec<String>> {
        Err(vec!["the intake benchmark's assessor does not back-test profiles".to_owned()])
    }
}

const SINGLE_RATE: u64 = 1000;
const SINGLE_SECS: u64 = 5;
const SINGLE_CONNECTIONS: u64 = 16;
const BATCH_SIZE: usize = 1000;
const BATCH_SECS: u64 = 6;
const BATCH_CONNECTIONS: usize = 2;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let modes = [
        ("SQLite FULL", "full.db", SqliteDurability::PowerLoss),
        ("SQLite NORMAL", "normal.db", SqliteDurability::ProcessCrash),
    ];
    for (name, file, durability) in modes {
        let path = dir.path().join(file);
        let sqlite: Arc<dyn Store> =
            Arc::new(runtime.block_on(SqliteStore::open_with_durability(&path, durability)).unwrap());
        run_backend(&runtime, name, sqlite);
    }
    match std::env::var("ADUANA_TEST_POSTGRES_URL") {
        Ok(url) => {
            let schema = format!("aduana_bench_{}", std::process::id());
            let pg: Arc<dyn Store> =
                Arc::new(runtime.block_on(PostgresStore::connect_in_schema(&url, &schema)).unwrap());
            run_backend(&runtime, "PostgreSQL", pg);
            runtime.block_on(async {
                let pool = sqlx::PgPool::connect(&url).await.unwrap();
                sqlx::query(&format!("DROP SCHEMA {schema} CASCADE")).execute(&pool).await.unwrap();
            });
        }
        Err(_) => println!("PostgreSQL: SKIPPED (ADUANA_TEST_POSTGRES_URL not set)"),
    }
}

fn run_backend(runtime: &tokio::runtime::Runtime, name: &str, store: Arc<dyn Store>) {
    let token = runtime.block_on(async {
        let user = store
            .add_user(&NewUser {
                name: format!("bench-{}", std::process::id()),
                role: Role::Submitter,
                password_hash: None,
            })
            .await
            .unwrap();
        aduana_server::auth::issue_token(&*store, user.id).await.unwrap()
    });
    let settings = ServerSettings {
        limits: Limits { max_document_bytes: 64 << 20, max_depth: 64, max_items: 10_000, max_diagnostics: 1_000 },
        max_body_bytes: 64 << 20,
        rate: RatePolicy { per_second: 1e9, burst: 1e9 },
        login_rate: RatePolicy { per_second: 1.0, burst: 10.0 },
        session_ttl: Duration::from_secs(3600),
        secure_cookies: false,
        cash: aduana_server::CashSettings {
            threshold: aduana_enforcement::cash::Threshold::new(aduana_enforcement::cash::Threshold::EU_DEFAULT_EUR)
                .expect("EUR 10,000 is positive"),
            rates: std::sync::Arc::new(aduana_enforcement::cash::RateTable::builtin()),
            calendar: aduana_enforcement::cash::SharingCalendar {
                deadline_working_days: 15,
                holidays: std::collections::BTreeSet::new(),
            },
        },
    };
    let store_for_breakdown = store.clone();
    let state = AppState::new(store, Arc::new(CompletenessOnly), settings);
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = runtime.spawn(aduana_server::serve(listener, state, async {
        let _ = stopped.await;
    }));
    let example =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/consignment.json")).unwrap();
    let template: serde_json::Value = serde_json::from_str(&example).unwrap();
    let tag = format!("{}{}", name.chars().next().unwrap_or('X'), std::process::id());

    // Single submissions at a fixed rate.
    let per_connection = SINGLE_RATE / SINGLE_CONNECTIONS;
    let interval = Duration::from_nanos(1_000_000_000 / per_connection);
    let cpu = cpu_time();
    let start = Instant::now() + Duration::from_millis(200);
    let threads: Vec<_> = (0..SINGLE_CONNECTIONS)
        .map(|c| {
            let (token, template, tag) = (token.clone(), template.clone(), tag.clone());
            std::thread::spawn(move || {
                let mut connection = Connection::open(address);
                let mut latencies = Vec::new();
                let offset = interval / SINGLE_CONNECTIONS as u32 * c as u32;
                for i in 0..per_connection * SINGLE_SECS {
                    let scheduled = start + offset + interval * i as u32;
                    if let Some(wait) = scheduled.checked_duration_since(Instant::now()) {
                        std::thread::sleep(wait);
                    }
                    let mut body = template.clone();
                    body["reference"] = serde_json::json!(format!("S{tag}-{c}-{i}"));
                    let status = connection.post(&token, &body.to_string());
                    assert_eq!(status, 201);
                    latencies.push(scheduled.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut latencies: Vec<Duration> = threads.into_iter().flat_map(|t| t.join().unwrap()).collect();
    let (elapsed, cpu) = (start.elapsed(), cpu_time() - cpu);
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    println!(
        "{name}: single submissions at {SINGLE_RATE}/s offered over {SINGLE_CONNECTIONS} connections: {} requests in {:.1} s \
         ({:.0}/s achieved, CPU {:.0} µs each); latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        latencies.len(),
        elapsed.as_secs_f64(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        cpu.as_secs_f64() * 1e6 / latencies.len() as f64,
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        latencies.last().unwrap().as_secs_f64() * 1e3,
    );

    // Batches of 1,000 consignments, as fast as they are answered; bodies are built before the clock starts.
    let compact = template.to_string();
    let reference = template["reference"].as_str().unwrap().to_owned();
    let bodies: Vec<Vec<String>> = (0..BATCH_CONNECTIONS)
        .map(|c| {
            (0..60)
                .map(|b| {
                    let items: Vec<String> = (0..BATCH_SIZE)
                        .map(|i| compact.replacen(&reference, &format!("B{tag}-{c}-{b}-{i}"), 1))
                        .collect();
                    format!("[{}]", items.join(","))
                })
                .collect()
        })
        .collect();
    let body_bytes = bodies[0][0].len();
    let cpu = cpu_time();
    let start = Instant::now();
    let deadline = start + Duration::from_secs(BATCH_SECS);
    let threads: Vec<_> = bodies
        .into_iter()
        .map(|bodies| {
            let token = token.clone();
            std::thread::spawn(move || {
                let mut connection = Connection::open(address);
                let mut sent = 0;
                for body in &bodies {
                    if Instant::now() > deadline {
                        break;
                    }
                    assert_eq!(connection.post(&token, body), 201);
                    sent += 1;
                }
                sent
            })
        })
        .collect();
    let batches: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
    let (elapsed, cpu) = (start.elapsed().as_secs_f64(), cpu_time() - cpu);
    println!(
        "{name}: batch intake: {batches} batches of {BATCH_SIZE} ({:.1} MB each) over {BATCH_CONNECTIONS} connections in \
         {elapsed:.1} s: {:.0} consignments/s, CPU {:.1} ms per batch",
        body_bytes as f64 / 1e6,
        (batches * BATCH_SIZE) as f64 / elapsed,
        cpu.as_secs_f64() * 1e3 / batches as f64,
    );
    let _ = stop.send(());
    let _ = runtime.block_on(server);

    // Where the time goes: reading + assessing a batch, and storing it, each alone.
    let limits = Limits { max_document_bytes: 64 << 20, max_depth: 64, max_items: 10_000, max_diagnostics: 1_000 };
    let body = {
        let items: Vec<String> =
            (0..BATCH_SIZE).map(|i| compact.replacen(&reference, &format!("P{tag}-{i}"), 1)).collect();
        format!("[{}]", items.join(","))
    };
    let start = Instant::now();
    let mut sink = aduana_formats::Collected::default();
    aduana_formats::read(aduana_formats::Format::Json, &mut body.as_bytes(), "bench", &limits, &mut sink).unwrap();
    let read = start.elapsed();
    let assessments = CompletenessOnly.assess_batch(&sink.consignments);
    let assessed = start.elapsed() - read;
    let pairs: Vec<_> = sink.consignments.into_iter().zip(assessments).collect();
    let start = Instant::now();
    let mut bytes = 0;
    for (consignment, assessment) in &pairs {
        let body = serde_json::to_string(consignment).unwrap();
        bytes += body.len() + serde_json::to_string(assessment).unwrap().len();
        bytes += aduana_store::audit::sha256_hex(body.as_bytes()).len();
    }
    let serialised = start.elapsed();
    let start = Instant::now();
    runtime.block_on(store_for_breakdown.submit("breakdown", pairs)).unwrap();
    let stored = start.elapsed();
    println!(
        "{name}: one batch of {BATCH_SIZE}, alone: read {:.1} ms, assess {:.1} ms, store {:.1} ms \
         (of which serialising and hashing {:.1} ms for {:.1} MB)",
        read.as_secs_f64() * 1e3,
        assessed.as_secs_f64() * 1e3,
        stored.as_secs_f64() * 1e3,
        serialised.as_secs_f64() * 1e3,
        bytes as f64 / 1e6,
    );
}

/// The process's CPU time so far (user + system, every thread: server, store and load generator), from
/// `/proc/self/stat` in clock ticks of 10 ms. Less sensitive than wall time to other work on the machine.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name (in parentheses, and it may hold spaces); utime and stime are the 14th and
    // 15th fields of the line.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

/// One keep-alive HTTP/1.1 connection.
struct Connection {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    address: SocketAddr,
}

impl Connection {
    fn open(address: SocketAddr) -> Connection {
        let stream = TcpStream::connect(address).unwrap();
        stream.set_nodelay(true).unwrap();
        Connection { reader: BufReader::new(stream.try_clone().unwrap()), writer: stream, address }
    }

    /// Posts a JSON body to `/api/consignments` and returns the status, reading the whole answer.
    fn post(&mut self, token: &str, body: &str) -> u16 {
        let head = format!(
            "POST /api/consignments HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            self.address,
            body.len()
        );
        self.writer.write_all(head.as_bytes()).unwrap();
        self.writer.write_all(body.as_bytes()).unwrap();
        let mut line = String::new();
        self.reader.read_line(&mut line).unwrap();
        let status: u16 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
        let mut length = 0usize;
        loop {
            line.clear();
            self.reader.read_line(&mut line).unwrap();
            if line == "\r\n" {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap();
                }
            }
        }
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body).unwrap();
        status
    }
}
