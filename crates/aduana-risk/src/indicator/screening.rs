//! The party-screening indicator: every named party of a consignment is screened against the loaded sanctions and
//! watch lists; a match at or above the threshold is a hard hit (no AEO benefit waives it) that asks for the red
//! lane and high-risk screening, with the list entry, the aligned name tokens and the secondary evidence.
//!
//! Real traffic names the same importers, exporters and consignors over and over, so the indicator can keep a
//! bounded memo of screening results by party name and country (see [`ScreeningIndicator::memoised`]): the result
//! of screening a party depends only on those two, the index and the configuration, and the memo lives and dies
//! with the indicator that owns both, so a new list version starts with an empty memo.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use aduana_core::{Consignment, Hit, Lane, Party, Referral};
use aduana_screening::{Match, ScreeningConfig, ScreeningIndex, screen_parties};

use crate::context::RiskContext;
use crate::indicator::{Indicator, Signals};

/// Screens parties against watch lists.
#[derive(Debug)]
pub struct ScreeningIndicator {
    /// Shared: a server's screening page searches the same index.
    index: Arc<ScreeningIndex>,
    config: ScreeningConfig,
    weights: ScreeningWeights,
    version: String,
    memo: Option<Memo>,
}

/// The weights the screening indicators give their hits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScreeningWeights {
    /// The weight of a match with score 1.0; a match scores its score times this.
    pub party_match: f64,
    /// The weight of a strategic-goods (licence check) hit.
    pub strategic_goods: f64,
    /// The weight of a destination under arms embargo.
    pub embargo: f64,
}

/// How often the memo answered (see [`ScreeningIndicator::memo_stats`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoStats {
    /// Parties looked up in the memo.
    pub lookups: u64,
    /// Lookups the memo answered without screening.
    pub hits: u64,
    /// Parties currently remembered.
    pub entries: usize,
}

impl ScreeningIndicator {
    /// Returns the indicator over a built index (owned or shared); `version` names the lists (recorded in every
    /// assessment). Every party is screened afresh; see [`ScreeningIndicator::memoised`].
    pub fn new(
        index: impl Into<Arc<ScreeningIndex>>,
        config: ScreeningConfig,
        weights: ScreeningWeights,
        version: String,
    ) -> Self {
        ScreeningIndicator { index: index.into(), config, weights, version, memo: None }
    }

    /// Returns the indicator remembering the screening results of up to `capacity` distinct parties (name and
    /// country; each remembered party costs its name plus, for the rare party that matches, its matches). When
    /// full, the older half is forgotten, so the parties that keep coming back stay. A capacity of 0 remembers
    /// nothing.
    pub fn memoised(mut self, capacity: usize) -> Self {
        self.memo = (capacity > 0).then(|| Memo::new(capacity));
        self
    }

    /// Returns how often the memo answered, or `None` without a memo.
    pub fn memo_stats(&self) -> Option<MemoStats> {
        self.memo.as_ref().map(Memo::stats)
    }

    /// The matches at or above the threshold for one party, from the memo when it remembers the party.
    fn matches(&self, party: &Party) -> Vec<Match> {
        let screen = || {
            screen_parties(std::slice::from_ref(party), &self.index, &self.config)
                .into_iter()
                .map(|found| found.found)
                .collect::<Vec<Match>>()
        };
        let Some(memo) = &self.memo else { return screen() };
        let Some(name) = party.name.as_deref() else { return Vec::new() };
        let country = party.country().map(|c| c.as_str());
        if let Some(found) = memo.get(name, country) {
            return found;
        }
        let found = screen();
        memo.insert(Memo::key(name, country), found.clone());
        found
    }
}

impl Indicator for ScreeningIndicator {
    fn name(&self) -> &str {
        "screening"
    }

    fn version(&self, _: &RiskContext) -> Option<aduana_core::Text> {
        Some(self.version.as_str().into())
    }

