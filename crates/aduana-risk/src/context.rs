//! `RiskContext`: everything an assessment depends on besides the consignment — compiled profiles, the AEO
//! register, the policy, reference data (HS value norms, named lists, the history summary), further indicators
//! and the time `as_of`. Same context + same consignment = same assessment.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use aduana_core::{Lane, Party, Text};
use chrono::{NaiveDate, NaiveDateTime};

use crate::aeo::AeoRegister;
use crate::indicator::Indicator;
use crate::profile::ProfileSet;

/// The inputs of an assessment other than the consignment.
#[derive(Debug, Clone)]
pub struct RiskContext {
    /// The compiled profiles.
    pub profiles: ProfileSet,
    /// Authorised economic operators.
    pub aeo: AeoRegister,
    /// Thresholds, selection rates and benefits.
    pub policy: Policy,
    /// Norms, lists and the history summary that profiles refer to.
    pub reference: ReferenceData,
    /// Indicators beyond the built-in ones (screening, strategic goods, enforcement history, the learned model),
    /// run after them in this order.
    pub indicators: Vec<Arc<dyn Indicator>>,
    /// The moment of assessment: profile validity and time until arrival are judged against it.
    pub as_of: NaiveDateTime,
}

/// The scoring policy, as the risk management unit sets it.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// The policy's version, recorded in every assessment.
    pub version: String,
    /// The score from which a consignment goes to the yellow lane.
    pub yellow_threshold: f64,
    /// The score from which a consignment goes to the red lane.
    pub red_threshold: f64,
    /// How many scoring hits a consignment may have and still have the lanes the hits ask for waived (the score
    /// thresholds still apply); 0 means every hit's lane applies. Hard hits are never waived.
    pub max_hits_green: u32,
    /// The minimum share of consignments selected at random for each lane, in percent, for compliance
    /// measurement.
    pub random_percent: LaneRates,
    /// The seed of random selection; change it to draw a new sample.
    pub random_seed: u64,
    /// The weight of the AEO benefit (negative lowers the score).
    pub aeo_weight: f64,
    /// The weight of each validation finding (a missing or invalid data element).
    pub finding_weight: f64,
    /// The largest total weight validation findings can add.
    pub max_finding_weight: f64,
    /// The share of consignments, in percent, that examination capacity allows per lane.
    pub capacity_percent: LaneRates,
}

/// A percentage for the yellow and for the red lane.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LaneRates {
    /// Yellow (documentary check).
    pub yellow: f64,
    /// Red (physical examination).
    pub red: f64,
}

impl LaneRates {
    /// Returns the rate for a lane (0 for green).
    pub fn get(&self, lane: Lane) -> f64 {
        match lane {
            Lane::Green => 0.0,
            Lane::Yellow => self.yellow,
            Lane::Red => self.red,
        }
    }
}

/// Reference data that profiles refer to. Empty values are natural, so it implements `Default`.
#[derive(Debug, Clone, Default)]
pub struct ReferenceData {
    /// Typical value per kilogram by HS prefix.
    pub norms: Norms,
    /// Named lists (`in list "hubs"`), by name.
    pub lists: BTreeMap<String, NamedList>,
    /// What is known of earlier consignments.
    pub history: HistorySummary,
}

impl ReferenceData {
    /// Returns the versions of the reference data, by name, for the assessment record.
    pub fn versions(&self) -> impl Iterator<Item = (Text, Text)> + '_ {
        let version = |v: &String| Text::from(v.as_str());
        let norms =
            (!self.norms.by_prefix.is_empty()).then(|| (Text::const_new("norms"), version(&self.norms.version)));
        let history =
            (!self.history.last_seen.is_empty()).then(|| (Text::const_new("history"), version(&self.history.version)));
        norms.into_iter().chain(history).chain(self.lists.iter().map(move |(name, list)| {
            let mut key = Text::with_capacity(5 + name.len());
            key.push_str("list:");
            key.push_str(name);
            (key, version(&list.version))
        }))
    }
}

/// Typical values per kilogram by HS prefix and currency.
#[derive(Debug, Clone, Default)]
pub struct Norms {
    /// The version of the norms (e.g. the period they were computed over).
    pub version: String,
    /// By HS prefix (its bytes; hashed with [`PrefixHasher`]): the norm per currency (upper case).
    by_prefix: HashMap<Box<[u8]>, Vec<(String, f64)>, PrefixBuild>,
    /// Bit `n` is set when some prefix of `n` bytes has a norm (bit 63: of 63 bytes or more), so that a lookup
    /// hashes only the prefix lengths that can have one.
    lengths: u64,
}

/// The hasher of the norms' HS prefixes: FNV-1a over the few bytes of a prefix, several times cheaper than the
/// default SipHash on keys this short (a unit-price test looks a norm up per goods item). The keys are the
/// analysts' reference data, not untrusted input.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PrefixHasher(u64);

