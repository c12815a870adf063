//! Search over 100,000 enforcement cases: generates realistic cases (names, companies, containers, routes, commodity
//! areas, concealment methods over ten years; 2% restricted), stores them, then times each kind of query the API
//! runs — full text, full text with a facet filter, facet filters alone, and the unfiltered first page — each with
//! its five facet counts and total, as `GET /api/cases` does.
//!
//! Run: `cargo bench -p aduana-store --bench enforcement_search` (SQLite in a temporary directory; PostgreSQL as
//! well when `ADUANA_TEST_POSTGRES_URL` is set). `ADUANA_BENCH_CASES` changes the number of cases.
//! `ADUANA_BENCH_SQLITE=PATH` keeps the SQLite database at PATH and `ADUANA_BENCH_PG_SCHEMA=NAME` keeps the
//! PostgreSQL schema NAME instead of dropping them; a later run that finds the cases already stored there only
//! queries (the 100,000 inserts take minutes on a loaded machine).
//!
//! Each query prints the median and largest wall-clock time and the mean CPU time of this process per run (from
//! `/proc/self/stat`, 10 ms ticks over all runs; for PostgreSQL the server's CPU time is not included).

#![allow(clippy::print_stdout, reason = "a benchmark prints its figures")]
#![allow(clippy::unwrap_used, reason = "a benchmark fails loudly")]

use std::time::{Duration, Instant};

use aduana_enforcement::{Case, CommodityArea, DetectionMethod};
use aduana_store::{CaseQuery, PostgresStore, SqliteStore, Store, Viewer};

const FIRST: &[&str] = &[
    "Jan", "Pedro", "Ana", "Maria", "Ahmed", "Olga", "Ricardo", "Fatima", "Li", "Ivan", "Sophie", "Kwame", "Noor",
    "Lucas", "Elena", "Tomasz", "Aisha", "Diego", "Yuki", "Omar",
];
const LAST: &[&str] = &[
    "Vries", "Alvarez", "Ruiz", "Mendes", "Haddad", "Petrova", "Nowak", "Okafor", "Chen", "Kowalski", "Rossi",
    "Jansen", "Silva", "Dubois", "Yilmaz", "Novak", "Garcia", "Smit", "Costa", "Ibrahim",
];
const COMPANY: &[&str] = &[
    "Tropical Fruit",
    "Andes Export",
    "Global Logistics",
    "Sunrise Trading",
    "Blue Ocean Shipping",
    "Delta Freight",
    "Orion Imports",
    "Atlas Cargo",
    "Nova Textiles",
    "Pacific Foods",
];
const SUFFIX: &[&str] = &["BV", "SA", "Ltd", "GmbH", "SRL", "LLC"];
const COUNTRIES: &[&str] = &["EC", "CO", "PE", "BR", "PA", "ES", "NL", "BE", "DE", "FR", "CN", "AE", "TR", "MA", "NG"];
const COMMODITY: &[(&str, &[&str])] = &[
    ("drugs", &["cocaine", "heroin", "cannabis resin", "amphetamine", "ecstasy tablets"]),
    ("tobacco", &["cigarettes", "water pipe tobacco", "cut tobacco"]),
    ("alcohol", &["vodka", "ethanol", "whisky"]),
    ("ipr", &["counterfeit handbags", "fake watches", "counterfeit medicines"]),
    ("weapons", &["pistols", "ammunition", "detonators"]),
    ("cites", &["ivory", "pangolin scales", "live reptiles"]),
    ("currency", &["euro banknotes", "gold bars"]),
    ("revenue", &["undervalued textiles", "misclassified steel"]),
];
const DETECTION: &[&str] = &["risk_profile", "random", "x_ray", "dog", "intelligence", "physical_examination"];
const CONCEALMENT: &[&str] =
    &["mixed_with_cargo", "container_structure", "false_compartment", "vehicle_structure", "baggage", "on_body"];
const OWNERS: &[&str] = &["MSCU", "MAEU", "CSQU", "TGHU", "HLXU", "CMAU"];

/// A small deterministic generator (xorshift64*), so every run stores the same cases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Returns an ISO 6346 container number with its check digit.
fn container(owner: &str, serial: u32) -> String {
    let body = format!("{owner}{serial:06}");
    let value = |c: char| -> u32 {
        if let Some(d) = c.to_digit(10) {
            return d;
        }
        // Letters count from 10, skipping multiples of 11.
        let mut v = 10;
        for letter in 'A'..=c {
            if letter != 'A' {
                v += 1;
                if v % 11 == 0 {
                    v += 1;
                }
            }
        }
        v
    };
    let sum: u32 = body.chars().enumerate().map(|(i, c)| value(c) << i).sum();
    format!("{body}{}", sum % 11 % 10)
}

