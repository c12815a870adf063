//! Features of one declaration: what it says (codes, value, mass, rates) and what its history says (smoothed past
//! fraud rates of its HS code, origin, parties and their combinations). History features of a row are computed
//! only from rows lodged on earlier days, so nothing leaks from the future.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use aduana_core::{Consignment, Decimal, PartyRole};
use serde::{Deserialize, Serialize};

/// The keys past fraud rates are kept for: one entry per kind, each a tuple of declaration facts.
pub(crate) const PROFILES: &[(&str, &[Fact])] = &[
    ("hs6", &[Fact::Hs6]),
    ("hs4", &[Fact::Hs4]),
    ("hs2", &[Fact::Hs2]),
    ("origin", &[Fact::Origin]),
    ("dispatch", &[Fact::Dispatch]),
    ("hs6_origin", &[Fact::Hs6, Fact::Origin]),
    ("hs6_tax_type", &[Fact::Hs6, Fact::TaxType]),
    ("hs6_dispatch", &[Fact::Hs6, Fact::Dispatch]),
    ("hs6_origin_tax_type", &[Fact::Hs6, Fact::Origin, Fact::TaxType]),
    ("hs4_origin", &[Fact::Hs4, Fact::Origin]),
    ("hs6_office", &[Fact::Hs6, Fact::Office]),
    ("origin_tax_type", &[Fact::Origin, Fact::TaxType]),
    ("importer", &[Fact::Importer]),
    ("declarant", &[Fact::Declarant]),
    ("seller", &[Fact::Seller]),
    ("courier", &[Fact::Courier]),
    ("office", &[Fact::Office]),
    ("tax_type", &[Fact::TaxType]),
    ("process_type", &[Fact::ProcessType]),
    ("import_type", &[Fact::ImportType]),
    ("import_use", &[Fact::ImportUse]),
    ("payment_type", &[Fact::PaymentType]),
    ("transport_mode", &[Fact::Mode]),
    ("origin_indicator", &[Fact::OriginIndicator]),
    ("declarant_hs6", &[Fact::Declarant, Fact::Hs6]),
    ("importer_hs6", &[Fact::Importer, Fact::Hs6]),
];

/// The plain numeric features, before the two per profile (rate, log count).
pub(crate) const NUMERIC: &[&str] = &[
    "log_value",
    "log_net_mass",
    "log_unit_price",
    "unit_price_vs_hs_norm",
    "tax_rate",
    "log_duty_at_stake",
    "hs2_code",
    "hs4_code",
    "hs6_code",
    "origin_differs_from_dispatch",
    "has_courier",
    "has_seller",
    "importer_declarations",
];

/// One fact of a declaration that profiles are keyed by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fact {
    Hs6,
    Hs4,
    Hs2,
    Origin,
    Dispatch,
    Office,
    Importer,
    Declarant,
    Seller,
    Courier,
    TaxType,
    ProcessType,
    ImportType,
    ImportUse,
    PaymentType,
    Mode,
    OriginIndicator,
}

/// Returns the names of every feature, in vector order: the model file's feature schema.
pub fn feature_names() -> Vec<String> {
    let mut names: Vec<String> = NUMERIC.iter().map(|n| (*n).to_owned()).collect();
    for (profile, _) in PROFILES {
        names.push(format!("{profile}_fraud_rate"));
        names.push(format!("{profile}_log_count"));
    }
    names
}

/// The facts of one declaration the features are made from, borrowed from its consignment.
#[derive(Debug, Clone)]
pub(crate) struct Row<'a> {
    pub(crate) facts: [&'a str; 17],
    pub(crate) value: f64,
    pub(crate) net_mass: f64,
    pub(crate) tax_rate: f64,
    pub(crate) label: Option<bool>,
}

impl<'a> Row<'a> {
    /// Takes the facts from a consignment as the KCS reader maps it; missing facts are empty strings.
    pub(crate) fn of(consignment: &'a Consignment) -> Row<'a> {
        let item = consignment.goods.first();
        let hs6 = item.and_then(|g| g.hs_code.as_ref()).map_or("", |h| h.as_str());
        let party = |role| consignment.party(role).and_then(|p| p.identifiers.first()).map_or("", |i| i.value.as_str());
        let attribute = |key: &str| consignment.attributes.get(key).map_or("", aduana_core::Text::as_str);
        let facts = [
            hs6,
            hs6.get(..4).unwrap_or(hs6),
            hs6.get(..2).unwrap_or(hs6),
            item.and_then(|g| g.origin_country.as_ref()).map_or_else(|| attribute("country_of_origin"), |c| c.as_str()),
            consignment
                .itinerary
                .country_of_dispatch
                .as_ref()
                .map_or_else(|| attribute("country_of_departure"), |c| c.as_str()),
            consignment.customs_office.as_deref().unwrap_or(""),
            party(PartyRole::Importer),
            party(PartyRole::Declarant),
            party(PartyRole::Seller),
            party(PartyRole::Courier),
            item.and_then(|g| g.duty.as_ref()).and_then(|d| d.tariff_type.as_deref()).unwrap_or(""),
            attribute("process_type"),
            attribute("import_type"),
            attribute("import_use"),
            attribute("payment_type"),
            attribute("transport_mode_code"),
            attribute("origin_indicator"),
        ];
        let number = |d: Option<Decimal>| d.and_then(|d| f64::try_from(d).ok()).unwrap_or(0.0);
        Row {
            facts,
            value: number(item.and_then(|g| g.value.as_ref()).map(|m| m.amount)),
            net_mass: number(item.and_then(|g| g.net_mass_kg)),
            tax_rate: number(item.and_then(|g| g.duty.as_ref()).and_then(|d| d.rate_percent)),
            label: match consignment.attributes.get("fraud").map(aduana_core::Text::as_str) {
                Some("1") => Some(true),
                Some("0") => Some(false),
                _ => None,
            },
        }
    }

    pub(crate) fn fact(&self, fact: Fact) -> &'a str {
        self.facts[fact as usize]
    }

