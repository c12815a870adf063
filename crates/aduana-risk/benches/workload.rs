//! The generated workload of the risk benchmarks: 10,000 profiles in the proportions of a real set, consignments of
//! 1–3 goods items over ~5,800 HS subheadings, 30 countries and 400 ports, and a learned model trained on generated
//! declarations, and the risk context; shared by `profiles.rs` and `assessments.rs`, so that the whole-assessment
//! figures of both are for the same consignments and profiles.

use aduana_core::{
    Consignment, CountryCode, Direction, GoodsItem, HsCode, Money, Party, PartyIdentifier, PartyRole, Reference,
};

pub(crate) const PROFILES: usize = 10_000;
pub(crate) const COUNTRIES: &[&str] = &[
    "CN", "VN", "DE", "US", "JP", "KR", "IN", "TR", "MY", "TH", "ID", "BR", "MX", "GB", "FR", "IT", "NL", "BE", "PL",
    "ES", "AE", "SG", "PA", "HK", "TW", "PK", "BD", "ZA", "NG", "EG",
];

/// xorshift64*: a small deterministic generator.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    pub(crate) fn country(&mut self) -> &'static str {
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
pub(crate) fn generate_profiles(rng: &mut Rng) -> String {
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

pub(crate) fn generate_consignment(rng: &mut Rng, n: usize) -> Consignment {
    let mut c = Consignment::new(Reference::parse(&format!("BENCH{n:09}")).unwrap(), Direction::Import);
    c.itinerary.country_of_dispatch = Some(CountryCode::parse(rng.country()).unwrap());
    c.itinerary.routing_countries = (0..3).map(|_| CountryCode::parse(rng.country()).unwrap()).collect();
    c.itinerary.place_of_loading = Some(aduana_core::Place::locode(aduana_core::LoCode::parse(&locode(rng)).unwrap()));
    let mut party = Party::named(PartyRole::Importer, "Importer");
    party
        .identifiers
        .push(PartyIdentifier { scheme: "eori".into(), value: format!("XX{:08}", rng.below(100_000)).into() });
    c.parties.push(party);
    for s in 0..1 + rng.below(3) {
        let mut item = GoodsItem::new(s as u32 + 1);
        item.hs_code = Some(HsCode::parse(&subheading(rng)).unwrap());
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

/// Trains a model the size of the real one (up to 167 trees of 31 leaves) on generated declarations whose fraud
/// label follows under-valuation and one HS chapter × origin pair, with noise.
pub(crate) fn train_model(rng: &mut Rng) -> (aduana_learn::Model, usize) {
    let mut declarations = |n: usize, first: usize| -> Vec<Consignment> {
        (0..n)
            .map(|i| {
                let mut c = generate_consignment(rng, first + i);
                c.lodged_on = chrono::NaiveDate::from_ymd_opt(2025, 1, 1)
                    .and_then(|d| d.checked_add_signed(chrono::Duration::days(((first + i) / 40) as i64)));
                let item = &c.goods[0];
                let per_kg = item.value_per_kg().map_or(0.0, |v| v.to_string().parse::<f64>().unwrap_or(0.0));
                let hs = item.hs_code.as_ref().map_or("", |h| h.as_str());
                let origin = item.origin_country.as_ref().map_or("", |o| o.as_str());
                let fraud = (per_kg < 20.0 || (hs.starts_with("85") && origin == "CN")) != (rng.below(10) == 0);
                c.attributes.insert("fraud".into(), if fraud { "1" } else { "0" }.into());
                c
            })
            .collect()
    };
    let train = declarations(6_000, 0);
    let valid = declarations(1_500, 6_000);
    let config = aduana_learn::BoosterConfig {
        rounds: 167,
        patience: 167,
        learning_rate: 0.05,
        max_leaves: 31,
        min_leaf_rows: 20,
        lambda: 1.0,
        bins: 255,
    };
    let (model, report) = aduana_learn::train(&train, &valid, &config, &mut |_, _| {}).expect("the model trains");
    (model, report.trees)
}

/// CPU time of this thread in seconds (from `/proc/thread-self/schedstat`), so that rates are per core even when
/// other processes share the machine.
pub(crate) fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(f64::NAN, |ns| ns as f64 / 1e9)
}

pub(crate) fn percentile(sorted: &[u32], p: f64) -> u32 {
    sorted[((sorted.len() as f64 - 1.0) * p) as usize]
}

/// The risk context both benches assess with: the given profiles and reference data, a fixed policy and date, and
/// no indicators yet (each bench adds its own).
pub(crate) fn context(
    profiles: aduana_risk::ProfileSet,
    reference: aduana_risk::ReferenceData,
) -> aduana_risk::RiskContext {
    aduana_risk::RiskContext {
        profiles,
        aeo: aduana_risk::AeoRegister::default(),
        policy: aduana_risk::Policy {
            version: "bench".to_owned(),
            yellow_threshold: 30.0,
            red_threshold: 60.0,
            max_hits_green: 0,
            random_percent: aduana_risk::LaneRates { yellow: 2.0, red: 1.0 },
            random_seed: 1,
            aeo_weight: -30.0,
            finding_weight: 2.0,
            max_finding_weight: 10.0,
            capacity_percent: aduana_risk::LaneRates { yellow: 15.0, red: 5.0 },
        },
        reference,
        indicators: Vec::new(),
        as_of: chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap().and_hms_opt(0, 0, 0).unwrap(),
    }
}
