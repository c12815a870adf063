//! Profile engine benchmark: 10,000 generated profiles against 1,000,000 generated consignments (generated in
//! memory in chunks), single thread. Reports evaluations per second of the profile indicator, per-consignment
//! p50/p99 latency (on consignments made ahead in chunks, and again on consignments assessed as they arrive, each
//! just after it is made), whole assessments per second with the built-in indicators and then with every
//! indicator (party screening against the UN consolidated list, strategic goods, arms embargoes and a learned
//! model trained here on generated declarations), and peak RSS.
//!
//! Run: `cargo bench -p aduana-risk --bench profiles` (set `BENCH_CONSIGNMENTS` to change the count;
//! `BENCH_HOT=0` skips the warm-cache loop and `BENCH_ALL=0` the assessments with every indicator, e.g. under
//! callgrind).

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

mod workload;

use std::time::Instant;

use aduana_core::{Consignment, Party, PartyRole};
use aduana_risk::{
    EmbargoIndicator, Indicator, ModelIndicator, ModelPolicy, ProfileIndicator, ProfileSet, ProfileSource,
    ReferenceData, ScreeningIndicator, ScreeningWeights, Signals, StrategicGoodsIndicator,
};
use aduana_screening::{CorrelationTable, EmbargoList, NameRules, ScreeningConfig, ScreeningIndex};
use std::sync::Arc;
use workload::{Rng, cpu_seconds, generate_consignment, generate_profiles, percentile, train_model};

const CHUNK: usize = 50_000;

const GIVEN: &[&str] = &["Anna", "Pedro", "Wei", "Olga", "Ahmed", "Maria", "John", "Kim", "Ali", "Sofia"];
const SURNAMES: &[&str] = &["Novak", "Garcia", "Chen", "Ivanova", "Hassan", "Silva", "Smith", "Park", "Khan", "Rossi"];
const COMPANY: &[&str] = &["Trading", "Logistics", "Import Export", "Shipping", "Industrial", "Global", "Pacific"];