    fn assess(&self, consignment: &Consignment, _: &RiskContext, signals: &mut Signals) {
        // A declaration often names one party in two roles (the exporter is also the consignor): it is screened
        // once.
        let mut screened: Vec<(&Party, Vec<Match>)> = Vec::with_capacity(consignment.parties.len());
        for (number, party) in consignment.parties.iter().enumerate() {
            let earlier =
                screened.iter().find(|(other, _)| other.name == party.name && other.country() == party.country());
            let found = match earlier {
                Some((_, found)) => found.clone(),
                None => self.matches(party),
            };
            screened.push((party, found));
            let found = &screened[screened.len() - 1].1;
            if found.is_empty() {
                continue;
            }
            let name = party.name.as_deref().unwrap_or_default();
            let field = format!("parties[{number}].name");
            for entry in found.iter().filter(|m| m.matched) {
                signals.hits.push(Hit {
                    indicator: "screening".into(),
                    id: format!("{}/{}", entry.list, entry.entry_id).into(),
                    version: entry.list_version.clone().into(),
                    weight: self.weights.party_match * f64::from(entry.score),
                    lane: Some(Lane::Red),
                    referrals: vec![Referral::HighRiskScreening],
                    hard: true,
                    evidence: entry.hit_evidence(&field, name),
                    reason: format!(
                        "The {} \"{}\" matches {} entry {} \"{}\" (score {:.2}): {}",
                        party.role.as_str(),
                        name,
                        entry.list,
                        entry.entry_id,
                        entry.name,
                        entry.score,
                        entry.explanation
                    )
                    .into(),
                });
            }
        }
    }
}

/// Screening results by party, in two generations: lookups that find a party in the older one move it to the
/// current one; when the current one is full it becomes the older one and the oldest is dropped. At most `capacity`
/// parties are kept.
#[derive(Debug)]
struct Memo {
    /// Parties per generation.
    generation: usize,
    tables: Mutex<Generations>,
    lookups: AtomicU64,
    hits: AtomicU64,
}

#[derive(Debug, Default)]
struct Generations {
    current: HashMap<String, Vec<Match>>,
    previous: HashMap<String, Vec<Match>>,
    /// The key of the party looked up, written into one buffer: most lookups are answered and need no key of their
    /// own (std's SipHash stays: the names come from declarations, and it resists flooding with colliding keys).
    key: String,
}

impl Memo {
    fn new(capacity: usize) -> Memo {
        Memo {
            generation: capacity.div_ceil(2),
            tables: Mutex::new(Generations::default()),
            lookups: AtomicU64::new(0),
            hits: AtomicU64::new(0),
        }
    }

    /// The key of a party: its name as given and its country (a NUL cannot occur in either).
    fn key(name: &str, country: Option<&str>) -> String {
        let country = country.unwrap_or_default();
        let mut key = String::with_capacity(name.len() + 1 + country.len());
        Memo::write_key(&mut key, name, Some(country));
        key
    }

    /// Writes [`Memo::key`] into `key` (cleared first).
    fn write_key(key: &mut String, name: &str, country: Option<&str>) {
        key.clear();
        key.push_str(name);
        key.push('\0');
        key.push_str(country.unwrap_or_default());
    }

    fn get(&self, name: &str, country: Option<&str>) -> Option<Vec<Match>> {
        self.lookups.fetch_add(1, Ordering::Relaxed);
        let mut guard = self.tables.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let tables = &mut *guard;
        Memo::write_key(&mut tables.key, name, country);
        let found = match tables.current.get(tables.key.as_str()) {
            Some(found) => found.clone(),
            None => {
                let (key, found) = tables.previous.remove_entry(tables.key.as_str())?;
                tables.store(key, found.clone(), self.generation);
                found
            }
        };
        self.hits.fetch_add(1, Ordering::Relaxed);
        Some(found)
    }

    fn insert(&self, key: String, found: Vec<Match>) {
        let mut tables = self.tables.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        tables.store(key, found, self.generation);
    }

    fn stats(&self) -> MemoStats {
        let tables = self.tables.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        MemoStats {
            lookups: self.lookups.load(Ordering::Relaxed),
            hits: self.hits.load(Ordering::Relaxed),
            entries: tables.current.len() + tables.previous.len(),
        }
    }
}

impl Generations {
    fn store(&mut self, key: String, found: Vec<Match>, generation: usize) {
        if self.current.len() >= generation && !self.current.contains_key(&key) {
            self.previous = std::mem::take(&mut self.current);
        }
        self.current.insert(key, found);
    }
}
