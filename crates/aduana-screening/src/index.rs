//! The screening index: every name of every list entry normalised once, a document frequency for every token (its
//! weight is its inverse document frequency, so rare name parts count more than "CORP" or "TRADING"), and a postings
//! map from lookup keys (the token, its class, its phonetic skeleton, its first and last letters) to names, so that
//! a query looks at a few candidates instead of the whole list.

mod countries;

use crate::fast_hash::FastMap;
use crate::normalise::{Token, tokens};
use crate::rules::NameRules;
use crate::watchlist::{AliasQuality, Entry, WatchList};

pub(crate) use countries::country_key;

/// Names longer than this many tokens are cut (no real name has more; it bounds the cost of scoring).
pub(crate) const MAX_TOKENS: usize = 12;

/// Lookup keys with more names than this are skipped when fuzzy (prefix, suffix, skeleton): on a big list they
/// name a large share of it and say little.
const MAX_FUZZY_POSTINGS: usize = 1500;

/// Exact keys with more names than this (a token in a large share of a big list, so weighing little) are skipped
/// when the query has other tokens to find its candidates by.
const MAX_COMMON_POSTINGS: usize = 20_000;

/// A list's name and version as the index keeps them.
#[derive(Debug, Clone)]
pub(crate) struct ListMeta {
    pub(crate) name: String,
    pub(crate) version: String,
}

/// An entry and the normalised forms of its secondary data.
#[derive(Debug, Clone)]
pub(crate) struct IndexedEntry {
    pub(crate) list: usize,
    pub(crate) entry: Entry,
    pub(crate) countries: Vec<&'static str>,
}

/// One name of one entry, normalised.
#[derive(Debug, Clone)]
pub(crate) struct IndexedName {
    pub(crate) entry: u32,
    pub(crate) alias: u16,
    pub(crate) quality: AliasQuality,
    pub(crate) tokens: Vec<Token>,
    /// The tokens' weights (see [`ScreeningIndex::weight`]), computed once the whole list is counted.
    pub(crate) weights: Vec<f32>,
}

/// The lists, normalised and indexed for screening.
#[derive(Debug, Clone)]
pub struct ScreeningIndex {
    pub(crate) rules: NameRules,
    pub(crate) lists: Vec<ListMeta>,
    pub(crate) entries: Vec<IndexedEntry>,
    pub(crate) names: Vec<IndexedName>,
    postings: FastMap<String, Vec<u32>>,
    document_frequency: FastMap<String, u32>,
    max_weight: f32,
}

impl ScreeningIndex {
    /// Builds the index of one or more lists with the given name rules.
    pub fn build(lists: &[WatchList], rules: NameRules) -> ScreeningIndex {
        let mut index = ScreeningIndex {
            rules,
            lists: Vec::new(),
            entries: Vec::new(),
            names: Vec::new(),
            postings: FastMap::default(),
            document_frequency: FastMap::default(),
            max_weight: 1.0,
        };
        for (list_number, list) in lists.iter().enumerate() {
            index.lists.push(ListMeta { name: list.name.clone(), version: list.version.clone() });
            for entry in &list.entries {
                let entry_number = u32::try_from(index.entries.len()).unwrap_or(u32::MAX);
                for (alias_number, alias) in entry.names.iter().enumerate() {
                    let mut name_tokens = tokens(&alias.name, &index.rules).tokens;
                    name_tokens.truncate(MAX_TOKENS);
                    if name_tokens.is_empty() {
                        continue;
                    }
                    let name_number = u32::try_from(index.names.len()).unwrap_or(u32::MAX);
                    let mut keys: Vec<String> = name_tokens.iter().flat_map(lookup_keys).collect();
                    keys.sort_unstable();
                    keys.dedup();
                    for key in keys {
                        index.postings.entry(key).or_default().push(name_number);
                    }
                    let mut identities: Vec<String> = name_tokens.iter().map(identity).collect();
                    identities.sort_unstable();
                    identities.dedup();
                    for id in identities {
                        *index.document_frequency.entry(id).or_default() += 1;
                    }
                    index.names.push(IndexedName {
                        entry: entry_number,
                        alias: u16::try_from(alias_number).unwrap_or(u16::MAX),
                        quality: alias.quality,
                        tokens: name_tokens,
                        weights: Vec::new(),
                    });
                }
                let countries = entry.nationalities.iter().filter_map(|n| country_key(n)).collect();
                index.entries.push(IndexedEntry { list: list_number, entry: entry.clone(), countries });
            }
        }
        index.max_weight = index.raw_weight(0);
        let weights: Vec<Vec<f32>> = index.names.iter().map(|n| index.weights(&n.tokens)).collect();
        for (name, weights) in index.names.iter_mut().zip(weights) {
            name.weights = weights;
        }
        index
    }