fn case(rng: &mut Rng) -> Case {
    let (area, commodities) = COMMODITY[rng.below(COMMODITY.len())];
    let persons: Vec<serde_json::Value> = (0..1 + rng.below(3))
        .map(|_| {
            serde_json::json!({
                "name": format!("{} {}", rng.pick(FIRST), rng.pick(LAST)),
                "nationality": rng.pick(COUNTRIES),
                "phones": [format!("+{} {}", 30 + rng.below(60), 600_000_000 + rng.below(99_999_999))],
            })
        })
        .collect();
    let restricted = rng.below(50) == 0;
    serde_json::from_value(serde_json::json!({
        "date": format!("{}-{:02}-{:02}", 2016 + rng.below(10), 1 + rng.below(12), 1 + rng.below(28)),
        "office": format!("Office {}", rng.below(40)),
        "detection_method": rng.pick(DETECTION),
        "commodity_area": area,
        "commodity": rng.pick(commodities),
        "quantities": [{"amount": 1 + rng.below(500), "unit": "kg"}],
        "concealment": rng.pick(CONCEALMENT),
        "concealment_details": "hidden among the declared goods",
        "conveyance": {"containers": [container(rng.pick(OWNERS), rng.below(999_999) as u32)]},
        "route": {"departure": rng.pick(COUNTRIES), "transit": [rng.pick(COUNTRIES)], "destination": rng.pick(COUNTRIES)},
        "persons": persons,
        "companies": [{"name": format!("{} {}", rng.pick(COMPANY), rng.pick(SUFFIX))}],
        "restriction": {"restricted": restricted, "roles": ["analyst"]},
        "narrative": "Found during a routine check; the driver was detained",
    }))
    .unwrap()
}

/// The CPU time this process has used (user + system), in seconds; Linux only, 0 elsewhere.
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else { return 0.0 };
    // The fields after the command name (which is in parentheses and may hold spaces): utime and stime are the
    // 12th and 13th of them, in clock ticks (100 per second on Linux).
    let rest = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

async fn run(name: &str, store: &dyn Store, count: usize) {
    let stamp = store.case_stamp().await.unwrap();
    if stamp.starts_with(&format!("cases:{count}:")) {
        println!("{name}: {count} cases already stored");
    } else {
        assert!(stamp.starts_with("cases:0:"), "the store holds other cases: {stamp}");
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let start = Instant::now();
        let mut batch = Vec::with_capacity(5000);
        for i in 0..count {
            batch.push(case(&mut rng));
            if batch.len() == 5000 || i + 1 == count {
                store.create_cases(&batch, "bench", "case.import").await.unwrap();
                batch.clear();
            }
        }
        println!("{name}: stored {count} cases in {:.1} s", start.elapsed().as_secs_f64());
    }
    let viewer = Viewer { user: "olga".to_owned(), role: "officer".to_owned() };
    let text = |t: &str| Some(t.to_owned());
    let queries = [
        ("text: surname", CaseQuery { text: text("mendes"), ..CaseQuery::default() }),
        ("text: full name", CaseQuery { text: text("ricardo mendes"), ..CaseQuery::default() }),
        ("text: container", CaseQuery { text: text(&container("MSCU", 123_456)), ..CaseQuery::default() }),
        (
            "text + area",
            CaseQuery { text: text("cocaine"), commodity_area: Some(CommodityArea::Drugs), ..CaseQuery::default() },
        ),
        ("area facet", CaseQuery { commodity_area: Some(CommodityArea::Tobacco), ..CaseQuery::default() }),
        ("country + year", CaseQuery { country: Some("EC".to_owned()), year: Some(2020), ..CaseQuery::default() }),
        ("everything (first page)", CaseQuery::default()),
        // Broad queries the first seven do not cover: a word of every case's narrative, a facet that is not the
        // first column of any index, a country alone, and a deep page.
        ("text: every case", CaseQuery { text: text("routine"), ..CaseQuery::default() }),
        ("detection facet", CaseQuery { detection_method: Some(DetectionMethod::Dog), ..CaseQuery::default() }),
        ("country", CaseQuery { country: Some("NL".to_owned()), ..CaseQuery::default() }),
        ("everything (page 100)", CaseQuery { offset: 4950, ..CaseQuery::default() }),
    ];
    println!(
        "{name}: query (total matches): median / max wall ms over 20 runs, mean CPU ms, with 5 facet counts and the total"
    );
    for (label, query) in &queries {
        let mut times: Vec<Duration> = Vec::new();
        let mut total = 0;
        let cpu = cpu_seconds();
        for _ in 0..20 {
            let t = Instant::now();
            let found = store.search_cases(query, &viewer).await.unwrap();
            times.push(t.elapsed());
            total = found.total;
        }
        let cpu = (cpu_seconds() - cpu) / times.len() as f64;
        times.sort();
        println!(
            "{name}:   {label} ({total}): {:.1} / {:.1}, CPU {:.1}",
            times[times.len() / 2].as_secs_f64() * 1000.0,
            times[times.len() - 1].as_secs_f64() * 1000.0,
            cpu * 1000.0
        );
    }
}

fn main() {
    let count: usize = std::env::var("ADUANA_BENCH_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let path = std::env::var_os("ADUANA_BENCH_SQLITE").map_or_else(|| dir.path().join("aduana.db"), Into::into);
        let sqlite = SqliteStore::open(&path).await.unwrap();
        run("sqlite", &sqlite, count).await;
        sqlite.close().await;
        if let Ok(url) = std::env::var("ADUANA_TEST_POSTGRES_URL") {
            let kept = std::env::var("ADUANA_BENCH_PG_SCHEMA").ok();
            let schema = kept.clone().unwrap_or_else(|| format!("aduana_bench_{}", std::process::id()));
            let postgres = PostgresStore::connect_in_schema(&url, &schema).await.unwrap();
            run("postgres", &postgres, count).await;
            postgres.close().await;
            if kept.is_none() {
                if let Ok(pool) = sqlx::PgPool::connect(&url).await {
                    let _ = sqlx::query(&format!("DROP SCHEMA {schema} CASCADE")).execute(&pool).await;
                }
            }
        }
    });
}
