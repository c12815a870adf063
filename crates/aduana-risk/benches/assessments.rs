//! Whole assessments with every indicator (issue 10): validation, the 10,000 generated profiles, AEO, random
//! selection, party screening of three named parties against the UN consolidated list, strategic goods, arms
//! embargoes and a learned model, single thread, rates per CPU-second of the benchmark thread.
//!
//! Parties are drawn from fixed populations the way declarations name them: importers from 20,000 companies and
//! persons, exporters from 50,000, consignors the exporter in three cases out of five and otherwise one of another
//! 50,000; each population is drawn with a Zipf law (exponent 1: the n-th most frequent party appears 1/n as often
//! as the first), so the few regular traders recur and a long tail appears once. Names are made from the given
//! names and surnames of the yente US negatives (real names, none on the UN list), sector words and legal forms;
//! one exporter in 500 is the primary name of a random UN-list entry. The benchmark prints how many distinct
//! parties the run names.
//!
//! Reported: the cost of each indicator alone, then whole assessments with screening **uncached** (every party
//! screened) and **memoised** (`ScreeningIndicator::memoised`, starting empty, with its hit rate).
//!
//! Run: `cargo bench -p aduana-risk --bench assessments` (`BENCH_ASSESSMENTS` sets the number of consignments,
//! 100,000 by default; `BENCH_ONLY=uncached|memoised|indicators` runs one part, e.g. under callgrind;
//! `BENCH_PARTY_SCALE=<n>` multiplies the three populations by `n`, 1 by default, so that fewer parties recur and
//! the memo answers less often).

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

mod workload;

use std::collections::HashSet;
use std::sync::Arc;

use aduana_core::{Address, Consignment, CountryCode, Party, PartyRole};
use aduana_risk::{
    AeoIndicator, EmbargoIndicator, Indicator, ModelIndicator, ModelPolicy, ProfileIndicator, ProfileSet,
    ProfileSource, RandomSelection, ReferenceData, RiskContext, ScreeningIndicator, ScreeningWeights, Signals,
    StrategicGoodsIndicator, ValidationIndicator,
};
use aduana_screening::{CorrelationTable, EmbargoList, NameRules, ScreeningConfig, ScreeningIndex, WatchList};
use workload::{COUNTRIES, Rng, cpu_seconds, generate_consignment, generate_profiles, percentile, train_model};

const CHUNK: usize = 10_000;
/// Parties the memoised run remembers.
const MEMO_PARTIES: usize = 65_536;

const SECTORS: &[&str] = &[
    "Trading",
    "Logistics",
    "Import Export",
    "Shipping",
    "Industrial",
    "Global",
    "Pacific",
    "Textiles",
    "Electronics",
    "Foods",
    "Machinery",
    "Chemicals",
    "Auto Parts",
    "Furniture",
    "Steel",
    "Plastics",
    "Agro",
    "Pharma",
    "Marine",
    "Holdings",
];
const FORMS: &[&str] =
    &["Co Ltd", "Ltd", "LLC", "GmbH", "SA", "SRL", "BV", "Inc", "Corporation", "Pvt Ltd", "JSC", "Sdn Bhd", "AG", ""];

/// The names parties are made of.
struct Vocabulary {
    given: Vec<String>,
    surnames: Vec<String>,
    listed: Vec<String>,
}

/// One party of a population: a name and the country of its address.
#[derive(Clone)]
struct Member {
    name: String,
    country: &'static str,
}

/// A population of distinct parties drawn by a Zipf law.
struct Population {
    members: Vec<Member>,
    cumulative: Vec<f64>,
}

impl Population {
    /// `size` distinct parties, `companies` of them in a hundred companies, the rest persons.
    fn generate(rng: &mut Rng, words: &Vocabulary, size: usize, companies: u64) -> Population {
        let mut seen = HashSet::new();
        let mut members = Vec::with_capacity(size);
        while members.len() < size {
            let pick = |rng: &mut Rng, list: &[String]| list[rng.below(list.len() as u64) as usize].clone();
            let name = if rng.below(100) < companies {
                let form = FORMS[rng.below(FORMS.len() as u64) as usize];
                let sector = SECTORS[rng.below(SECTORS.len() as u64) as usize];
                format!("{} {sector} {form}", pick(rng, &words.surnames)).trim_end().to_owned()
            } else {
                format!("{} {}", pick(rng, &words.given), pick(rng, &words.surnames))
            };
            if seen.insert(name.clone()) {
                members.push(Member { name, country: rng.country() });
            }
        }
        let mut total = 0.0;
        let cumulative = (0..size)
            .map(|rank| {
                total += 1.0 / (rank as f64 + 1.0);
                total
            })
            .collect();
        Population { members, cumulative }
    }