    /// Returns the number of indexed names (primary names and aliases).
    pub fn name_count(&self) -> usize {
        self.names.len()
    }

    /// Returns the number of entries.
    pub fn entry_count(&self) -> usize {
        self.entries.len()
    }

    /// Returns the name rules the index was built with.
    pub fn rules(&self) -> &NameRules {
        &self.rules
    }

    fn raw_weight(&self, document_frequency: u32) -> f32 {
        let n = self.names.len() as f32 + 1.0;
        (n / (document_frequency as f32 + 0.5)).ln().max(0.1)
    }

    /// Returns a token's weight in 0..=1: its inverse document frequency over the indexed names, relative to a
    /// token seen nowhere; generic tokens (legal forms, descriptors, titles) weigh little whatever their frequency.
    pub(crate) fn weight(&self, token: &Token) -> f32 {
        let df = self.document_frequency.get(&identity(token)).copied().unwrap_or(0);
        let w = self.raw_weight(df) / self.max_weight;
        if token.generic {
            w.min(0.15)
        } else if token.patronymic {
            w.min(0.25)
        } else if token.text.len() == 1 {
            w.min(0.3)
        } else {
            w
        }
    }

    /// Returns the weights of a name's tokens.
    pub(crate) fn weights(&self, tokens: &[Token]) -> Vec<f32> {
        tokens.iter().map(|t| self.weight(t)).collect()
    }

    /// Returns the ids of the names most worth scoring for a query: those sharing the most (weighted) keys.
    pub(crate) fn candidates(&self, query: &[Token], weights: &[f32], limit: usize) -> Vec<u32> {
        let mut votes: FastMap<u32, f32> = FastMap::default();
        votes.reserve(1024);
        for (token, weight) in query.iter().zip(weights) {
            for key in lookup_keys(token) {
                let Some(names) = self.postings.get(&key) else { continue };
                let exact = key.starts_with("t:") || key.starts_with("c:");
                let cap = if !exact {
                    MAX_FUZZY_POSTINGS
                } else if query.len() > 1 {
                    MAX_COMMON_POSTINGS
                } else {
                    usize::MAX
                };
                if names.len() > cap {
                    continue;
                }
                let key_weight = if exact { *weight } else { weight * 0.6 };
                for name in names {
                    *votes.entry(*name).or_default() += key_weight;
                }
            }
        }
        let mut ranked: Vec<(u32, f32)> = votes.into_iter().collect();
        if ranked.len() > limit {
            ranked.select_nth_unstable_by(limit, |a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            ranked.truncate(limit);
        }
        ranked.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked.into_iter().map(|(name, _)| name).collect()
    }
}

/// The identity of a token for frequency counting: its first class, or its text.
fn identity(token: &Token) -> String {
    match token.classes.first() {
        Some(class) => format!("c:{class}"),
        None => format!("t:{}", token.text),
    }
}

/// The keys a token is found by.
fn lookup_keys(token: &Token) -> Vec<String> {
    let mut keys: Vec<String> = token.classes.iter().map(|c| format!("c:{c}")).collect();
    keys.push(format!("t:{}", token.text));
    if token.text.len() >= 4 {
        if token.skeleton.len() >= 2 {
            keys.push(format!("k:{}", token.skeleton));
        }
        keys.push(format!("p:{}", &token.text[..3]));
        keys.push(format!("s:{}", &token.text[token.text.len() - 3..]));
    }
    keys
}