/// Gives the consignment three named parties (importer, exporter, consignor), as real declarations have; one in
/// two hundred exporters bears a name from the UN list's style of entries.
fn name_parties(rng: &mut Rng, c: &mut Consignment) {
    let mut pick = |list: &[&'static str]| list[rng.below(list.len() as u64) as usize];
    let company = format!("{} {} Co Ltd", pick(SURNAMES), pick(COMPANY));
    let person = format!("{} {}", pick(GIVEN), pick(SURNAMES));
    let consignor = format!("{} {} {}", pick(SURNAMES), pick(SURNAMES), pick(COMPANY));
    c.parties[0].name = Some(company.into());
    let exporter = if rng.below(200) == 0 { "Korea Mining Development Trading Corporation".to_owned() } else { person };
    c.parties.push(Party::named(PartyRole::Exporter, &exporter));
    c.parties.push(Party::named(PartyRole::Consignor, &consignor));
}

/// Trains a model the size of the real one (up to 167 trees of 31 leaves) on generated declarations whose fraud
/// label follows under-valuation and one HS chapter × origin pair, with noise.
/// Reads what the generated profiles test of a consignment: the goods items' HS codes, origins, descriptions,
/// values and masses, the place of loading and the route, and the reference.
fn touch(c: &Consignment) -> usize {
    let mut sum = c.reference.as_str().len();
    for item in &c.goods {
        sum += item.hs_code.as_ref().map_or(0, |h| h.as_str().as_bytes()[0] as usize);
        sum += item.origin_country.as_ref().map_or(0, |o| o.as_str().as_bytes()[0] as usize);
        sum += item.description.as_ref().map_or(0, |d| d.as_bytes()[0] as usize);
        sum += item.value.as_ref().map_or(0, |v| v.amount.scale() as usize);
        sum += item.net_mass_kg.map_or(0, |m| m.scale() as usize);
    }
    let it = &c.itinerary;
    sum +=
        it.place_of_loading.as_ref().and_then(|p| p.locode.as_ref()).map_or(0, |l| l.as_str().as_bytes()[0] as usize);
    sum +=
        it.place_of_loading.as_ref().and_then(|p| p.country.as_ref()).map_or(0, |l| l.as_str().as_bytes()[0] as usize);
    sum += it.country_of_dispatch.as_ref().map_or(0, |d| d.as_str().as_bytes()[0] as usize);
    sum += it.routing_countries.iter().map(|r| r.as_str().as_bytes()[0] as usize).sum::<usize>();
    std::hint::black_box(sum)
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// CPU time of this thread in seconds (from `/proc/thread-self/schedstat`), so that rates are per core even when
/// other processes share the machine.
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
    let ctx = workload::context(set, reference);
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
    let rounds: usize = std::env::var("BENCH_HOT").ok().and_then(|v| v.parse().ok()).unwrap_or(200_000);
    if rounds > 0 {
        let cpu_start = cpu_seconds();
        let mut signals = Signals::default();
        for i in 0..rounds {
            signals.hits.clear();
            ProfileIndicator.assess(&hot[i % hot.len()], &ctx, &mut signals);
        }
        println!(
            "profile indicator, 64 consignments cycled (warm caches): {:.0} evaluations per CPU-second",
            rounds as f64 / (cpu_seconds() - cpu_start)
        );
    }

    // 0b. The floor set by memory: only reading the fields the generated profiles test (and the reference, which
    // sampling hashes) of freshly generated consignments, in the order they were made, as the main loop does.
    // (Its own generator, so that the consignments and the model of the later sections stay as they were.)
    let mut touch_rng = Rng(0x2545_f491_4f6c_dd1d);
    let chunk: Vec<Consignment> = (0..CHUNK).map(|i| generate_consignment(&mut touch_rng, i)).collect();
    let cpu_start = cpu_seconds();
    let mut checksum = 0usize;
    for c in &chunk {
        checksum += touch(c);
    }
    println!(
        "reading the tested fields alone (fresh consignments): {:.0} ns CPU per consignment (checksum {checksum})",
        (cpu_seconds() - cpu_start) * 1e9 / CHUNK as f64
    );
    drop(chunk);

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

    // 1b. The profile indicator on consignments as they arrive: each one is generated just before it is assessed,
    // as the server assesses a submission right after parsing and validating it, so its own fields are in the
    // cache (the profile index, programs and hit records are not kept warm: a million consignments pass through).
    // Only the assessment is timed; its own generator leaves the later sections' consignments as they were.
    let mut arrival_rng = Rng(0x6a09_e667_f3bc_c908);
    let mut latencies: Vec<u32> = Vec::with_capacity(total);
    let mut timed = 0u128;
    let mut hits = 0usize;
    for i in 0..total {
        let c = generate_consignment(&mut arrival_rng, i);
        let t = Instant::now();
        signals.hits.clear();
        ProfileIndicator.assess(&c, &ctx, &mut signals);
        let spent = t.elapsed().as_nanos();
        hits += signals.hits.len();
        timed += spent;
        latencies.push(spent.min(u128::from(u32::MAX)) as u32);
    }
    latencies.sort_unstable();
    println!(
        "profile indicator, consignments as they arrive (each assessed right after it is made): {total} in {:.2} s = {:.0} evaluations per second; p50 {} ns, p99 {} ns, max {} ns; {:.2} hits per consignment",
        timed as f64 / 1e9,
        total as f64 / (timed as f64 / 1e9),
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
    if std::env::var_os("BENCH_ALL").is_some_and(|v| v == "0") {
        println!(
            "peak RSS: {} MiB (without the all-indicator section)",
            peak_rss_kib().map_or_else(|| "n/a".to_owned(), |k| format!("{:.1}", k as f64 / 1024.0))
        );
        return;
    }
    // 3. Whole assessments with every indicator: screening of every named party against the UN consolidated
    // list, strategic goods, arms embargoes and the learned model, on consignments with three named parties.
    let list_path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/watch-lists/un-sc-consolidated-2018.xml");
    let bytes = std::fs::read(list_path).expect("the UN list fixture");
    let list = aduana_screening::parse_list(&bytes, "un-sc").expect("the UN list parses");
    let version = format!("{}@{}", list.name, list.version);
    let entries = list.entries.len();
    let index = ScreeningIndex::build(&[list], NameRules::builtin());
    let weights = ScreeningWeights { party_match: 90.0, strategic_goods: 30.0, embargo: 30.0 };
    let controls = CorrelationTable::builtin();
    let started = Instant::now();
    let (model, trees) = train_model(&mut rng);
    let trained = started.elapsed();
    let mut ctx = ctx;
    ctx.indicators = vec![
        Arc::new(ScreeningIndicator::new(index, ScreeningConfig::recommended(), weights, version)),
        Arc::new(StrategicGoodsIndicator::new(controls.clone(), weights.strategic_goods)),
        Arc::new(EmbargoIndicator::new(EmbargoList::builtin(), controls, weights.embargo)),
        Arc::new(ModelIndicator::new(model, ModelPolicy { weight: 60.0, yellow_at: 0.5, red_at: 0.8 })),
    ];
    println!(
        "all indicators: UN list of {entries} entries indexed; model of {trees} trees trained in {:.1} s",
        trained.as_secs_f64()
    );
    let chunk: Vec<Consignment> = (0..whole.min(CHUNK))
        .map(|i| {
            let mut c = generate_consignment(&mut rng, i);
            name_parties(&mut rng, &mut c);
            c
        })
        .collect();
    let mut latencies: Vec<u32> = Vec::with_capacity(whole);
    let start = Instant::now();
    let cpu_start = cpu_seconds();
    let mut hits = [0usize; 3];
    for i in 0..whole {
        let c = &chunk[i % chunk.len()];
        let t = Instant::now();
        let a = aduana_risk::assess(c, &ctx);
        for h in &a.hits {
            match h.indicator.as_str() {
                "screening" => hits[0] += 1,
                "strategic_goods" | "embargo" => hits[1] += 1,
                "model" => hits[2] += 1,
                _ => {}
            }
        }
        latencies.push(t.elapsed().as_nanos().min(u128::from(u32::MAX)) as u32);
    }
    let elapsed = start.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu_start;
    latencies.sort_unstable();
    println!(
        "whole assessments, all indicators: {whole} in {elapsed:.2} s wall, {cpu:.2} s CPU = {:.0} assessments per CPU-second ({:.0}/s wall); p50 {} ns, p99 {} ns (wall); per consignment {:.3} screening, {:.3} strategic-goods/embargo, {:.3} model hits",
        whole as f64 / cpu,
        whole as f64 / elapsed,
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        hits[0] as f64 / whole as f64,
        hits[1] as f64 / whole as f64,
        hits[2] as f64 / whole as f64,
    );
    println!(
        "peak RSS: {} MiB",
        peak_rss_kib().map_or_else(|| "n/a".to_owned(), |k| format!("{:.1}", k as f64 / 1024.0))
    );
}
