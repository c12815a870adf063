//! Profile engine benchmark: 10,000 generated profiles against 1,000,000 generated consignments (generated in
//! memory in chunks), single thread. Reports evaluations per second of the profile indicator, per-consignment
//! p50/p99 latency, whole assessments per second with every built-in indicator, and peak RSS.
//!
//! Run: `cargo bench -p aduana-risk --bench profiles` (set `BENCH_CONSIGNMENTS` to change the count).

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use aduana_core::{
    Consignment, CountryCode, Direction, GoodsItem, HsCode, Money, Party, PartyIdentifier, PartyRole, Reference,
};
use aduana_risk::{
    AeoRegister, Indicator, LaneRates, Policy, ProfileIndicator, ProfileSet, ProfileSource, ReferenceData, RiskContext,
    Signals,
};

const PROFILES: usize = 10_000;
const CHUNK: usize = 50_000;
const COUNTRIES: &[&str] = &[
    "CN", "VN", "DE", "US", "JP", "KR", "IN", "TR", "MY", "TH", "ID", "BR", "MX", "GB", "FR", "IT", "NL", "BE", "PL",
    "ES", "AE", "SG", "PA", "HK", "TW", "PK", "BD", "ZA", "NG", "EG",
];

/// xorshift64*: a small deterministic generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn country(&mut self) -> &'static str {
        COUNTRIES[self.below(COUNTRIES.len() as u64) as usize]
    }
    /// An HS heading among 1,200 (chapters 01–97 spread), as four digits.
    fn heading(&mut self) -> String {
        let chapter = 1 + self.below(97);
        let heading = 1 + self.below(12);
        format!("{chapter:02}{heading:02}")
    }
}

/// An HS subheading from a pool of about 5,800 (chapters 01-97, 12 headings each, 5 subheadings each), the size
/// of the real HS6 nomenclature.
fn subheading(rng: &mut Rng) -> String {
    format!("{}{:02}", rng.heading(), rng.below(5) * 10)
}

/// A LOCODE from a pool of 400 ports.
fn locode(rng: &mut Rng) -> String {
    let n = rng.below(400);
    format!(
        "{}{}",
        COUNTRIES[(n % 30) as usize],
        ["AAA", "BBB", "CCC", "DDD", "EEE", "FFF", "GGG", "HHH", "JJJ", "KKK", "LLL", "MMM", "NNN", "PPP"]
            [(n / 30) as usize]
    )
}

/// Profiles in the proportions of a real set: almost all discriminated by HS code or port, a handful (0.1 %)
/// with no indexable test.
fn generate_profiles(rng: &mut Rng) -> String {
    let mut text = String::with_capacity(PROFILES * 400);
    for i in 0..PROFILES {
        let when = match i % 1000 {
            0 => format!("goods.value > {} and goods.net_mass < {}", 50_000 + rng.below(900_000), 1 + rng.below(50)),
            1..=100 => {
                format!("goods.hs_code = {} and goods.unit_price_ratio < 0.{}", subheading(rng), 1 + rng.below(5))
            }
            101..=200 => format!(
                "loading = {} and route in [{}, {}] and goods.value > 1000",
                locode(rng),
                rng.country(),
                rng.country()
            ),
            201..=300 if std::env::var_os("BENCH_NO_REGEX").is_some() => {
                format!("goods.hs_code prefix {} and goods.value > {}", rng.heading(), rng.below(1_000_000))
            }
            201..=300 => format!(
                "goods.hs_code prefix {} and goods.description matches \"counterfeit|replica|{}\"",
                rng.heading(),
                ["battery", "spare parts", "garments"][rng.below(3) as usize]
            ),
            _ => format!(
                "goods.hs_code prefix [{}, {}] and goods.origin in [{}, {}, {}]",
                subheading(rng),
                subheading(rng),
                rng.country(),
                rng.country(),
                rng.country()
            ),
        };
        let lane = ["yellow", "red"][rng.below(2) as usize];
        text.push_str(&format!(
            "profile GEN-{i:05} {{\n title: \"generated {i}\"\n rationale: \"generated profile\"\n owner: \"bench\"\n \
             valid: 2020-01-01 to open\n version: 1\n weight: {}\n severity: medium\n lane: {lane}\n select: {}%\n when: {when}\n}}\n",
            5 + rng.below(40),
            [100, 50, 25][rng.below(3) as usize]
        ));
    }
    text
}

fn generate_consignment(rng: &mut Rng, n: usize) -> Consignment {
    let mut c = Consignment::new(Reference::parse(&format!("BENCH{n:09}")).unwrap(), Direction::Import);
    c.itinerary.country_of_dispatch = Some(CountryCode::parse(rng.country()).unwrap());
    c.itinerary.routing_countries = (0..3).map(|_| CountryCode::parse(rng.country()).unwrap()).collect();
    c.itinerary.place_of_loading = Some(aduana_core::Place::locode(aduana_core::LoCode::parse(&locode(rng)).unwrap()));
    let mut party = Party::named(PartyRole::Importer, "Importer");
    party
        .identifiers
        .push(PartyIdentifier { scheme: "eori".to_owned(), value: format!("XX{:08}", rng.below(100_000)) });
    c.parties.push(party);
    for s in 0..1 + rng.below(3) {
        let mut item = GoodsItem::new(s as u32 + 1);
        item.hs_code = Some(HsCode::parse(&subheading(rng)).unwrap());
        item.origin_country = Some(CountryCode::parse(rng.country()).unwrap());
        item.description = Some(
            ["cotton garments", "replica watches", "spare parts for engines", "battery packs"][rng.below(4) as usize]
                .to_owned(),
        );
        item.net_mass_kg = Some((1 + rng.below(5_000)).into());
        item.value = Some(Money { amount: (10 + rng.below(2_000_000)).into(), currency: "USD".parse().unwrap() });
        c.goods.push(item);
    }
    c
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// CPU time of this thread in seconds (from `/proc/thread-self/schedstat`), so that rates are per core even when
/// other processes share the machine.
fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(f64::NAN, |ns| ns as f64 / 1e9)
}