    fn draw(&self, rng: &mut Rng) -> &Member {
        let total = self.cumulative.last().copied().unwrap_or(0.0);
        let target = (rng.next() >> 11) as f64 / (1u64 << 53) as f64 * total;
        let rank = self.cumulative.partition_point(|c| *c < target).min(self.members.len() - 1);
        &self.members[rank]
    }
}

fn vocabulary(list: &WatchList) -> Vocabulary {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../aduana-screening/test_data/yente/negatives_us.csv");
    let text = std::fs::read_to_string(path).expect("the yente negatives");
    let mut given = Vec::new();
    let mut surnames = Vec::new();
    for line in text.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        if let [_, first, _, last, ..] = fields.as_slice() {
            if !first.is_empty() && !last.is_empty() {
                given.push((*first).to_owned());
                surnames.push((*last).to_owned());
            }
        }
    }
    given.sort();
    given.dedup();
    surnames.sort();
    surnames.dedup();
    let listed = list.entries.iter().filter_map(|e| e.names.first()).map(|a| a.name.clone()).collect();
    Vocabulary { given, surnames, listed }
}

fn party(role: PartyRole, member: &Member) -> Party {
    let mut party = Party::named(role, &member.name);
    party.address = Some(Address { country: Some(CountryCode::parse(member.country).unwrap()), ..Address::default() });
    party
}

/// The parties of every consignment of the run.
struct Parties {
    importers: Population,
    exporters: Population,
    consignors: Population,
    listed: Vec<String>,
}

impl Parties {
    fn name(&self, rng: &mut Rng, c: &mut Consignment) {
        let importer = self.importers.draw(rng);
        c.parties[0].name = Some(importer.name.as_str().into());
        c.parties[0].address = party(PartyRole::Importer, importer).address;
        let exporter = if rng.below(500) == 0 {
            let name = &self.listed[rng.below(self.listed.len() as u64) as usize];
            Member { name: name.clone(), country: rng.country() }
        } else {
            self.exporters.draw(rng).clone()
        };
        let consignor = if rng.below(5) < 3 { exporter.clone() } else { self.consignors.draw(rng).clone() };
        c.parties.push(party(PartyRole::Exporter, &exporter));
        c.parties.push(party(PartyRole::Consignor, &consignor));
    }
}

/// Runs whole assessments over `total` consignments (the same seed each time) and prints the rate.
fn run(label: &str, ctx: &RiskContext, parties: &Parties, total: usize, distinct: &mut HashSet<String>) {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut latencies: Vec<u32> = Vec::with_capacity(total);
    let mut cpu = 0.0;
    let mut hits = [0usize; 3];
    let mut done = 0;
    while done < total {
        let n = CHUNK.min(total - done);
        let chunk: Vec<Consignment> = (0..n)
            .map(|i| {
                let mut c = generate_consignment(&mut rng, done + i);
                parties.name(&mut rng, &mut c);
                c
            })
            .collect();
        for c in &chunk {
            for p in &c.parties {
                if !distinct.contains(p.name.as_deref().unwrap_or_default()) {
                    distinct.insert(p.name.as_deref().unwrap_or_default().to_owned());
                }
            }
        }
        let cpu_start = cpu_seconds();
        for c in &chunk {
            let t = std::time::Instant::now();
            let a = aduana_risk::assess(c, ctx);
            latencies.push(t.elapsed().as_nanos().min(u128::from(u32::MAX)) as u32);
            for h in &a.hits {
                match h.indicator.as_str() {
                    "screening" => hits[0] += 1,
                    "strategic_goods" | "embargo" => hits[1] += 1,
                    "model" => hits[2] += 1,
                    _ => {}
                }
            }
        }
        cpu += cpu_seconds() - cpu_start;
        done += n;
    }
    latencies.sort_unstable();
    println!(
        "whole assessments, all indicators, {label}: {total} in {cpu:.2} s CPU = {:.0} per CPU-second ({:.1} µs each); \
         p50 {} ns, p99 {} ns (wall); per consignment {:.4} screening, {:.4} strategic-goods/embargo, {:.4} model hits",
        total as f64 / cpu,
        cpu * 1e6 / total as f64,
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        hits[0] as f64 / total as f64,
        hits[1] as f64 / total as f64,
        hits[2] as f64 / total as f64,
    );
}