    /// The key of a profile for this row, or `None` when one of its facts is missing.
    pub(crate) fn key(&self, facts: &[Fact]) -> Option<String> {
        let mut key = String::with_capacity(24);
        self.key_into(facts, &mut key).then_some(key)
    }

    /// Writes the key of a profile into `key`; returns `false` when one of its facts is missing.
    pub(crate) fn key_into(&self, facts: &[Fact], key: &mut String) -> bool {
        key.clear();
        for (i, fact) in facts.iter().enumerate() {
            let value = self.fact(*fact);
            if value.is_empty() {
                return false;
            }
            if i > 0 {
                key.push('|');
            }
            key.push_str(value);
        }
        true
    }

    pub(crate) fn unit_price(&self) -> Option<f64> {
        (self.net_mass > 0.0).then(|| self.value / self.net_mass)
    }
}

/// Inspection outcomes seen so far, per profile key: how many declarations and how many of them fraudulent. The
/// history a model was trained with travels in the model file; newer examination results can be added to it.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    tables: Vec<Table>,
    /// Declarations seen and fraudulent, over all keys: the prior of every smoothed rate.
    total: Counts,
}

/// One profile's counts by key. Keys are short ASCII ids, so a simple multiplicative hash is enough and keeps
/// scoring fast; it is not exposed to untrusted keys chosen to collide beyond what a model file holds.
type Table = HashMap<String, Counts, BuildHasherDefault<KeyHasher>>;

/// The FxHash function (rustc's): a rotate, xor and multiply per 8 bytes.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        for byte in chunks.remainder() {
            self.add(u64::from(*byte));
        }
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

impl KeyHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// A count of declarations and of frauds among them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Counts {
    /// Declarations with a known outcome.
    pub seen: u32,
    /// Of which fraudulent.
    pub fraud: u32,
}

impl Default for History {
    fn default() -> History {
        History::new()
    }
}

/// The index of the importer profile in [`PROFILES`], for the importer's declaration count.
const IMPORTER_PROFILE: usize = 12;

impl History {
    /// Returns an empty history.
    pub fn new() -> History {
        History { tables: vec![Table::default(); PROFILES.len()], total: Counts::default() }
    }

    /// Adds the outcome of every labelled consignment (attribute `fraud` = `0`/`1`); unlabelled ones are skipped.
    pub fn record(&mut self, consignments: &[Consignment]) {
        for consignment in consignments {
            self.record_row(&Row::of(consignment));
        }
    }

    pub(crate) fn record_row(&mut self, row: &Row<'_>) {
        let Some(fraud) = row.label else { return };
        let add = |c: &mut Counts| {
            c.seen += 1;
            c.fraud += u32::from(fraud);
        };
        add(&mut self.total);
        for (table, (_, facts)) in self.tables.iter_mut().zip(PROFILES) {
            if let Some(key) = row.key(facts) {
                add(table.entry(key).or_default());
            }
        }
    }

    /// Returns the counts of one profile key (e.g. profile `hs6_origin`, key `392690|CN`).
    pub fn counts(&self, profile: &str, key: &str) -> Counts {
        PROFILES
            .iter()
            .position(|(name, _)| *name == profile)
            .and_then(|i| self.tables[i].get(key).copied())
            .unwrap_or_default()
    }

    /// The overall fraud rate: the prior every smoothed rate shrinks towards.
    pub fn prior(&self) -> f64 {
        if self.total.seen == 0 { 0.0 } else { f64::from(self.total.fraud) / f64::from(self.total.seen) }
    }

    pub(crate) fn to_file(&self) -> HistoryFile {
        let tables = PROFILES
            .iter()
            .zip(&self.tables)
            .map(|((name, _), table)| {
                let entries = table.iter().map(|(k, c)| (k.clone(), [c.seen, c.fraud])).collect();
                ((*name).to_owned(), entries)
            })
            .collect();
        HistoryFile { total: [self.total.seen, self.total.fraud], tables }
    }

    pub(crate) fn from_file(file: &HistoryFile) -> History {
        let mut history = History::new();
        history.total = Counts { seen: file.total[0], fraud: file.total[1] };
        for ((name, _), table) in PROFILES.iter().zip(history.tables.iter_mut()) {
            if let Some(entries) = file.tables.get(*name) {
                table.extend(
                    entries.iter().map(|(k, [seen, fraud])| (k.clone(), Counts { seen: *seen, fraud: *fraud })),
                );
            }
        }
        history
    }
}