impl Default for PrefixHasher {
    fn default() -> PrefixHasher {
        PrefixHasher(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for PrefixHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        // The table takes its buckets from the high bits: mix the low ones up.
        self.0.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ self.0 >> 29
    }
}

type PrefixBuild = std::hash::BuildHasherDefault<PrefixHasher>;

/// The bit of `Norms::lengths` for a prefix of `len` bytes.
fn length_bit(len: usize) -> u64 {
    1 << len.min(63)
}

impl Norms {
    /// Returns empty norms with a version.
    pub fn new(version: impl Into<String>) -> Norms {
        Norms { version: version.into(), by_prefix: HashMap::default(), lengths: 0 }
    }

    /// Sets the norm for an HS prefix in a currency.
    pub fn insert(&mut self, hs_prefix: &str, currency: &str, value_per_kg: f64) {
        self.lengths |= length_bit(hs_prefix.len());
        let list = self.by_prefix.entry(hs_prefix.as_bytes().into()).or_default();
        list.retain(|(c, _)| c != currency);
        list.push((currency.to_ascii_uppercase(), value_per_kg));
    }

    /// Returns the norm of the longest HS prefix of `hs` that has one in `currency`.
    pub fn lookup(&self, hs: &str, currency: &str) -> Option<f64> {
        self.lookup_bytes(hs.as_bytes(), currency.as_bytes())
    }

    /// [`Norms::lookup`] on the bytes of the HS code and currency (the codes' `as_bytes`, which skips the UTF-8
    /// check of `as_str`). A prefix that splits a character equals no key (keys are whole strings), as the `str`
    /// form's skipping of non-boundary lengths does.
    pub(crate) fn lookup_bytes(&self, hs: &[u8], currency: &[u8]) -> Option<f64> {
        if self.by_prefix.is_empty() {
            return None;
        }
        // Longest prefix first; a plain loop (the iterator chain did not optimise well).
        let mut len = hs.len();
        while len >= 2 {
            if self.lengths & length_bit(len) != 0
                && let Some(list) = self.by_prefix.get(&hs[..len])
                && let Some(&(_, norm)) = list.iter().find(|(c, _)| c.as_bytes().eq_ignore_ascii_case(currency))
            {
                return Some(norm);
            }
            len -= 1;
        }
        None
    }

    /// Returns the number of prefixes with a norm.
    pub fn len(&self) -> usize {
        self.by_prefix.len()
    }

    /// Returns whether there are no norms.
    pub fn is_empty(&self) -> bool {
        self.by_prefix.is_empty()
    }
}

/// A named list of values (identifiers, countries, LOCODEs), compared case-insensitively.
#[derive(Debug, Clone, Default)]
pub struct NamedList {
    /// The list's version.
    pub version: String,
    entries: HashSet<String>,
}

impl NamedList {
    /// Returns a list of entries.
    pub fn new(version: impl Into<String>, entries: impl IntoIterator<Item = String>) -> NamedList {
        NamedList { version: version.into(), entries: entries.into_iter().map(|e| e.trim().to_uppercase()).collect() }
    }

    /// Returns whether a value is on the list.
    pub fn contains(&self, value: &str) -> bool {
        self.entries.contains(&value.trim().to_uppercase())
    }

    /// Returns the number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Returns whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// What is known of parties' earlier consignments: the last date each identifier was seen.
#[derive(Debug, Clone, Default)]
pub struct HistorySummary {
    /// The version (e.g. the date of the extract).
    pub version: String,
    last_seen: HashMap<String, NaiveDate>,
}

impl HistorySummary {
    /// Records that a party identifier was seen on a date (keeps the latest).
    pub fn record(&mut self, identifier: &str, date: NaiveDate) {
        let entry = self.last_seen.entry(identifier.trim().to_uppercase()).or_insert(date);
        if date > *entry {
            *entry = date;
        }
    }

    /// Returns the days since the party's latest consignment strictly before `on`: infinity when the history has
    /// none, `None` when there is no history at all (the fact is unknown, so no profile can rely on it).
    pub fn days_since_last(&self, party: &Party, on: NaiveDate) -> Option<f64> {
        if self.last_seen.is_empty() {
            return None;
        }
        let days = party
            .identifiers
            .iter()
            .filter_map(|id| self.last_seen.get(&id.value.trim().to_uppercase()))
            .filter(|&&d| d < on)
            .map(|&d| (on - d).num_days() as f64)
            .fold(f64::INFINITY, f64::min);
        Some(days)
    }

    /// Returns the number of identifiers known.
    pub fn len(&self) -> usize {
        self.last_seen.len()
    }

    /// Returns whether nothing is known.
    pub fn is_empty(&self) -> bool {
        self.last_seen.is_empty()
    }
}