/// Prints the CPU cost of each indicator alone over the same consignments.
fn indicators(ctx: &RiskContext, parties: &Parties, total: usize) {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let chunk: Vec<Consignment> = (0..total.min(CHUNK))
        .map(|i| {
            let mut c = generate_consignment(&mut rng, i);
            parties.name(&mut rng, &mut c);
            c
        })
        .collect();
    let built_in: [&dyn Indicator; 4] = [&ValidationIndicator, &ProfileIndicator, &AeoIndicator, &RandomSelection];
    let mut sum = 0.0;
    for indicator in built_in.into_iter().chain(ctx.indicators.iter().map(|i| &**i)) {
        let mut signals = Signals::default();
        let cpu_start = cpu_seconds();
        for c in &chunk {
            signals.hits.clear();
            signals.findings.clear();
            indicator.assess(c, ctx, &mut signals);
        }
        let each = (cpu_seconds() - cpu_start) * 1e6 / chunk.len() as f64;
        sum += each;
        println!("  indicator {:<16} {each:>8.2} µs CPU per consignment", indicator.name());
    }
    let cpu_start = cpu_seconds();
    for c in &chunk {
        std::hint::black_box(aduana_risk::assess(c, ctx));
    }
    let whole = (cpu_seconds() - cpu_start) * 1e6 / chunk.len() as f64;
    println!(
        "  whole assessment {whole:.2} µs CPU per consignment; indicators alone {sum:.2} µs, the rest (versions, \
         scoring, the assessment) {:.2} µs ({} consignments)",
        whole - sum,
        chunk.len()
    );
}

fn main() {
    let total: usize = std::env::var("BENCH_ASSESSMENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let only = std::env::var("BENCH_ONLY").ok();
    let wanted = |part: &str| only.as_deref().is_none_or(|o| o == part);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let text = generate_profiles(&mut rng);
    let profiles = ProfileSet::compile(&[ProfileSource { name: "generated.profile", text: &text }])
        .expect("generated profiles compile");
    let mut reference = ReferenceData::default();
    for chapter in 1..=97 {
        reference.norms.insert(&format!("{chapter:02}"), "USD", 10.0 + chapter as f64);
    }
    let list_path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/watch-lists/un-sc-consolidated-2018.xml");
    let bytes = std::fs::read(list_path).expect("the UN list fixture");
    let list = aduana_screening::parse_list(&bytes, "un-sc").expect("the UN list parses");
    let version = format!("{}@{}", list.name, list.version);
    let words = vocabulary(&list);
    let scale: usize = std::env::var("BENCH_PARTY_SCALE").ok().and_then(|v| v.parse().ok()).unwrap_or(1).max(1);
    let parties = Parties {
        importers: Population::generate(&mut rng, &words, 20_000 * scale, 90),
        exporters: Population::generate(&mut rng, &words, 50_000 * scale, 70),
        consignors: Population::generate(&mut rng, &words, 50_000 * scale, 70),
        listed: words.listed.clone(),
    };
    println!(
        "parties: {} given names, {} surnames; populations of {} importers, {} exporters, {} consignors (Zipf, \
         exponent 1); {} countries",
        words.given.len(),
        words.surnames.len(),
        20_000 * scale,
        50_000 * scale,
        50_000 * scale,
        COUNTRIES.len()
    );
    let index = ScreeningIndex::build(&[list], NameRules::builtin());
    let weights = ScreeningWeights { party_match: 90.0, strategic_goods: 30.0, embargo: 30.0 };
    let controls = CorrelationTable::builtin();
    let (model, trees) = train_model(&mut rng);
    let screening = ScreeningIndicator::new(index, ScreeningConfig::recommended(), weights, version);
    let others: Vec<Arc<dyn Indicator>> = vec![
        Arc::new(StrategicGoodsIndicator::new(controls.clone(), weights.strategic_goods)),
        Arc::new(EmbargoIndicator::new(EmbargoList::builtin(), controls, weights.embargo)),
        Arc::new(ModelIndicator::new(model, ModelPolicy { weight: 60.0, yellow_at: 0.5, red_at: 0.8 })),
    ];
    let mut ctx = workload::context(profiles, reference);
    println!("{} profiles; model of {trees} trees", ctx.profiles.len());
    let screening = Arc::new(screening);
    ctx.indicators = std::iter::once(screening.clone() as Arc<dyn Indicator>).chain(others.iter().cloned()).collect();
    if wanted("indicators") {
        indicators(&ctx, &parties, total);
    }
    let mut distinct = HashSet::new();
    if wanted("uncached") {
        run("uncached screening", &ctx, &parties, total, &mut distinct);
    }
    if wanted("memoised") {
        drop(ctx.indicators);
        let screening = Arc::into_inner(screening).expect("the only reference").memoised(MEMO_PARTIES);
        let screening = Arc::new(screening);
        ctx.indicators = std::iter::once(screening.clone() as Arc<dyn Indicator>).chain(others).collect();
        run(&format!("memoised screening ({MEMO_PARTIES} parties)"), &ctx, &parties, total, &mut distinct);
        let stats = screening.memo_stats().expect("a memo");
        println!(
            "memo: {} lookups, {} answered ({:.1} %), {} parties remembered at the end",
            stats.lookups,
            stats.hits,
            stats.hits as f64 * 100.0 / stats.lookups.max(1) as f64,
            stats.entries
        );
    }
    println!("distinct party names in the run: {}", distinct.len());
}