/// The serialised form of a history: sorted, so that the same training data gives the same file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct HistoryFile {
    total: [u32; 2],
    tables: BTreeMap<String, BTreeMap<String, [u32; 2]>>,
}

/// Per-HS6 norms learned from training rows: the median unit price (KRW per kg).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub(crate) struct Norms {
    pub(crate) unit_price: BTreeMap<String, f64>,
}

impl Norms {
    pub(crate) fn learn(rows: &[Row<'_>]) -> Norms {
        let mut prices: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
        for row in rows {
            if let Some(price) = row.unit_price().filter(|p| *p > 0.0) {
                prices.entry(row.fact(Fact::Hs6)).or_default().push(price);
            }
        }
        let unit_price = prices
            .into_iter()
            .map(|(hs, mut p)| {
                p.sort_by(f64::total_cmp);
                (hs.to_owned(), p[p.len() / 2])
            })
            .collect();
        Norms { unit_price }
    }
}

/// How strongly past rates shrink towards the prior: the weight of the prior in declarations.
pub(crate) const SMOOTHING: f64 = 10.0;

/// Computes the feature vector of one row from the history and norms, appending it to `out`.
pub(crate) fn features(row: &Row<'_>, history: &History, norms: &Norms, out: &mut Vec<f32>) {
    let ln = |x: f64| (x.max(0.0) + 1.0).ln() as f32;
    let code = hs_number;
    let unit_price = row.unit_price();
    let norm = norms.unit_price.get(row.fact(Fact::Hs6)).copied();
    let deviation = match (unit_price, norm) {
        (Some(p), Some(n)) if p > 0.0 && n > 0.0 => (p / n).ln() as f32,
        _ => f32::NAN,
    };
    let importer = history.tables[IMPORTER_PROFILE].get(row.fact(Fact::Importer)).map_or(0, |c| c.seen);
    out.extend_from_slice(&[
        ln(row.value),
        ln(row.net_mass),
        unit_price.map_or(f32::NAN, ln),
        deviation,
        row.tax_rate as f32,
        ln(row.value * row.tax_rate / 100.0),
        code(row.fact(Fact::Hs2)),
        code(row.fact(Fact::Hs4)),
        code(row.fact(Fact::Hs6)),
        f32::from(u8::from(row.fact(Fact::Origin) != row.fact(Fact::Dispatch))),
        f32::from(u8::from(!row.fact(Fact::Courier).is_empty())),
        f32::from(u8::from(!row.fact(Fact::Seller).is_empty())),
        ln(f64::from(importer)),
    ]);
    let prior = history.prior();
    let mut key = String::with_capacity(32);
    for (table, (_, facts)) in history.tables.iter().zip(PROFILES) {
        let counts = if row.key_into(facts, &mut key) {
            table.get(key.as_str()).copied().unwrap_or_default()
        } else {
            Counts::default()
        };
        let rate = (f64::from(counts.fraud) + SMOOTHING * prior) / (f64::from(counts.seen) + SMOOTHING);
        out.push(rate as f32);
        // Most keys of a declaration were never seen (or miss a fact): ln(0 + 1) is exactly 0, without the call.
        out.push(if counts.seen == 0 { 0.0 } else { ln(f64::from(counts.seen)) });
    }
}

/// Reads an HS code (2, 4 or 6 digits) as a number, -1 when it is not one. Digit strings of up to 7 digits are
/// read by hand (their value is exact in an `f32`, so this is what `parse::<f32>` returns, several times cheaper);
/// anything else goes through `parse`.
pub(crate) fn hs_number(s: &str) -> f32 {
    if !s.is_empty() && s.len() <= 7 && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.bytes().fold(0u32, |n, b| n * 10 + u32::from(b - b'0')) as f32;
    }
    s.parse::<f32>().unwrap_or(-1.0)
}

/// Computes features for rows in date order, each from the history of earlier days only, adding each day's
/// outcomes to `history` once the day is done. `order` lists row indices sorted by date; returns a row-major
/// matrix in the rows' original order.
pub(crate) fn features_in_time(
    rows: &[Row<'_>],
    dates: &[i64],
    history: &mut History,
    norms: &Norms,
    width: usize,
) -> Vec<f32> {
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by_key(|&i| dates[i]);
    let mut matrix = vec![0.0f32; rows.len() * width];
    let mut scratch = Vec::with_capacity(width);
    let mut start = 0;
    while start < order.len() {
        let day = dates[order[start]];
        let end = order[start..].iter().position(|&i| dates[i] != day).map_or(order.len(), |p| start + p);
        for &i in &order[start..end] {
            scratch.clear();
            features(&rows[i], history, norms, &mut scratch);
            matrix[i * width..(i + 1) * width].copy_from_slice(&scratch);
        }
        for &i in &order[start..end] {
            history.record_row(&rows[i]);
        }
        start = end;
    }
    matrix
}
