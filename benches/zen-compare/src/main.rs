//! Aduana's profile indicator against GoRules' `zen-engine` on the same 10,000 rules, in the same run, one thread.
//!
//! The rules are generated once as data (`Rule`) and written twice: as Aduana profile text, and as one zen
//! decision table (hit policy `collect`, one row per profile, output `id`). zen-engine has no notion of goods
//! items, so it evaluates the table once per goods item with the consignment-level fields copied into the item,
//! which is what Aduana's `goods.*` semantics mean (a profile matches when its whole condition holds for one item).
//! Before timing, both engines must select exactly the same profiles for the first consignments.
//!
//! The zen table is written three ways, and each is timed:
//! - `unary`: one column per field with unary cells as an analyst writes them in the JDM editor
//!   (`startsWith($, "8517")`, `"CN", "VN"`, `> 1000`, `some($, # in ["CN"])`, `matches($, "…")`);
//! - `indexed`: the same, but HS prefixes turned into equality on precomputed `hs4` / `hs6` input fields, so that
//!   zen-engine's own table index (equality and `in` cells) narrows the rows, and the regular expression (which
//!   zen-engine compiles on every call) spelt as `contains` on the lower-cased description;
//! - `expression`: one column per rule holding the whole condition as a standard expression.
//!
//! Run: `cargo run --release --manifest-path benches/zen-compare/Cargo.toml` (`ZEN_CONSIGNMENTS`,
//! `ADUANA_CONSIGNMENTS` change the counts; `ZEN_ONLY=indexed` runs one formulation).

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Instant;

use aduana_core::{
    Consignment, CountryCode, Direction, GoodsItem, HsCode, LoCode, Money, Party, PartyIdentifier, PartyRole, Place,
    Reference,
};
use aduana_risk::{
    AeoRegister, Indicator, LaneRates, Policy, ProfileIndicator, ProfileSet, ProfileSource, ReferenceData, RiskContext,
    Signals,
};
use serde_json::{Value, json};
use zen_engine::Decision;
use zen_engine::model::GraphContent;

const PROFILES: usize = 10_000;
const COUNTRIES: &[&str] = &[
    "CN", "VN", "DE", "US", "JP", "KR", "IN", "TR", "MY", "TH", "ID", "BR", "MX", "GB", "FR", "IT", "NL", "BE", "PL",
    "ES", "AE", "SG", "PA", "HK", "TW", "PK", "BD", "ZA", "NG", "EG",
];
const WORDS: &[&str] = &["battery", "spare parts", "garments"];

/// xorshift64*: the benchmark's deterministic generator (the same as `aduana-risk`'s `profiles` bench).
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
    fn heading(&mut self) -> String {
        let chapter = 1 + self.below(97);
        let heading = 1 + self.below(12);
        format!("{chapter:02}{heading:02}")
    }
    fn subheading(&mut self) -> String {
        format!("{}{:02}", self.heading(), self.below(5) * 10)
    }
    fn locode(&mut self) -> String {
        let n = self.below(400);
        format!(
            "{}{}",
            COUNTRIES[(n % 30) as usize],
            ["AAA", "BBB", "CCC", "DDD", "EEE", "FFF", "GGG", "HHH", "JJJ", "KKK", "LLL", "MMM", "NNN", "PPP"]
                [(n / 30) as usize]
        )
    }
}