fn percentile(sorted: &[u32], p: f64) -> u32 {
    sorted[((sorted.len() as f64 - 1.0) * p) as usize]
}

fn main() {
    let total: usize = std::env::var("BENCH_CONSIGNMENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let text = generate_profiles(&mut rng);
    let started = Instant::now();
    let set = ProfileSet::compile(&[ProfileSource { name: "generated.profile", text: &text }])
        .expect("generated profiles compile");
    let compile = started.elapsed();
    let mut reference = ReferenceData::default();
    for chapter in 1..=97 {
        reference.norms.insert(&format!("{chapter:02}"), "USD", 10.0 + chapter as f64);
    }
    let ctx = RiskContext {
        profiles: set,
        aeo: AeoRegister::default(),
        policy: Policy {
            version: "bench".to_owned(),
            yellow_threshold: 30.0,
            red_threshold: 60.0,
            max_hits_green: 0,
            random_percent: LaneRates { yellow: 2.0, red: 1.0 },
            random_seed: 1,
            aeo_weight: -30.0,
            finding_weight: 2.0,
            max_finding_weight: 10.0,
            capacity_percent: LaneRates { yellow: 15.0, red: 5.0 },
        },
        reference,
        indicators: Vec::new(),
        as_of: chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap().and_hms_opt(0, 0, 0).unwrap(),
    };
    println!(
        "profiles: {} compiled in {:.1} ms, {} on the fallback list",
        ctx.profiles.len(),
        compile.as_secs_f64() * 1e3,
        ctx.profiles.fallback_len()
    );

    let sample: Vec<Consignment> = (0..10_000).map(|i| generate_consignment(&mut rng, i)).collect();
    let cpu_start = cpu_seconds();
    let candidates: usize = sample.iter().map(|c| ctx.profiles.candidate_count(c)).sum();
    println!("index lookup alone: {:.0} ns CPU per consignment", (cpu_seconds() - cpu_start) * 1e9 / 10_000.0);
    println!("index: {:.1} candidate profiles evaluated per consignment on average", candidates as f64 / 10_000.0);

    // 0. Warm caches: the same 64 consignments over and over, to separate evaluation cost from memory latency.
    let hot = &sample[..64];
    let cpu_start = cpu_seconds();
    let mut signals = Signals::default();
    for i in 0..200_000 {
        signals.hits.clear();
        ProfileIndicator.assess(&hot[i % hot.len()], &ctx, &mut signals);
    }
    println!(
        "profile indicator, 64 consignments cycled (warm caches): {:.0} evaluations per CPU-second",
        200_000.0 / (cpu_seconds() - cpu_start)
    );

    // 1. The profile indicator alone.
    let mut latencies: Vec<u32> = Vec::with_capacity(total);
    let mut busy = 0f64;
    let mut cpu = 0f64;
    let mut hits = 0usize;
    let mut signals = Signals::default();
    let mut done = 0;
    while done < total {
        let n = CHUNK.min(total - done);
        let chunk: Vec<Consignment> = (0..n).map(|i| generate_consignment(&mut rng, done + i)).collect();
        let start = Instant::now();
        let cpu_start = cpu_seconds();
        for c in &chunk {
            let t = Instant::now();
            signals.hits.clear();
            ProfileIndicator.assess(c, &ctx, &mut signals);
            hits += signals.hits.len();
            latencies.push(t.elapsed().as_nanos().min(u128::from(u32::MAX)) as u32);
        }
        busy += start.elapsed().as_secs_f64();
        cpu += cpu_seconds() - cpu_start;
        done += n;
    }
    latencies.sort_unstable();
    println!(
        "profile indicator: {total} consignments in {busy:.2} s wall, {cpu:.2} s CPU = {:.0} evaluations per CPU-second ({:.0}/s wall); p50 {} ns, p99 {} ns, max {} ns (wall); {:.2} hits per consignment",
        total as f64 / cpu,
        total as f64 / busy,
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies.last().copied().unwrap_or(0),
        hits as f64 / total as f64
    );

    // 2. Whole assessments with every built-in indicator (validation, profiles, AEO, random selection).
    let whole = (total / 10).max(1);
    let chunk: Vec<Consignment> = (0..whole.min(CHUNK)).map(|i| generate_consignment(&mut rng, i)).collect();
    let mut latencies: Vec<u32> = Vec::with_capacity(whole);
    let start = Instant::now();
    let cpu_start = cpu_seconds();
    let mut red = 0usize;
    for i in 0..whole {
        let c = &chunk[i % chunk.len()];
        let t = Instant::now();
        let a = aduana_risk::assess(c, &ctx);
        red += usize::from(a.lane == aduana_core::Lane::Red);
        latencies.push(t.elapsed().as_nanos().min(u128::from(u32::MAX)) as u32);
    }
    let elapsed = start.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu_start;
    latencies.sort_unstable();
    println!(
        "whole assessments: {whole} in {elapsed:.2} s wall, {cpu:.2} s CPU = {:.0} assessments per CPU-second ({:.0}/s wall); p50 {} ns, p99 {} ns (wall); {:.1}% red",
        whole as f64 / cpu,
        whole as f64 / elapsed,
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        red as f64 * 100.0 / whole as f64
    );
    println!(
        "peak RSS: {} MiB",
        peak_rss_kib().map_or_else(|| "n/a".to_owned(), |k| format!("{:.1}", k as f64 / 1024.0))
    );
}
