//! The screening index: every name of every list entry normalised once, a document frequency for every token (its
//! weight is its inverse document frequency, so rare name parts count more than "CORP" or "TRADING"), and a postings
//! map from lookup keys (the token, its class, its phonetic skeleton, its first and last letters) to names, so that
//! a query looks at a few candidates instead of the whole list.

mod countries;
#[cfg(test)]
mod tests;

use aduana_core::Text;

use crate::fast_hash::FastMap;
use crate::matching::{JoinedSkeletons, NameShape, letter_set};
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
    /// What the scoring needs to know of the name as a whole (see [`NameShape`]).
    pub(crate) shape: NameShape,
    /// Where the name's tokens start in the index's per-token tables ([`ScreeningIndex::token_texts`], and the
    /// joined skeletons).
    pub(crate) first_token: u32,
}

/// The lists, normalised and indexed for screening.
#[derive(Debug, Clone)]
pub struct ScreeningIndex {
    pub(crate) rules: NameRules,
    pub(crate) lists: Vec<ListMeta>,
    pub(crate) entries: Vec<IndexedEntry>,
    pub(crate) names: Vec<IndexedName>,
    postings: FastMap<Key, Vec<u32>>,
    document_frequency: FastMap<Key, u32>,
    max_weight: f32,
    /// The number of distinct token texts in the indexed names.
    text_count: u32,
    /// For each token of each indexed name (from the name's [`IndexedName::first_token`]), the number of its text
    /// among the distinct texts: the scorer keeps a query's similarities by candidate text in a table indexed by it.
    token_texts: Vec<u32>,
    /// For each token of each indexed name (as `token_texts`), the skeleton of it and the next token written
    /// together, where the scorer may compare it with a word split in two ([`JoinedSkeletons`]).
    joined: JoinedSkeletons,
    /// The letter set of each distinct token text, by its number (see [`letter_set`]).
    text_letters: Vec<u32>,
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
            text_count: 0,
            token_texts: Vec::new(),
            joined: JoinedSkeletons::default(),
            text_letters: Vec::new(),
        };
        // The number of each distinct token text, while the index is built.
        let mut texts: FastMap<String, u32> = FastMap::default();
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
                    let mut keys: Vec<Key> = Vec::new();
                    name_tokens.iter().for_each(|t| for_each_key(t, |key| keys.push(key.clone())));
                    keys.sort_unstable();
                    keys.dedup();
                    for key in keys {
                        index.postings.entry(key).or_default().push(name_number);
                    }
                    let mut identities: Vec<Key> = name_tokens.iter().map(identity).collect();
                    identities.sort_unstable();
                    identities.dedup();
                    for id in identities {
                        *index.document_frequency.entry(id).or_default() += 1;
                    }
                    let first_token = u32::try_from(index.token_texts.len()).unwrap_or(u32::MAX);
                    let text_ids: Vec<u32> = name_tokens
                        .iter()
                        .map(|t| match texts.get(t.text.as_str()) {
                            Some(&id) => id,
                            None => {
                                let id = u32::try_from(texts.len()).unwrap_or(u32::MAX);
                                texts.insert(t.text.to_string(), id);
                                index.text_letters.push(letter_set(t.text.as_bytes()));
                                id
                            }
                        })
                        .collect();
                    index.token_texts.extend(text_ids);
                    index.joined.push(&name_tokens);
                    index.names.push(IndexedName {
                        entry: entry_number,
                        alias: u16::try_from(alias_number).unwrap_or(u16::MAX),
                        quality: alias.quality,
                        shape: NameShape::of(&name_tokens),
                        first_token,
                        tokens: name_tokens,
                        weights: Vec::new(),
                    });
                }
                let countries = entry.nationalities.iter().filter_map(|n| country_key(n)).collect();
                index.entries.push(IndexedEntry { list: list_number, entry: entry.clone(), countries });
            }
        }
        index.text_count = u32::try_from(texts.len()).unwrap_or(u32::MAX);
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

    /// Returns the number of distinct token texts in the indexed names.
    pub(crate) fn text_count(&self) -> u32 {
        self.text_count
    }

    /// Returns the numbers of the texts of the tokens of the indexed name `name` (below [`Self::text_count`]).
    pub(crate) fn name_texts(&self, name: &IndexedName) -> &[u32] {
        let first = name.first_token as usize;
        &self.token_texts[first..first + name.tokens.len()]
    }

    /// Returns the index's joined skeletons ([`JoinedSkeletons`]; a name's start at its `first_token`).
    pub(crate) fn joined(&self) -> &JoinedSkeletons {
        &self.joined
    }

    /// Returns the letter set of the text numbered `text` (see [`Self::name_texts`]), if it is the index's.
    pub(crate) fn text_letters(&self, text: u32) -> Option<u32> {
        self.text_letters.get(text as usize).copied()
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
    fn weight(&self, token: &Token) -> f32 {
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
    ///
    /// Votes are summed in a per-thread array indexed by name (no hashing, no allocation once warm), in the order
    /// of the query's keys; `index/tests.rs` holds it to a scan of every name.
    pub(crate) fn candidates(&self, query: &[Token], weights: &[f32], limit: usize) -> Vec<u32> {
        SCRATCH.with_borrow_mut(|scratch| {
            let Scratch { votes, touched, stamp } = scratch;
            if votes.len() < self.names.len() {
                votes.resize(self.names.len(), (0, 0.0));
            }
            // A new stamp per query marks which votes are this query's; on wrap-around, every mark is cleared.
            *stamp = stamp.wrapping_add(1);
            if *stamp == 0 {
                votes.iter_mut().for_each(|v| *v = (0, 0.0));
                *stamp = 1;
            }
            let stamp = *stamp;
            touched.clear();
            for (token, weight) in query.iter().zip(weights) {
                for_each_key(token, |key| {
                    let Some(names) = self.postings.get(key) else { return };
                    let exact = key.exact();
                    if names.len() > self.posting_cap(exact, query.len()) {
                        return;
                    }
                    let key_weight = if exact { *weight } else { weight * 0.6 };
                    for &name in names {
                        let vote = &mut votes[name as usize];
                        if vote.0 == stamp {
                            vote.1 += key_weight;
                        } else {
                            *vote = (stamp, 0.0 + key_weight);
                            touched.push(name);
                        }
                    }
                });
            }
            if touched.len() <= limit {
                rank(touched.iter().map(|&name| (name, votes[name as usize].1)).collect(), limit)
            } else {
                best_voted(touched, votes, limit)
            }
        })
    }

    /// Returns the number of names above which a key is not used to find candidates.
    pub(crate) fn posting_cap(&self, exact: bool, query_tokens: usize) -> usize {
        if !exact {
            MAX_FUZZY_POSTINGS
        } else if query_tokens > 1 {
            MAX_COMMON_POSTINGS
        } else {
            usize::MAX
        }
    }
}

/// Per-thread scratch space of candidate search: a vote per name (with the stamp of the query that cast it), and the
/// names voted for. It grows to the largest index the thread has searched (8–12 bytes
/// per name: up to 12 MB for a million names) and is kept for the thread's life.
#[derive(Default)]
struct Scratch {
    votes: Vec<(u32, f32)>,
    touched: Vec<u32>,
    stamp: u32,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// The `limit` names with the most votes, most first (ties: lower id first).
pub(crate) fn rank(mut ranked: Vec<(u32, f32)>, limit: usize) -> Vec<u32> {
    if ranked.len() > limit {
        ranked.select_nth_unstable_by(limit, |a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked.truncate(limit);
    }
    ranked.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked.into_iter().map(|(name, _)| name).collect()
}

/// What [`rank`] returns for `touched` (more than `limit` names, voted for in `votes`), in one pass that keeps the
/// best `limit` so far in order, instead of collecting every name voted for and selecting among them: most names
/// rank below the last kept and cost one comparison. Names are compared by their [`rank_key`].
fn best_voted(touched: &[u32], votes: &[(u32, f32)], limit: usize) -> Vec<u32> {
    let mut best: Vec<u64> = Vec::with_capacity(limit + 1);
    let Some(last) = limit.checked_sub(1) else { return Vec::new() };
    for &name in touched {
        let key = rank_key(name, votes[name as usize].1);
        if best.len() == limit {
            if key >= best[last] {
                continue;
            }
            best.pop();
        }
        let at = best.partition_point(|&kept| kept < key);
        best.insert(at, key);
    }
    // The low half of a key is the name.
    best.into_iter().map(|key| (key & u64::from(u32::MAX)) as u32).collect()
}

/// A name's place in the order of [`rank`] as one integer, smaller first: the votes in the order of `f32::total_cmp`
/// (the bits of a negative number all flipped, the sign bit of any other set), reversed (more votes first), then
/// the name's id (lower first).
fn rank_key(name: u32, votes: f32) -> u64 {
    let bits = votes.to_bits();
    let ordered = if bits >> 31 == 1 { !bits } else { bits | 1 << 31 };
    (u64::from(!ordered) << 32) | u64::from(name)
}

/// A lookup key of the postings (and, the exact ones, of the document frequencies): numbers where the key is one,
/// the texts inline (see [`Text`]), so that looking one up hashes a few words and compares no string but the text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Key {
    /// An equivalence class of the token, or of a phrase starting at it.
    Class(u32),
    /// The token's text.
    Text(Text),
    /// The token's phonetic skeleton (tokens of four letters or more).
    Skeleton(Text),
    /// The first three letters (tokens of four letters or more), as a number.
    Prefix(u32),
    /// The last three letters, as the first.
    Suffix(u32),
}

impl Key {
    /// Whether the key is exact (the token or one of its classes) rather than fuzzy (prefix, suffix, skeleton).
    pub(crate) fn exact(&self) -> bool {
        matches!(self, Key::Class(_) | Key::Text(_))
    }
}

/// The identity of a token for frequency counting: its first class, or its text.
fn identity(token: &Token) -> Key {
    match token.classes.first() {
        Some(class) => Key::Class(*class),
        None => Key::Text(token.text.clone()),
    }
}

/// Calls `visit` with each key a token is found by.
pub(crate) fn for_each_key(token: &Token, mut visit: impl FnMut(&Key)) {
    for class in &token.classes {
        visit(&Key::Class(*class));
    }
    // A phrase starting at this token ("People's Liberation Army") is found by its classes too, so that its
    // acronym or equivalent ("PLA") reaches it as a candidate; the scorer then aligns the whole phrase.
    for phrase in token.phrases.iter().flat_map(|p| p.iter()) {
        for class in &phrase.classes {
            visit(&Key::Class(*class));
        }
    }
    visit(&Key::Text(token.text.clone()));
    let text = token.text.as_bytes();
    if text.len() >= 4 {
        if token.skeleton.len() >= 2 {
            visit(&Key::Skeleton(token.skeleton.clone()));
        }
        let three = |bytes: &[u8]| bytes.iter().fold(0_u32, |number, &byte| number << 8 | u32::from(byte));
        visit(&Key::Prefix(three(&text[..3])));
        visit(&Key::Suffix(three(&text[text.len() - 3..])));
    }
}