/// One generated rule, in the proportions of `aduana-risk`'s `profiles` bench.
enum Rule {
    /// `goods.value > v and goods.net_mass < m` (no indexable test: 0.1 %).
    ValueMass { value: u64, mass: u64 },
    /// `goods.hs_code = h and goods.unit_price_ratio < 0.r` (10 %).
    HsRatio { hs: String, ratio: u64 },
    /// `loading = l and route in [a, b] and goods.value > 1000` (10 %).
    LoadingRoute { loading: String, route: [&'static str; 2] },
    /// `goods.hs_code prefix h and goods.description matches "counterfeit|replica|w"` (10 %).
    HeadingText { heading: String, word: &'static str },
    /// `goods.hs_code prefix [a, b] and goods.origin in [x, y, z]` (70 %).
    HsOrigin { prefixes: [String; 2], origins: [&'static str; 3] },
}

fn generate_rules(rng: &mut Rng) -> Vec<Rule> {
    (0..PROFILES)
        .map(|i| match i % 1000 {
            0 => Rule::ValueMass { value: 50_000 + rng.below(900_000), mass: 1 + rng.below(50) },
            1..=100 => Rule::HsRatio { hs: rng.subheading(), ratio: 1 + rng.below(5) },
            101..=200 => Rule::LoadingRoute { loading: rng.locode(), route: [rng.country(), rng.country()] },
            201..=300 => Rule::HeadingText { heading: rng.heading(), word: WORDS[rng.below(3) as usize] },
            _ => Rule::HsOrigin {
                prefixes: [rng.subheading(), rng.subheading()],
                origins: [rng.country(), rng.country(), rng.country()],
            },
        })
        .collect()
}

fn id(i: usize) -> String {
    format!("GEN-{i:05}")
}

fn aduana_text(rules: &[Rule]) -> String {
    let mut text = String::new();
    for (i, rule) in rules.iter().enumerate() {
        let when = match rule {
            Rule::ValueMass { value, mass } => format!("goods.value > {value} and goods.net_mass < {mass}"),
            Rule::HsRatio { hs, ratio } => format!("goods.hs_code = {hs} and goods.unit_price_ratio < 0.{ratio}"),
            Rule::LoadingRoute { loading, route } => {
                format!("loading = {loading} and route in [{}, {}] and goods.value > 1000", route[0], route[1])
            }
            Rule::HeadingText { heading, word } => {
                format!("goods.hs_code prefix {heading} and goods.description matches \"counterfeit|replica|{word}\"")
            }
            Rule::HsOrigin { prefixes, origins } => format!(
                "goods.hs_code prefix [{}, {}] and goods.origin in [{}, {}, {}]",
                prefixes[0], prefixes[1], origins[0], origins[1], origins[2]
            ),
        };
        // Sampling at 100 %: every match is a selecting hit, as in the decision table.
        writeln!(
            text,
            "profile {} {{\n title: \"generated {i}\"\n rationale: \"generated profile\"\n owner: \"bench\"\n \
             valid: 2020-01-01 to open\n version: 1\n weight: 10\n severity: medium\n lane: red\n select: 100%\n when: {when}\n}}",
            id(i)
        )
        .unwrap();
    }
    text
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Formulation {
    Unary,
    Indexed,
    Expression,
}

impl Formulation {
    fn name(self) -> &'static str {
        match self {
            Formulation::Unary => "unary",
            Formulation::Indexed => "indexed",
            Formulation::Expression => "expression",
        }
    }
}

fn quoted(values: &[&str]) -> String {
    values.iter().map(|v| format!("\"{v}\"")).collect::<Vec<_>>().join(", ")
}

/// The cells of one rule, by input column, in a formulation.
fn cells(rule: &Rule, how: Formulation) -> Vec<(&'static str, String)> {
    let regex = |word: &str| format!("\"(?i)counterfeit|replica|{word}\"");
    match how {
        Formulation::Unary | Formulation::Indexed => match rule {
            Rule::ValueMass { value, mass } => vec![("value", format!("> {value}")), ("net_mass", format!("< {mass}"))],
            Rule::HsRatio { hs, ratio } => vec![("hs", format!("\"{hs}\"")), ("ratio", format!("< 0.{ratio}"))],
            Rule::LoadingRoute { loading, route } => vec![
                ("loading", format!("\"{loading}\"")),
                ("route", format!("some($, # in [{}])", quoted(route))),
                ("value", "> 1000".to_owned()),
            ],
            Rule::HeadingText { heading, word } => {
                let hs = if how == Formulation::Indexed {
                    ("hs4", format!("\"{heading}\""))
                } else {
                    ("hs", format!("startsWith($, \"{heading}\")"))
                };
                // zen-engine compiles a `matches` pattern on every call; the indexed formulation spells the
                // alternation of words as `contains` on the lower-cased text instead (the same test on ASCII text).
                let text = if how == Formulation::Indexed {
                    ["counterfeit", "replica", word].map(|w| format!("contains(lower($), \"{w}\")")).join(" or ")
                } else {
                    format!("matches($, {})", regex(word))
                };
                vec![hs, ("description", text)]
            }
            Rule::HsOrigin { prefixes, origins } => {
                let hs = if how == Formulation::Indexed {
                    ("hs6", quoted(&[&prefixes[0], &prefixes[1]]))
                } else {
                    ("hs", format!("startsWith($, \"{}\") or startsWith($, \"{}\")", prefixes[0], prefixes[1]))
                };
                vec![hs, ("origin", quoted(origins))]
            }
        },
        Formulation::Expression => {
            let condition = match rule {
                Rule::ValueMass { value, mass } => format!("value > {value} and net_mass < {mass}"),
                Rule::HsRatio { hs, ratio } => format!("hs == \"{hs}\" and ratio != null and ratio < 0.{ratio}"),
                Rule::LoadingRoute { loading, route } => {
                    format!("loading == \"{loading}\" and some(route, # in [{}]) and value > 1000", quoted(route))
                }
                Rule::HeadingText { heading, word } => {
                    format!("startsWith(hs, \"{heading}\") and matches(description, {})", regex(word))
                }
                Rule::HsOrigin { prefixes, origins } => format!(
                    "(startsWith(hs, \"{}\") or startsWith(hs, \"{}\")) and origin in [{}]",
                    prefixes[0],
                    prefixes[1],
                    quoted(origins)
                ),
            };
            vec![("condition", condition)]
        }
    }
}

fn decision(rules: &[Rule], how: Formulation) -> Decision {
    let columns: &[&str] = match how {
        Formulation::Unary => &["hs", "origin", "value", "net_mass", "ratio", "description", "loading", "route"],
        Formulation::Indexed => {
            &["hs6", "hs4", "hs", "origin", "value", "net_mass", "ratio", "description", "loading", "route"]
        }
        Formulation::Expression => &["condition"],
    };
    let inputs: Vec<Value> = columns
        .iter()
        .map(|c| {
            if *c == "condition" {
                json!({ "id": format!("in_{c}"), "name": c })
            } else {
                json!({ "id": format!("in_{c}"), "name": c, "field": c })
            }
        })
        .collect();
    let rows: Vec<Value> = rules
        .iter()
        .enumerate()
        .map(|(i, rule)| {
            let mut row = serde_json::Map::new();
            row.insert("_id".to_owned(), json!(format!("r{i}")));
            for (column, cell) in cells(rule, how) {
                row.insert(format!("in_{column}"), json!(cell));
            }
            row.insert("out_id".to_owned(), json!(format!("\"{}\"", id(i))));
            Value::Object(row)
        })
        .collect();
    let content = json!({
        "nodes": [
            { "id": "request", "name": "request", "type": "inputNode" },
            { "id": "profiles", "name": "profiles", "type": "decisionTableNode", "content": {
                "hitPolicy": "collect",
                "inputs": inputs,
                "outputs": [{ "id": "out_id", "name": "id", "field": "id" }],
                "rules": rows,
            }},
            { "id": "response", "name": "response", "type": "outputNode" },
        ],
        "edges": [
            { "id": "e1", "sourceId": "request", "targetId": "profiles" },
            { "id": "e2", "sourceId": "profiles", "targetId": "response" },
        ],
    });
    let content: GraphContent = serde_json::from_value(content).expect("a valid decision model");
    let mut decision = Decision::from(Arc::new(content));
    decision.compile();
    decision
}

fn generate_consignment(rng: &mut Rng, n: usize) -> Consignment {
    let mut c = Consignment::new(Reference::parse(&format!("BENCH{n:09}")).unwrap(), Direction::Import);
    c.itinerary.country_of_dispatch = Some(CountryCode::parse(rng.country()).unwrap());
    c.itinerary.routing_countries = (0..3).map(|_| CountryCode::parse(rng.country()).unwrap()).collect();
    c.itinerary.place_of_loading = Some(Place::locode(LoCode::parse(&rng.locode()).unwrap()));
    let mut party = Party::named(PartyRole::Importer, "Importer");
    party
        .identifiers
        .push(PartyIdentifier { scheme: "eori".into(), value: format!("XX{:08}", rng.below(100_000)).into() });
    c.parties.push(party);
    for s in 0..1 + rng.below(3) {
        let mut item = GoodsItem::new(s as u32 + 1);
        item.hs_code = Some(HsCode::parse(&rng.subheading()).unwrap());
        item.origin_country = Some(CountryCode::parse(rng.country()).unwrap());
        item.description = Some(
            ["cotton garments", "replica watches", "spare parts for engines", "battery packs"][rng.below(4) as usize]
                .into(),
        );
        item.net_mass_kg = Some((1 + rng.below(5_000)).into());
        item.value = Some(Money { amount: (10 + rng.below(2_000_000)).into(), currency: "USD".parse().unwrap() });
        c.goods.push(item);
    }
    c
}

/// The norm of value per kilogram: 10 + the HS chapter, in USD (as the bench's reference data).
fn norm(hs: &str) -> f64 {
    10.0 + hs[..2].parse::<f64>().unwrap()
}

fn decimal(d: rust_decimal::Decimal) -> f64 {
    d.to_string().parse().unwrap()
}

/// The zen input for each goods item: the item's fields and the consignment's, as the table's columns read them.
fn zen_inputs(c: &Consignment) -> Vec<zen_engine::Variable> {
    let it = &c.itinerary;
    let mut route: Vec<&str> = Vec::new();
    route.extend(it.country_of_dispatch.as_ref().map(|x| x.as_str()));
    for place in [
        &it.place_of_acceptance,
        &it.place_of_loading,
        &it.first_place_of_entry,
        &it.place_of_discharge,
        &it.place_of_delivery,
    ] {
        route.extend(place.as_ref().and_then(|p| p.country.as_ref()).map(|x| x.as_str()));
    }
    route.extend(it.routing_countries.iter().map(|x| x.as_str()));
    route.extend(it.country_of_destination.as_ref().map(|x| x.as_str()));
    let loading = it.place_of_loading.as_ref().and_then(|p| p.locode.as_ref()).map(|l| l.as_str());
    c.goods
        .iter()
        .map(|item| {
            let hs = item.hs_code.as_ref().map_or("", |h| h.as_str());
            let value = item.value.as_ref().map(|v| decimal(v.amount));
            let ratio = item.value_per_kg().map(|per_kg| decimal(per_kg) / norm(hs));
            json!({
                "hs": hs,
                "hs4": hs.get(..4),
                "hs6": hs.get(..6),
                "origin": item.origin_country.as_ref().map(|o| o.as_str()),
                "value": value,
                "net_mass": item.net_mass_kg.map(decimal),
                "ratio": ratio,
                "description": item.description,
                "loading": loading,
                "route": route,
            })
            .into()
        })
        .collect()
}

/// CPU time of this thread in seconds (from `/proc/thread-self/schedstat`).
fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(f64::NAN, |ns| ns as f64 / 1e9)
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(f64::NAN);
    kib / 1024.0
}

fn percentile(sorted: &[u32], p: f64) -> u32 {
    sorted[((sorted.len() as f64 - 1.0) * p) as usize]
}

fn context(set: ProfileSet) -> RiskContext {
    let mut reference = ReferenceData::default();
    for chapter in 1..=97 {
        reference.norms.insert(&format!("{chapter:02}"), "USD", 10.0 + f64::from(chapter));
    }
    RiskContext {
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
    }
}

fn aduana_ids(c: &Consignment, ctx: &RiskContext, signals: &mut Signals) -> BTreeSet<String> {
    signals.hits.clear();
    ProfileIndicator.assess(c, ctx, signals);
    signals.hits.iter().map(|h| h.id.to_string()).collect()
}

fn zen_ids(
    decision: &Decision,
    runtime: &tokio::runtime::Runtime,
    inputs: Vec<zen_engine::Variable>,
) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    for input in inputs {
        let response = runtime.block_on(decision.evaluate(input)).expect("zen evaluates");
        if let Some(rows) = response.result.as_array() {
            for row in rows.borrow().iter() {
                if let Some(id) = row.dot("id").and_then(|v| v.as_str().map(str::to_owned)) {
                    ids.insert(id);
                }
            }
        }
    }
    ids
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() {
    let aduana_total = env_usize("ADUANA_CONSIGNMENTS", 1_000_000);
    let zen_total = env_usize("ZEN_CONSIGNMENTS", 20_000);
    let only = std::env::var("ZEN_ONLY").ok();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let rules = generate_rules(&mut rng);
    let text = aduana_text(&rules);
    let started = Instant::now();
    let set = ProfileSet::compile(&[ProfileSource { name: "generated.profile", text: &text }]).expect("compiles");
    println!("aduana: {} profiles compiled in {:.0} ms", set.len(), started.elapsed().as_secs_f64() * 1e3);
    let ctx = context(set);
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("a runtime");
    let formulations: Vec<Formulation> = [Formulation::Unary, Formulation::Indexed, Formulation::Expression]
        .into_iter()
        .filter(|f| only.as_deref().is_none_or(|o| o == f.name()))
        .collect();
    let decisions: Vec<(Formulation, Decision)> = formulations
        .iter()
        .map(|&how| {
            let started = Instant::now();
            let d = decision(&rules, how);
            println!(
                "zen {}: table of {} rows built and compiled in {:.0} ms",
                how.name(),
                rules.len(),
                started.elapsed().as_secs_f64() * 1e3
            );
            (how, d)
        })
        .collect();

    // Both engines must select the same profiles.
    let check: Vec<Consignment> = (0..2_000).map(|i| generate_consignment(&mut rng, i)).collect();
    let mut signals = Signals::default();
    let mut matched = 0;
    for (how, decision) in &decisions {
        for c in &check {
            let a = aduana_ids(c, &ctx, &mut signals);
            let z = zen_ids(decision, &runtime, zen_inputs(c));
            assert_eq!(a, z, "zen {} and Aduana disagree on {}", how.name(), c.reference.as_str());
            matched += a.len();
        }
    }
    println!(
        "agreement: both engines select the same profiles for {} consignments ({} matches)",
        check.len(),
        matched / decisions.len().max(1)
    );

    // Aduana: the profile indicator (hits with evidence and reasons), one thread.
    let mut latencies = Vec::with_capacity(aduana_total);
    let mut cpu = 0.0;
    let mut done = 0;
    while done < aduana_total {
        let n = 50_000.min(aduana_total - done);
        let chunk: Vec<Consignment> = (0..n).map(|i| generate_consignment(&mut rng, done + i)).collect();
        let cpu_start = cpu_seconds();
        for c in &chunk {
            let t = Instant::now();
            signals.hits.clear();
            ProfileIndicator.assess(c, &ctx, &mut signals);
            std::hint::black_box(&signals.hits);
            latencies.push(t.elapsed().as_nanos().min(u128::from(u32::MAX)) as u32);
        }
        cpu += cpu_seconds() - cpu_start;
        done += n;
    }
    latencies.sort_unstable();
    let aduana_rate = aduana_total as f64 / cpu;
    println!(
        "aduana: {aduana_total} consignments, {cpu:.2} s CPU = {aduana_rate:.0} per CPU-second; p50 {} ns, p99 {} ns (wall)",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99)
    );

    // zen-engine: the same consignments' goods items through the decision table, one thread.
    let mut best = 0f64;
    for (how, decision) in &decisions {
        let consignments: Vec<Consignment> = (0..zen_total).map(|i| generate_consignment(&mut rng, i)).collect();
        let inputs: Vec<Vec<zen_engine::Variable>> = consignments.iter().map(zen_inputs).collect();
        let mut latencies = Vec::with_capacity(zen_total);
        let cpu_start = cpu_seconds();
        for items in inputs {
            let t = Instant::now();
            for input in items {
                std::hint::black_box(runtime.block_on(decision.evaluate(input)).expect("zen evaluates"));
            }
            latencies.push(t.elapsed().as_nanos().min(u128::from(u32::MAX)) as u32);
        }
        let cpu = cpu_seconds() - cpu_start;
        latencies.sort_unstable();
        let rate = zen_total as f64 / cpu;
        best = best.max(rate);
        println!(
            "zen {}: {zen_total} consignments, {cpu:.2} s CPU = {rate:.0} per CPU-second; p50 {} ns, p99 {} ns (wall); Aduana is {:.1}x faster",
            how.name(),
            percentile(&latencies, 0.5),
            percentile(&latencies, 0.99),
            aduana_rate / rate
        );
    }
    if best > 0.0 {
        println!("aduana against zen-engine's best formulation: {:.1}x", aduana_rate / best);
    }
    println!("peak RSS: {:.0} MiB", peak_rss_mib());
}
