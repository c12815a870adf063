//! Scoring a query against the index: token alignment (equal, same equivalence class, initials, edit distance with
//! confusable characters, phonetic skeleton) weighted by rarity, in any word order; then secondary evidence (date of
//! birth, nationality) raises or lowers the score. Every match says which name matched, which tokens matched which
//! and how, and which evidence counted.

use aduana_core::{Evidence, Party, PartyRole};
use serde::Serialize;

use crate::index::{ScreeningIndex, country_key};
use crate::normalise::{Script, Token, skeleton, tokens};
use crate::rules::ClassKind;
use crate::watchlist::{AliasQuality, BirthDate};

/// Within one script, a fuzzy token match allows one edit per this many letters (at least one).
const WITHIN_SCRIPT_LETTERS_PER_EDIT: usize = 5;
/// How much more than its share of letters an edit costs in a fuzzy token match.
const FUZZY_PENALTY: f32 = 1.0;
/// The weight of the better-covered side of a name pair (the rest goes to the worse-covered side): a name that is
/// wholly contained in the other counts for most, extra unmatched parts on the other side count for the rest.
const MAX_COVER_SHARE: f32 = 0.75;
/// [`MAX_COVER_SHARE`] for organisations, whose extra words count more.
const ORG_MAX_COVER_SHARE: f32 = 0.55;
/// The shared rare material (sum of the smaller weights of matched pairs) at which a match is fully confident.
const CONFIDENT_SHARED: f32 = 0.8;
/// The factor applied when both names have a substantive part the other lacks.
const CONFLICT_FACTOR: f32 = 0.8;
/// The weight of a descriptor ("Trust", "Systems") in an organisation's name that the other name lacks.
const DESCRIPTOR_WEIGHT: f32 = 0.5;
/// The factor applied when one company's name has a descriptor the other lacks.
const EXTRA_DESCRIPTOR_FACTOR: f32 = 0.9;
/// The factor applied when both names have legal forms and they differ in kind (AG against GmbH; OAO against JSC is
/// the same kind): a conflicting part of the name, like [`CONFLICT_FACTOR`].
const LEGAL_FORM_FACTOR: f32 = CONFLICT_FACTOR;
/// The similarity left to a token matched against one in another role (own name against a father's name).
const ROLE_CONFLICT: f32 = 0.5;
/// The score of two names whose whole consonant skeletons agree.
const SKELETON_SCORE: f32 = 0.82;
/// The most edits (a confusable substitution counts half) between two names compared without spaces.
const MAX_JOINED_EDITS: f32 = 2.0;
/// The similarity of an acronym to the words it abbreviates.
const ACRONYM_SIMILARITY: f32 = 0.85;

/// How screening runs. The binary owns the defaults (see `docs/screening.md`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScreeningConfig {
    /// A match at or above this score is a match (`matched: true`).
    pub threshold: f32,
    /// Matches below this score are not reported at all.
    pub report_floor: f32,
    /// At most this many matches are reported per query.
    pub max_results: usize,
    /// At most this many candidate names are scored per query.
    pub max_candidates: usize,
}

impl ScreeningConfig {
    /// Returns the calibrated settings: threshold 0.80 (F1 on the name benchmark, false-match rate on the yente
    /// negatives; see `docs/screening.md`), report floor 0.5, ten results, 12 candidates scored.
    pub fn recommended() -> ScreeningConfig {
        ScreeningConfig { threshold: 0.80, report_floor: 0.5, max_results: 10, max_candidates: 12 }
    }
}

/// What is screened: a name and, when known, a date of birth and a nationality.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// The name as given.
    pub name: String,
    /// The date of birth, if known.
    pub date_of_birth: Option<BirthDate>,
    /// The nationality or country (a name or an ISO code), if known.
    pub nationality: Option<String>,
}

/// One query token and the list token it was aligned with.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TokenPair {
    /// The query token (folded).
    pub query: String,
    /// The list token (folded).
    pub candidate: String,
    /// How they matched: `exact`, `class:<label>`, `initial`, `fuzzy`, `phonetic`.
    pub how: String,
    /// Their similarity, 0..=1.
    pub similarity: f32,
}

/// A list entry that matched a query, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Match {
    /// The list's name.
    pub list: String,
    /// The list's version.
    pub list_version: String,
    /// The entry's id in the list.
    pub entry_id: String,
    /// The entry name or alias that matched best.
    pub name: String,
    /// That name's quality.
    pub alias_quality: AliasQuality,
    /// The score, 0..=1.
    pub score: f32,
    /// Whether the score is at or above the threshold.
    pub matched: bool,
    /// The aligned tokens.
    pub tokens: Vec<TokenPair>,
    /// Secondary evidence, as sentences (`date of birth 1965 matches 1965`).
    pub evidence: Vec<String>,
    /// A sentence explaining the match.
    pub explanation: String,
}

impl Match {
    /// Returns the evidence as the fields and values of an `aduana_core::Hit`, the party's field path first.
    pub fn hit_evidence(&self, field: &str, value: &str) -> Vec<Evidence> {
        let mut evidence = vec![
            Evidence { field: field.into(), value: value.into() },
            Evidence { field: format!("list:{}/{}", self.list, self.entry_id).into(), value: self.name.clone().into() },
        ];
        evidence.extend(self.evidence.iter().map(|e| Evidence { field: "secondary".into(), value: e.clone().into() }));
        evidence
    }
}

/// The matches of one party of a consignment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartyMatch {
    /// The party's position in the slice given to [`screen_parties`].
    pub party: usize,
    /// The party's role.
    pub role: PartyRole,
    /// The field path of the screened name (`parties[0].name`).
    pub field: String,
    /// The name screened.
    pub name: String,
    /// The match (one `PartyMatch` per matching list entry).
    pub found: Match,
}

/// Screens every named party; returns the matches at or above the threshold, party by party, best first.
pub fn screen_parties(parties: &[Party], index: &ScreeningIndex, config: &ScreeningConfig) -> Vec<PartyMatch> {
    let mut out = Vec::new();
    for (number, party) in parties.iter().enumerate() {
        let Some(name) = party.name.as_deref().filter(|n| !n.trim().is_empty()) else { continue };
        let query = Query {
            name: name.to_owned(),
            date_of_birth: None,
            nationality: party.country().map(|c| c.as_str().to_owned()),
        };
        // Only matches at or above the threshold are kept: a candidate that cannot reach it need not be scored.
        let floor = config.threshold.max(config.report_floor);
        for found in screen_down_to(&query, index, config, floor).into_iter().filter(|m| m.matched) {
            out.push(PartyMatch {
                party: number,
                role: party.role,
                field: format!("parties[{number}].name"),
                name: name.to_owned(),
                found,
            });
        }
    }
    out
}

/// Screens one query; returns the best match per entry, best first, down to the report floor.
pub fn screen(query: &Query, index: &ScreeningIndex, config: &ScreeningConfig) -> Vec<Match> {
    screen_down_to(query, index, config, config.report_floor)
}

/// How far below the score a candidate is dropped at its bound must be for [`score_tokens`] to skip it: the bound and
/// the score add the same terms in different orders, which rounding can set a few units of the last place apart.
const BOUND_MARGIN: f32 = 1e-3;

/// [`screen`], where the candidates whose score is surely below `floor` (at least the report floor) are not scored
/// in full: the same matches at or above `floor`.
fn screen_down_to(query: &Query, index: &ScreeningIndex, config: &ScreeningConfig, floor: f32) -> Vec<Match> {
    let mut query_tokens = tokens(&query.name, index.rules()).tokens;
    query_tokens.truncate(crate::index::MAX_TOKENS);
    if query_tokens.is_empty() {
        return Vec::new();
    }
    let query_weights = index.weights(&query_tokens);
    SIMILARITY_MEMO.with_borrow_mut(|memo| {
        memo.start(index, &query_tokens);
        SCRATCH.with_borrow_mut(|scratch| {
            let tokens = (&query_tokens[..], &query_weights[..]);
            screen_tokens_down_to(query, tokens, index, config, floor, (memo, scratch))
        })
    })
}

/// [`screen_down_to`] of a query's tokens (with their weights; `memo` is started for them), with the thread's
/// scratch space.
fn screen_tokens_down_to(
    query: &Query,
    (query_tokens, query_weights): (&[Token], &[f32]),
    index: &ScreeningIndex,
    config: &ScreeningConfig,
    floor: f32,
    (memo, scratch): (&mut SimilarityMemo, &mut Scratch),
) -> Vec<Match> {
    // Candidates share tokens ("mohammed", "al"): each query token is compared with each distinct list token once
    // (by the memo's table of this query's similarities).
    let query_country = query.nationality.as_deref().and_then(country_key);
    let query_shape = NameShape::of(query_tokens);
    let mut best: Vec<(u32, f32, Match)> = Vec::new();
    for name_id in index.candidates(query_tokens, query_weights, config.max_candidates) {
        let name = &index.names[name_id as usize];
        let indexed = &index.entries[name.entry as usize];
        let quality = if name.quality == AliasQuality::Low { 0.92 } else { 1.0 };
        // The evidence is weighed first and put in words only for a match that is kept.
        let date = query
            .date_of_birth
            .as_ref()
            .and_then(|dob| date_evidence(dob, &indexed.entry.dates_of_birth).map(|found| (dob, found)));
        let nationality =
            query_country.filter(|_| !indexed.countries.is_empty()).map(|c| (c, indexed.countries.contains(&c)));
        let evidence_delta = date.map_or(0.0, |(_, (delta, _))| delta)
            + match nationality {
                Some((_, true)) => 0.04,
                Some((_, false)) => -0.04,
                None => 0.0,
            };
        // A name score below this cannot reach the floor once the alias quality and the evidence count. A floor of
        // 0 or less keeps every score (it is clamped to 0..=1 after the evidence).
        let cut = if floor > 0.0 { (floor - evidence_delta) / quality - BOUND_MARGIN } else { f32::NEG_INFINITY };
        let candidate = Candidate {
            tokens: &name.tokens,
            weights: &name.weights,
            shape: &name.shape,
            keys: index.name_texts(name),
            joined: (index.joined(), name.first_token as usize),
        };
        let scored =
            score_tokens((query_tokens, query_weights, &query_shape), candidate, index, scratch, &mut *memo, cut);
        let Some(name_score) = scored else { continue };
        let mut score = name_score;
        if name.quality == AliasQuality::Low {
            score *= 0.92;
        }
        if let Some((_, (delta, _))) = date {
            score += delta;
        }
        match nationality {
            Some((_, true)) => score += 0.04,
            Some((_, false)) => score -= 0.04,
            None => {}
        }
        let score = score.clamp(0.0, 1.0);
        if score < floor {
            continue;
        }
        if let Some(existing) = best.iter_mut().find(|(entry, _, _)| *entry == name.entry) {
            if existing.1 >= score {
                continue;
            }
        }
        let mut evidence = Vec::new();
        if let Some((dob, (_, listed))) = date {
            evidence.push(date_sentence(dob, listed));
        }
        match nationality {
            Some((country, true)) => evidence.push(format!("nationality {country} matches the listed nationality")),
            Some((country, false)) => {
                evidence.push(format!("nationality {country} differs from the listed {}", indexed.countries.join(", ")))
            }
            None => {}
        }
        let pairs = token_pairs(&mut scratch.aligned, query_tokens, &name.tokens, index);
        let list = &index.lists[indexed.list];
        let alias = &indexed.entry.names[name.alias as usize];
        let matched = score >= config.threshold;
        let explanation = format!(
            "{} {} `{}` ({} name) scored {:.2}{}: {}{}",
            list.name,
            indexed.entry.id,
            alias.name,
            match alias.quality {
                AliasQuality::Primary => "primary",
                AliasQuality::Good => "good",
                AliasQuality::Low => "low-quality",
            },
            score,
            if matched { ", a match" } else { ", below the threshold" },
            pairs.iter().map(|p| format!("{}~{} ({})", p.query, p.candidate, p.how)).collect::<Vec<_>>().join(", "),
            if evidence.is_empty() { String::new() } else { format!("; {}", evidence.join("; ")) }
        );
        let found = Match {
            list: list.name.clone(),
            list_version: list.version.clone(),
            entry_id: indexed.entry.id.clone(),
            name: alias.name.clone(),
            alias_quality: alias.quality,
            score,
            matched,
            tokens: pairs,
            evidence,
            explanation,
        };
        best.retain(|(entry, _, _)| *entry != name.entry);
        best.push((name.entry, score, found));
    }
    best.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.2.entry_id.cmp(&b.2.entry_id)));
    best.truncate(config.max_results);
    best.into_iter().map(|(_, _, m)| m).collect()
}

/// Scores two names against each other (0..=1), weighting their tokens by the index's frequencies.
pub fn score_names(a: &str, b: &str, index: &ScreeningIndex) -> f32 {
    let (a, b) = (tokens(a, index.rules()).tokens, tokens(b, index.rules()).tokens);
    let (aw, bw) = (index.weights(&a), index.weights(&b));
    // `b` is not an indexed name: its texts are numbered after the index's, the same text with the same number.
    let first = |i: usize| b.iter().position(|t| t.text == b[i].text).unwrap_or(i);
    let keys: Vec<u32> =
        (0..b.len()).map(|i| index.text_count().saturating_add(u32::try_from(first(i)).unwrap_or(u32::MAX))).collect();
    let mut b_joined = JoinedSkeletons::default();
    b_joined.push(&b);
    SIMILARITY_MEMO.with_borrow_mut(|memo| {
        memo.start(index, &a);
        SCRATCH.with_borrow_mut(|scratch| {
            let (a_shape, b_shape) = (NameShape::of(&a), NameShape::of(&b));
            let b = Candidate { tokens: &b, weights: &bw, shape: &b_shape, keys: &keys, joined: (&b_joined, 0) };
            let scored = score_tokens((&a, &aw, &a_shape), b, index, scratch, memo, f32::NEG_INFINITY);
            scored.unwrap_or(0.0)
        })
    })
}

/// What [`score_tokens`] aligned (left in [`Scratch::aligned`]), in words only when a match is reported
/// ([`token_pairs`]).
#[derive(Debug)]
pub(crate) enum Aligned {
    /// Query token `query` with candidate token `candidate`.
    Tokens { query: usize, candidate: usize, how: How, similarity: f32 },
    /// Query tokens with candidate tokens (an acronym, a split word, a phrase).
    Group { query: std::ops::Range<usize>, candidate: std::ops::Range<usize>, how: How, similarity: f32 },
    /// The names as a whole (joined without spaces, or their skeletons).
    Whole(TokenPair),
}

/// Puts aligned tokens in words (taking them out of `aligned`).
fn token_pairs(
    aligned: &mut Vec<Aligned>,
    query: &[Token],
    candidate: &[Token],
    index: &ScreeningIndex,
) -> Vec<TokenPair> {
    let text = |tokens: &[Token]| tokens.iter().map(|t| t.text.as_str()).collect::<Vec<_>>().join(" ");
    aligned
        .drain(..)
        .map(|aligned| match aligned {
            Aligned::Tokens { query: qi, candidate: ci, how, similarity } => {
                let how = if how == How::Class {
                    let label = candidate[ci]
                        .classes
                        .iter()
                        .find(|id| query[qi].classes.contains(id))
                        .and_then(|id| index.rules().class(*id))
                        .map_or_else(String::new, |c| c.label.clone());
                    format!("class:{label}")
                } else {
                    how.word().to_owned()
                };
                TokenPair {
                    query: query[qi].text.to_string(),
                    candidate: candidate[ci].text.to_string(),
                    how,
                    similarity,
                }
            }
            Aligned::Group { query: qr, candidate: cr, how, similarity } => TokenPair {
                query: text(&query[qr]),
                candidate: text(&candidate[cr]),
                how: how.word().to_owned(),
                similarity,
            },
            Aligned::Whole(pair) => pair,
        })
        .collect()
}

/// The acronyms of one side of a name pair: their tokens, and their letters as a range of a buffer.
type Acronyms = Vec<(std::ops::Range<usize>, std::ops::Range<usize>)>;

/// The similarity of a query token (by position) with a candidate token, and how they matched.
type PairSimilarity = (f32, usize, usize, How);

/// The working vectors of [`score_tokens`], kept per thread from one candidate and one query to the next and
/// cleared at each use instead of allocated (see [`SCRATCH`]).
#[derive(Default)]
pub(crate) struct Scratch {
    /// The aligned tokens of the last candidate scored (see [`token_pairs`]).
    aligned: Vec<Aligned>,
    sims: Vec<PairSimilarity>,
    q_used: Vec<bool>,
    c_used: Vec<bool>,
    groups: Vec<GroupMatch>,
    /// The acronyms of one side ([`group_matches`]), with their letters in `letters`.
    acronyms: Acronyms,
    letters: String,
    /// The names written without spaces ([`concatenation_similarity`]).
    joined: (String, String),
    /// The best similarity of each query and candidate token ([`score_bound`]).
    best: (Vec<f32>, Vec<f32>),
}

/// A candidate name as [`score_tokens`] reads it.
#[derive(Clone, Copy)]
pub(crate) struct Candidate<'a> {
    pub(crate) tokens: &'a [Token],
    pub(crate) weights: &'a [f32],
    pub(crate) shape: &'a NameShape,
    /// The number of each token's text (the row of its similarities in [`QueryPairs`]): the same text, the same
    /// number, and no other text of the query's candidates with that number.
    pub(crate) keys: &'a [u32],
    /// The skeletons of adjacent tokens written together, and where the name's start.
    pub(crate) joined: (&'a JoinedSkeletons, usize),
}

/// How two tokens ([`token_similarity`]) or groups of tokens ([`group_matches`]) match: a small number to compare
/// and keep (the memo keeps a pair's answer in 8 bytes), put in words ([`How::word`]) only when a match is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum How {
    /// The same text.
    Exact,
    /// Words of one class of equivalents (the label is added in words, see [`token_pairs`]).
    Class,
    /// An initial against a word it begins.
    Initial,
    /// The same sounds.
    Phonetic,
    /// Patronymics of one name.
    Patronymic,
    /// The same name in another romanisation of its vowels.
    Spelling,
    /// A grammatical ending added.
    Inflection,
    /// A misspelling.
    Fuzzy,
    /// An acronym or initials against the words they abbreviate.
    Acronym,
    /// A phrase against its equivalent.
    Phrase,
    /// A word split in two against the whole word.
    Split,
}

impl How {
    /// The word for the way of matching in the reported pairs ([`TokenPair::how`]).
    fn word(self) -> &'static str {
        match self {
            How::Exact => "exact",
            How::Class => "class",
            How::Initial => "initial",
            How::Phonetic => "phonetic",
            How::Patronymic => "patronymic",
            How::Spelling => "spelling",
            How::Inflection => "inflection",
            How::Fuzzy => "fuzzy",
            How::Acronym => "acronym",
            How::Phrase => "phrase",
            How::Split => "split",
        }
    }
}

/// What a thread keeps of the query it screens: the similarity of each query token with each candidate token text
/// ([`QueryPairs`]), and the skeletons of the query's adjacent words written together, computed when a candidate
/// first needs them (a candidate's own are computed with the index, [`JoinedSkeletons`]).
///
/// Nothing is remembered from one query to the next but the memory: maps of token ids, of candidate names' token
/// ids and of joined skeletons kept across queries saved instructions, but their lookups missed the caches so often
/// that screening ran faster without them (`docs/benchmarks.md`, seventh and eighth sessions).
#[derive(Default)]
pub(crate) struct SimilarityMemo {
    /// This query's table of similarities (see [`QueryPairs`]).
    query_pairs: QueryPairs,
    /// For each of the query's tokens but the last, the skeleton of it and the next written together, once a
    /// candidate has needed it.
    query_joined: Vec<Option<Box<str>>>,
    /// The letter sets of the query's tokens ([`letter_set`]).
    query_letters: Vec<u32>,
}

/// The similarities of one query's tokens (by position) with its candidates' tokens, by the candidate token's text:
/// within one query, the first list token of a text stands for every other of that text. A table, not a map: each
/// text met in the query's candidates gets a row (`rows`, by the text's number in the index, marked with the
/// query's stamp) holding its similarity with every query token (`cells`), so that a candidate token costs two
/// indexings where each of its pairs cost a hash, a probe and, the first time, an insertion. `rows` grows to the
/// largest index the thread has screened against (8 bytes per distinct text) and is kept for the thread's life.
#[derive(Default)]
struct QueryPairs {
    /// The stamp of the current query (never 0 once a query has started): a row of another query, or of a query
    /// against another index, has another stamp.
    stamp: u32,
    /// By text number: the stamp of the last query that gave the text a row, and that row.
    rows: Vec<(u32, u32)>,
    /// The number of the query's tokens (cells per row).
    width: usize,
    /// The rows' cells: the similarity of the row's text with each query token.
    cells: Vec<Option<(f32, How)>>,
}

impl SimilarityMemo {
    /// Prepares the memo for a query of the tokens `query` against `index`.
    fn start(&mut self, index: &ScreeningIndex, query: &[Token]) {
        let query_tokens = query.len();
        let pairs = &mut self.query_pairs;
        let texts = index.text_count() as usize;
        if pairs.rows.len() < texts {
            pairs.rows.resize(texts, (0, 0));
        }
        // A new stamp per query marks which rows are this query's; on wrap-around, every mark is cleared.
        pairs.stamp = pairs.stamp.wrapping_add(1);
        if pairs.stamp == 0 {
            pairs.rows.iter_mut().for_each(|row| *row = (0, 0));
            pairs.stamp = 1;
        }
        pairs.width = query_tokens;
        pairs.cells.clear();
        self.query_joined.clear();
        self.query_joined.resize(query_tokens.saturating_sub(1), None);
        self.query_letters.clear();
        self.query_letters.extend(query.iter().map(|t| letter_set(t.text.as_bytes())));
    }

    /// The similarities of the query's tokens (`query`; the memo was started for them) with the candidate token
    /// `c_token`, whose text is numbered `key`, by query position: those this query already found for a list token
    /// of the same text, else [`token_similarity`]'s, kept for the rest of the query.
    fn similarities(
        &mut self,
        query: &[Token],
        (key, c_token): (u32, &Token),
        index: &ScreeningIndex,
    ) -> &[Option<(f32, How)>] {
        let pairs = &mut self.query_pairs;
        let width = pairs.width;
        debug_assert_eq!(width, query.len(), "the memo is started for the query");
        let text = key;
        let key = key as usize;
        #[cfg(test)]
        let afresh = tests::NO_MEMO.get();
        #[cfg(not(test))]
        let afresh = false;
        if key >= pairs.rows.len() {
            pairs.rows.resize(key + 1, (0, 0));
        }
        let (stamp, row) = pairs.rows[key];
        if stamp == pairs.stamp && !afresh {
            let start = row as usize * width;
            return &pairs.cells[start..start + width];
        }
        // The first token of this text in the query's candidates: its row is filled.
        let c_letters = index.text_letters(text).unwrap_or_else(|| letter_set(c_token.text.as_bytes()));
        let start = pairs.cells.len();
        pairs.rows[key] = (pairs.stamp, u32::try_from(start / width.max(1)).unwrap_or(u32::MAX));
        for (q_token, q_letters) in query.iter().zip(&self.query_letters) {
            pairs.cells.push(token_similarity(q_token, c_token, (*q_letters, c_letters), index));
        }
        &pairs.cells[start..start + width]
    }

    /// Whether the skeleton of the query's words at `at` and `at + 1` (`words`) written together is `skeleton`, the
    /// joined skeleton computed once per query.
    fn query_joined_is(&mut self, at: usize, words: (&Token, &Token), skeleton: &str) -> bool {
        #[cfg(test)]
        if tests::NO_MEMO.get() {
            return joined_skeleton(words.0, words.1) == skeleton;
        }
        match self.query_joined.get_mut(at) {
            Some(joined) => {
                &**joined.get_or_insert_with(|| joined_skeleton(words.0, words.1).into_boxed_str()) == skeleton
            }
            None => joined_skeleton(words.0, words.1) == skeleton,
        }
    }
}

/// The consonant skeletons of adjacent tokens written together, of the names of an index one after the other: for
/// each token, the skeleton of it and the next, where both have two letters or more and together five or more (the
/// pairs that [`group_matches`] may compare with a word split in two: of six letters or more, within one letter of
/// the pair's length). All in one string, with one range per token: some 12 bytes a token, where a vector per name
/// cost more than a hundred bytes a name.
#[derive(Debug, Clone, Default)]
pub(crate) struct JoinedSkeletons {
    /// Per token, the range of its skeleton with the next in `text` (`u32::MAX` as its start: none).
    ranges: Vec<(u32, u32)>,
    text: String,
}

impl JoinedSkeletons {
    /// Adds the joined skeletons of a name's tokens (one range per token: the last has none).
    pub(crate) fn push(&mut self, tokens: &[Token]) {
        for (i, first) in tokens.iter().enumerate() {
            let second = tokens.get(i + 1).filter(|second| {
                first.text.len() > 1 && second.text.len() > 1 && first.text.len() + second.text.len() >= 5
            });
            let range = match second {
                Some(second) => {
                    let start = self.text.len();
                    self.text.push_str(&joined_skeleton(first, second));
                    (u32::try_from(start).unwrap_or(u32::MAX - 1), u32::try_from(self.text.len()).unwrap_or(0))
                }
                None => (u32::MAX, 0),
            };
            self.ranges.push(range);
        }
    }

    /// The joined skeleton of the token numbered `token` (counted over every name pushed) and the next, if kept.
    fn get(&self, token: usize) -> Option<&str> {
        let &(start, end) = self.ranges.get(token)?;
        (start != u32::MAX).then(|| self.text.get(start as usize..end as usize)).flatten()
    }
}

/// The consonant skeleton of two words written together.
fn joined_skeleton(first: &Token, second: &Token) -> String {
    let mut word = String::with_capacity(first.text.len() + second.text.len());
    word.push_str(&first.text);
    word.push_str(&second.text);
    skeleton(&word)
}

thread_local! {
    static SIMILARITY_MEMO: std::cell::RefCell<SimilarityMemo> = std::cell::RefCell::new(SimilarityMemo::default());
    /// The scoring vectors of the thread's queries: they keep the capacity the largest names gave them (a few
    /// kilobytes), where a fresh set per query grew each of them again.
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// Scores two names given as tokens (0..=1), leaving the aligned pairs in `scratch.aligned`; `None` when nothing
/// aligns, or when the score is surely below `cut` ([`score_bound`]; `f32::NEG_INFINITY` scores every pair).
///
/// `memo` is started for this query.
pub(crate) fn score_tokens(
    (query, query_weights, query_shape): (&[Token], &[f32], &NameShape),
    candidate: Candidate<'_>,
    index: &ScreeningIndex,
    scratch: &mut Scratch,
    memo: &mut SimilarityMemo,
    cut: f32,
) -> Option<f32> {
    let Candidate {
        tokens: candidate,
        weights: candidate_weights,
        shape: candidate_shape,
        keys: candidate_keys,
        joined: candidate_joined,
    } = candidate;
    let Scratch { aligned, sims, q_used, c_used, groups, acronyms, letters, joined, best } = scratch;
    aligned.clear();
    sims.clear();
    let nasab = query.iter().any(|t| t.ancestor) && candidate.iter().any(|t| t.ancestor);
    // Candidate token by candidate token (the order of `sims` does not matter: they are sorted by a total order, or
    // only their maximums are taken).
    for (ci, c) in candidate.iter().enumerate() {
        let row = memo.similarities(query, (candidate_keys[ci], c), index);
        for (qi, (q, known)) in query.iter().zip(row).enumerate() {
            if let Some((sim, how)) = *known {
                // A father's name ("bin Salman") is not the person's own name ("Salman bin ...").
                let sim = if nasab && q.ancestor != c.ancestor { sim * ROLE_CONFLICT } else { sim };
                sims.push((sim, qi, ci, how));
            }
        }
    }
    let joined = concatenation_similarity((query, query_weights), candidate, index, joined);
    let searches = NameShape::searches(query_shape, candidate_shape);
    if searches.any() {
        let names = (query, candidate, searches);
        group_matches(names, (memo, candidate_joined), (acronyms, letters), groups);
    } else {
        groups.clear();
    }
    // The names as a whole, instead of the pairs aligned so far.
    let whole = |aligned: &mut Vec<Aligned>, (score, pair): (f32, TokenPair)| {
        aligned.clear();
        aligned.push(Aligned::Whole(pair));
        score
    };
    if sims.is_empty() && groups.is_empty() {
        if whole_skeleton_matches((query, candidate), (query_shape, candidate_shape)) {
            let pair = TokenPair {
                query: query.iter().map(|t| t.text.as_str()).collect::<Vec<_>>().join(" "),
                candidate: candidate.iter().map(|t| t.text.as_str()).collect::<Vec<_>>().join(" "),
                how: How::Phonetic.word().to_owned(),
                similarity: SKELETON_SCORE,
            };
            return Some(whole(aligned, (SKELETON_SCORE, pair)));
        }
        return joined.map(|joined| whole(aligned, joined));
    }
    #[cfg(test)]
    let use_bound = !tests::FULL_SCORING.get();
    #[cfg(not(test))]
    let use_bound = true;
    if use_bound && cut > 0.0 {
        let weights = (query_weights, candidate_weights);
        let names = (query, candidate, query_shape, candidate_shape);
        let bound = score_bound(names, weights, (sims, groups), joined.as_ref().map(|j| j.0), best);
        if bound < cut {
            #[cfg(test)]
            tests::SKIPPED.set(tests::SKIPPED.get() + 1);
            return None;
        }
    }
    // Whole words align first, initials after: "V." must not take "Vlagyimir" from "Vladimir".
    sims.sort_by(|a, b| {
        (a.3 == How::Initial)
            .cmp(&(b.3 == How::Initial))
            .then(b.0.total_cmp(&a.0))
            .then(a.1.cmp(&b.1))
            .then(a.2.cmp(&b.2))
    });
    q_used.clear();
    q_used.resize(query.len(), false);
    c_used.clear();
    c_used.resize(candidate.len(), false);
    let (mut q_matched, mut c_matched, mut shared, mut substantive) = (0.0_f32, 0.0_f32, 0.0_f32, false);
    let mut exact_pairs = 0;
    // The same word on both sides aligns first, then the groups (acronyms, split words, phrases), then the rest:
    // "Chen Kai" must not be taken for a split "Chiang" when "Kai" is on both sides.
    for first in [true, false] {
        if !first {
            for group in groups.drain(..) {
                let (qr, cr) = (group.query.clone(), group.candidate.clone());
                if q_used[qr.clone()].iter().any(|u| *u) || c_used[cr.clone()].iter().any(|u| *u) {
                    continue;
                }
                q_used[qr.clone()].iter_mut().for_each(|u| *u = true);
                c_used[cr.clone()].iter_mut().for_each(|u| *u = true);
                let wq: f32 = query_weights[qr.clone()].iter().sum();
                let wc: f32 = candidate_weights[cr.clone()].iter().sum();
                q_matched += group.similarity * wq;
                c_matched += group.similarity * wc;
                shared += group.similarity * wq.min(wc);
                substantive = true;
                aligned.push(Aligned::Group { query: qr, candidate: cr, how: group.how, similarity: group.similarity });
            }
        }
        for &(sim, qi, ci, how) in sims.iter() {
            let word = how == How::Exact && sim >= 1.0 && !query[qi].generic && query[qi].text.len() > 1;
            if q_used[qi] || c_used[ci] || first && !word {
                continue;
            }
            q_used[qi] = true;
            c_used[ci] = true;
            let (wq, wc) = (query_weights[qi], candidate_weights[ci]);
            q_matched += sim * wq;
            c_matched += sim * wc;
            shared += sim * wq.min(wc);
            substantive |= !query[qi].generic && query[qi].text.len() > 1;
            exact_pairs += usize::from(sim >= 1.0);
            aligned.push(Aligned::Tokens { query: qi, candidate: ci, how, similarity: sim });
        }
    }
    // Names made only of generic words or initials ("Société Générale S.A.", "A.B.C. Company") match only in full,
    // and in order: "C.B.A. Company" is another company.
    let identical = exact_pairs >= 2
        && exact_pairs == query.len()
        && exact_pairs == candidate.len()
        && query
            .iter()
            .zip(candidate)
            .all(|(q, c)| q.text == c.text || q.classes.iter().any(|id| c.classes.contains(id)));
    if identical && !substantive {
        return Some(1.0);
    }
    if !substantive {
        return joined.map(|joined| whole(aligned, joined));
    }
    // An organisation is named in full: an extra word ("Deutsche Bank Trust", "Banco Santander México") names a
    // different, often related, company. A person's name is often given without middle names.
    let organisation = query.iter().chain(candidate).any(|t| is_organisational(t, index));
    // A descriptor ("Trust", "Systems", "Capital") weighs little when both names have it, but one name has and the
    // other lacks says which of a group's companies is meant ("Deutsche Bank Trust Company", "Deutsche Bank").
    // Only in a name that is surely a company's: a word such as "Mir" (Russian for world) is also a person's name.
    let company = query.iter().chain(candidate).any(|t| is_company_word(t, index));
    let unmatched_descriptors = |tokens: &[Token], weights: &[f32], used: &[bool]| -> (f32, bool) {
        let mut extra = 0.0;
        let mut any = false;
        for ((t, w), used) in tokens.iter().zip(weights).zip(used) {
            if company && !used && is_descriptor(t, index) {
                extra += (DESCRIPTOR_WEIGHT - w).max(0.0);
                any = true;
            }
        }
        (extra, any)
    };
    let (q_extra, q_descriptor) = unmatched_descriptors(query, query_weights, q_used);
    let (c_extra, c_descriptor) = unmatched_descriptors(candidate, candidate_weights, c_used);
    let q_total: f32 = query_weights.iter().sum::<f32>() + q_extra;
    let c_total: f32 = candidate_weights.iter().sum::<f32>() + c_extra;
    let (q_cover, c_cover) = (q_matched / q_total.max(1e-6), c_matched / c_total.max(1e-6));
    let max_share = if organisation { ORG_MAX_COVER_SHARE } else { MAX_COVER_SHARE };
    let base = max_share * q_cover.max(c_cover) + (1.0 - max_share) * q_cover.min(c_cover);
    // A match must rest on enough rare material: one common word shared is not evidence of identity.
    let confidence = (shared / CONFIDENT_SHARED).min(1.0);
    let mut score = base * confidence;
    // A name part present on both sides but different ("Sergey Ivanovich" against "Sergey Viktorovich", "Ahmad bin
    // Hasan" against "Ahmad bin Ali") is evidence of two people, more than a part left out on one side.
    // Name parts such as "Abdul" or "Mir" weigh little but still tell people apart; legal forms and titles do not.
    // Outside a company's name a word the tables list as a company descriptor ("Mir", Russian for world) is such a
    // name part.
    let conflicting = |tokens: &[Token], used: &[bool]| {
        tokens.iter().zip(used).any(|(t, used)| {
            !used
                && t.text.len() > 1
                && (!t.generic
                    || t.classes.iter().any(|id| {
                        index.rules().class(*id).is_some_and(|c| {
                            c.kind == ClassKind::PersonSymbol || (!company && c.kind == ClassKind::OrgSymbol)
                        })
                    }))
        })
    };
    // An initial left over where the other name has a part left over is the initial of another name ("Hans O
    // Friedrich" is not "Hans Joachim Friedrich", "William G. Frost" not "William W Frost"); so is a company's
    // descriptor ("BAE Systems", "BAE Industries").
    let initial = |tokens: &[Token], used: &[bool]| {
        tokens
            .iter()
            .zip(used)
            .any(|(t, used)| !used && t.text.len() == 1 && t.text.as_bytes()[0].is_ascii_alphabetic())
    };
    let q_conflicts = conflicting(query, q_used) || initial(query, q_used) || q_descriptor;
    let c_conflicts = conflicting(candidate, c_used) || initial(candidate, c_used) || c_descriptor;
    if q_conflicts && c_conflicts {
        score *= CONFLICT_FACTOR;
    }
    if q_descriptor != c_descriptor {
        score *= EXTRA_DESCRIPTOR_FACTOR;
    }
    // Two different legal forms (AG against GmbH) are two different companies.
    let legal_forms = |tokens: &[Token], used: &[bool]| {
        tokens
            .iter()
            .zip(used)
            .filter(|(t, _)| is_legal_form(t, index))
            .fold((false, false), |(_, paired), (_, used)| (true, paired || *used))
    };
    let ((q_forms, q_paired), (c_forms, _)) = (legal_forms(query, q_used), legal_forms(candidate, c_used));
    if q_forms && c_forms && !q_paired {
        score *= LEGAL_FORM_FACTOR;
    }
    // Across scripts the letters of a name part differ but its sounds stay: the consonant skeletons of the whole
    // names, in order, agree ("Hsi Chin-ping" and "Xi Jinping", "Saddam Husayn" and "Saddam Hussein").
    if score < SKELETON_SCORE && whole_skeleton_matches((query, candidate), (query_shape, candidate_shape)) {
        score = SKELETON_SCORE;
    }
    match joined {
        Some(joined) if joined.0 > score => Some(whole(aligned, joined)),
        _ => Some(score),
    }
}

/// An upper bound of what [`score_tokens`] returns, from the similarities of the token pairs and groups, before they
/// are aligned: every token is counted with its best similarity as if it were aligned with it, which covers each
/// side at least as much as any alignment does; the rarest-material share cannot exceed either side's matched weight;
/// the better-covered side is given the person's (larger) share; the factors for conflicts, descriptors and legal
/// forms (all below 1) are left out; and the whole-name paths count at their value: the names joined without spaces
/// (`joined`, already computed), the whole skeletons (0.82), and two names of the same words in the same order (1.0).
fn score_bound(
    (query, candidate, query_shape, candidate_shape): (&[Token], &[Token], &NameShape, &NameShape),
    (query_weights, candidate_weights): (&[f32], &[f32]),
    (sims, groups): (&[PairSimilarity], &[GroupMatch]),
    joined: Option<f32>,
    (q_best, c_best): &mut (Vec<f32>, Vec<f32>),
) -> f32 {
    q_best.clear();
    q_best.resize(query.len(), 0.0);
    c_best.clear();
    c_best.resize(candidate.len(), 0.0);
    for &(sim, qi, ci, _) in sims {
        q_best[qi] = q_best[qi].max(sim);
        c_best[ci] = c_best[ci].max(sim);
    }
    for group in groups {
        q_best[group.query.clone()].iter_mut().for_each(|b| *b = b.max(group.similarity));
        c_best[group.candidate.clone()].iter_mut().for_each(|b| *b = b.max(group.similarity));
    }
    let matched = |best: &[f32], weights: &[f32]| best.iter().zip(weights).map(|(b, w)| b * w).sum::<f32>();
    let (q_matched, c_matched) = (matched(q_best, query_weights), matched(c_best, candidate_weights));
    let q_cover = q_matched / query_weights.iter().sum::<f32>().max(1e-6);
    let c_cover = c_matched / candidate_weights.iter().sum::<f32>().max(1e-6);
    let base = MAX_COVER_SHARE * q_cover.max(c_cover) + (1.0 - MAX_COVER_SHARE) * q_cover.min(c_cover);
    let confidence = (q_matched.min(c_matched) / CONFIDENT_SHARED).min(1.0);
    let mut bound = (base * confidence).max(joined.unwrap_or(0.0));
    if whole_skeleton_matches((query, candidate), (query_shape, candidate_shape)) {
        bound = bound.max(SKELETON_SCORE);
    }
    let same_words = query.len() == candidate.len()
        && query
            .iter()
            .zip(candidate)
            .all(|(q, c)| q.text == c.text || q.classes.iter().any(|id| c.classes.contains(id)));
    if same_words {
        bound = 1.0;
    }
    bound
}

/// What the scoring of a pair of names needs to know of each name as a whole, summed up once per indexed name (at
/// index build, 40 bytes a name) and once per query instead of once per pair: what [`group_matches`] looks for, so
/// that the pairs of names where no group can form skip it (most pairs of person names have no acronym of the
/// other's initials, no phrase and no word split in two), and the scripts [`whole_skeleton_matches`] compares.
///
/// Every test of [`NameShape::searches`] is looser than [`group_matches`]'s own (letters are kept by their byte
/// modulo 32, lengths of 31 and more count as 31, counts of 255 and more as 255): it may let through a pair that
/// has no group, never turn away one that has.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct NameShape {
    /// The number of tokens.
    tokens: u8,
    /// Whether a token starts a phrase.
    phrases: bool,
    /// The number of the name's acronyms (as [`group_matches`] finds them) kept below; [`u8::MAX`] when there are
    /// more than four, and any of them may match.
    acronyms: u8,
    /// The acronyms' lengths.
    acronym_lengths: [u8; 4],
    /// The acronyms' letters (bits as in `initials`).
    acronym_letters: [u32; 4],
    /// The first letters of the tokens (bit `byte % 32`).
    initials: u32,
    /// The lengths of two adjacent words of two letters or more written together (bit `min(length, 31)`).
    pairs: u32,
    /// The lengths of the words of six letters or more (bit `min(length, 31)`).
    long_words: u32,
    /// The scripts of the tokens ([`Script::bit`]).
    scripts: u32,
}

impl NameShape {
    /// The shape of a name given as tokens.
    pub(crate) fn of(tokens: &[Token]) -> NameShape {
        let bit = |byte: u8| 1_u32 << (byte % 32);
        let length_bit = |length: usize| 1_u32 << length.min(31);
        let count = |n: usize| u8::try_from(n).unwrap_or(u8::MAX);
        let mut shape = NameShape { tokens: count(tokens.len()), ..NameShape::default() };
        let mut acronym = |letters: u32, length: usize| match (
            shape.acronym_lengths.get_mut(usize::from(shape.acronyms)),
            shape.acronym_letters.get_mut(usize::from(shape.acronyms)),
        ) {
            (Some(kept_length), Some(kept_letters)) => {
                *kept_length = count(length);
                *kept_letters = letters;
                shape.acronyms += 1;
            }
            _ => shape.acronyms = u8::MAX,
        };
        for_each_acronym(tokens, |range| {
            let words = &tokens[range];
            let letters = words.iter().flat_map(|t| t.text.bytes()).fold(0, |mask, b| mask | bit(b));
            acronym(letters, words.iter().map(|t| t.text.len()).sum());
        });
        for (i, token) in tokens.iter().enumerate() {
            shape.initials |= token.text.as_bytes().first().map_or(0, |b| bit(*b));
            shape.phrases |= token.phrases.is_some();
            if let Some(next) = tokens.get(i + 1).filter(|next| token.text.len() > 1 && next.text.len() > 1) {
                shape.pairs |= length_bit(token.text.len() + next.text.len());
            }
            if token.text.len() >= 6 {
                shape.long_words |= length_bit(token.text.len());
            }
            shape.scripts |= token.script.bit();
        }
        shape
    }

    /// Which of [`group_matches`]'s searches may find a group between the names of shapes `a` (the query) and `b`
    /// (the candidate): a search left out surely finds none.
    fn searches(a: &NameShape, b: &NameShape) -> Searches {
        // An acronym of one name needs as many words in the other, with its letters as their first letters.
        let acronym = |a: &NameShape, b: &NameShape| {
            a.acronyms == u8::MAX
                || a.acronym_letters
                    .iter()
                    .zip(a.acronym_lengths)
                    .take(usize::from(a.acronyms))
                    .any(|(&letters, length)| letters & !b.initials == 0 && length <= b.tokens)
        };
        // A split word needs a word in the other name within one letter of the two words' length.
        let split = |a: &NameShape, b: &NameShape| (a.pairs | a.pairs << 1 | a.pairs >> 1) & b.long_words != 0;
        Searches {
            acronyms: [acronym(a, b), acronym(b, a)],
            phrases: [a.phrases, b.phrases],
            splits: [split(a, b), split(b, a)],
        }
    }
}

/// Which of [`group_matches`]'s searches to make, for the query's groups against the candidate's tokens (first)
/// and for the candidate's groups against the query's tokens (second): acronyms, phrases, words split in two.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Searches {
    acronyms: [bool; 2],
    phrases: [bool; 2],
    splits: [bool; 2],
}

impl Searches {
    /// Every search.
    #[cfg(test)]
    const ALL: Searches = Searches { acronyms: [true; 2], phrases: [true; 2], splits: [true; 2] };

    /// Whether there is any search to make.
    fn any(self) -> bool {
        self != Searches { acronyms: [false; 2], phrases: [false; 2], splits: [false; 2] }
    }
}

/// Several tokens on one side matched with one or more on the other.
#[derive(Debug, Clone)]
struct GroupMatch {
    query: std::ops::Range<usize>,
    candidate: std::ops::Range<usize>,
    similarity: f32,
    how: How,
}

/// Room for `len` bytes: the stack buffer when they fit, else `long`, grown to `len`.
fn room<'a>(len: usize, buffer: &'a mut [u8; 32], long: &'a mut Vec<u8>) -> &'a mut [u8] {
    if len <= buffer.len() {
        &mut buffer[..]
    } else {
        long.resize(len, 0);
        &mut long[..]
    }
}

/// Calls `found` with the tokens of every acronym in a name: initials written apart ("U.S.", "A.B.C."), a run of
/// two or more single letters, or a word of two to four ASCII letters ("PLA", "JC"); none with an equivalence class.
/// [`group_matches`] matches them against the words they abbreviate, and [`NameShape`] sums them up for it.
fn for_each_acronym(tokens: &[Token], mut found: impl FnMut(std::ops::Range<usize>)) {
    let mut i = 0;
    while i < tokens.len() {
        let run = tokens[i..].iter().take_while(|t| t.text.len() == 1 && t.classes.is_empty()).count();
        if run >= 2 {
            found(i..i + run);
            i += run;
            continue;
        }
        let token = &tokens[i];
        if (2..=4).contains(&token.text.len())
            && token.classes.is_empty()
            && token.text.bytes().all(|b| b.is_ascii_alphabetic())
        {
            found(i..i + 1);
        }
        i += 1;
    }
}

/// Finds the matches that are not token to token: an acronym or initials written as one word against the words
/// they abbreviate ("PLA" and "People's Liberation Army", "JC" and "Jean-Claude"), and a word split in two
/// against the whole word ("Patr ushev" and "Patrushev", "Chin-ping" and "Jinping" when the sounds agree).
///
/// The matches are left in `found`, best first; `acronyms` and `letters` are working space. The skeletons of the
/// query's joined words come from the [`SimilarityMemo`] (started for the query), the candidate's from
/// `candidate_joined` ([`JoinedSkeletons`], with the number of the candidate's first token in them).
fn group_matches(
    (query, candidate, searches): (&[Token], &[Token], Searches),
    (memo, candidate_joined): (&mut SimilarityMemo, (&JoinedSkeletons, usize)),
    (acronyms, letters): (&mut Acronyms, &mut String),
    found: &mut Vec<GroupMatch>,
) {
    found.clear();
    let mut push = |a: std::ops::Range<usize>, b: std::ops::Range<usize>, similarity: f32, how, flipped: bool| {
        let (query, candidate) = if flipped { (b, a) } else { (a, b) };
        found.push(GroupMatch { query, candidate, similarity, how });
    };
    for (side, (a, b, flipped)) in [(query, candidate, false), (candidate, query, true)].into_iter().enumerate() {
        // Acronyms: a word of two to four letters ("PLA", "JC"), or initials written apart ("U.S.", "A.B.C.").
        acronyms.clear();
        letters.clear();
        if searches.acronyms[side] {
            for_each_acronym(a, |range| {
                let start = letters.len();
                a[range.clone()].iter().for_each(|t| letters.push_str(&t.text));
                acronyms.push((range, start..letters.len()));
            });
        }
        for (range, written) in acronyms.drain(..) {
            let letters = &letters.as_bytes()[written];
            if b.iter().any(|t| t.text.as_bytes() == letters) {
                continue;
            }
            for start in 0..b.len().saturating_sub(letters.len() - 1) {
                let run = &b[start..start + letters.len()];
                let spelled = run.iter().zip(letters).all(|(t, l)| t.text.as_bytes().first() == Some(l));
                let written_out = run.iter().any(|t| t.text.len() > 1);
                // The same initials, written together on one side and apart on the other ("ABC", "A.B.C.").
                let apart = range.len() == 1 && run.iter().all(|t| t.text.len() == 1);
                if spelled && (written_out || apart) {
                    let similarity = if apart { 0.95 } else { ACRONYM_SIMILARITY };
                    push(range.clone(), start..start + letters.len(), similarity, How::Acronym, flipped);
                }
            }
        }
        // A phrase of several words against its equivalent, one word ("PLA") or another phrase.
        for (i, token) in a.iter().enumerate().filter(|_| searches.phrases[side]) {
            for phrase in token.phrases.iter().flat_map(|p| p.iter()) {
                let (length, classes) = (phrase.words, &phrase.classes);
                if i + length > a.len() {
                    continue;
                }
                for (j, other) in b.iter().enumerate() {
                    if other.classes.iter().any(|id| classes.contains(id)) {
                        push(i..i + length, j..j + 1, 1.0, How::Phrase, flipped);
                    }
                    for other_phrase in other.phrases.iter().flat_map(|p| p.iter()) {
                        let fits = j + other_phrase.words <= b.len();
                        if fits && other_phrase.classes.iter().any(|id| classes.contains(id)) {
                            push(i..i + length, j..j + other_phrase.words, 1.0, How::Phrase, flipped);
                        }
                    }
                }
            }
        }
        for (i, token) in a.iter().enumerate().filter(|_| searches.splits[side]) {
            // A word split in two.
            if let Some(next) = a.get(i + 1).filter(|next| token.text.len() > 1 && next.text.len() > 1) {
                let length = token.text.len() + next.text.len();
                for (j, other) in b.iter().enumerate() {
                    if other.text.len() < 6 || other.text.len().abs_diff(length) > 1 {
                        continue;
                    }
                    let exact = other.text.len() == length
                        && other.text.starts_with(token.text.as_str())
                        && other.text.ends_with(next.text.as_str());
                    // The skeleton of the two words joined, computed once per query or with the index.
                    let joined_is = |memo: &mut SimilarityMemo| {
                        #[cfg(test)]
                        if tests::NO_MEMO.get() {
                            return joined_skeleton(token, next) == other.skeleton;
                        }
                        if flipped {
                            candidate_joined.0.get(candidate_joined.1 + i) == Some(other.skeleton.as_str())
                        } else {
                            memo.query_joined_is(i, (token, next), &other.skeleton)
                        }
                    };
                    if exact || joined_is(memo) {
                        let similarity = if exact { 0.95 } else { 0.85 };
                        push(i..i + 2, j..j + 1, similarity, How::Split, flipped);
                    }
                }
            }
        }
    }
    found.sort_by(|x, y| y.similarity.total_cmp(&x.similarity));
}

/// Returns whether a token is a legal form ("AG", "LLC").
fn is_legal_form(token: &Token, index: &ScreeningIndex) -> bool {
    token.classes.iter().any(|id| index.rules().class(*id).is_some_and(|c| c.kind == ClassKind::LegalForm))
}

/// Returns whether a token is a descriptor of what an organisation does or is ("Trust", "Systems", "Capital",
/// "International"), as opposed to a word for a company as such ("Company", "Corporation", "Group") or a legal form.
fn is_descriptor(token: &Token, index: &ScreeningIndex) -> bool {
    let rules = index.rules();
    token.classes.iter().any(|id| rules.class(*id).is_some_and(|c| c.kind == ClassKind::OrgSymbol))
        && !is_company_word(token, index)
}

/// Returns whether a token is a legal form or a word for a company as such ("Company", "Corporation", "Group").
fn is_company_word(token: &Token, index: &ScreeningIndex) -> bool {
    index.rules().is_company_word(&token.classes)
}

/// Returns whether a token marks an organisation's name (a legal form or a descriptor such as "company").
fn is_organisational(token: &Token, index: &ScreeningIndex) -> bool {
    token.classes.iter().any(|id| {
        index.rules().class(*id).is_some_and(|c| matches!(c.kind, ClassKind::LegalForm | ClassKind::OrgSymbol))
    })
}

/// Returns whether the names' substantive tokens, their consonant skeletons joined in order, agree and are long
/// enough to identify (five sound classes or more).
///
/// The names' scripts come from their [`NameShape`].
fn whole_skeleton_matches(
    (query, candidate): (&[Token], &[Token]),
    (query_shape, candidate_shape): (&NameShape, &NameShape),
) -> bool {
    // Within one script a different spelling is a different name ("Olga Barynova" is not "Oleg Baranov").
    if query_shape.scripts & candidate_shape.scripts != 0 {
        return false;
    }
    let joined = |tokens: &[Token]| {
        let mut out = String::new();
        for token in tokens.iter().filter(|t| !t.generic) {
            for c in token.skeleton.chars() {
                if !out.ends_with(c) {
                    out.push(c);
                }
            }
        }
        out
    };
    let q = joined(query);
    q.len() >= 5 && q == joined(candidate)
}

/// Compares the names written without spaces ("SiemensAG", "A.B.C." against "ABC"), when the split of words is
/// what differs; `None` unless they are close.
fn concatenation_similarity(
    (query, query_weights): (&[Token], &[f32]),
    candidate: &[Token],
    index: &ScreeningIndex,
    (q, c): &mut (String, String),
) -> Option<(f32, TokenPair)> {
    // The lengths decide most pairs before the names are joined.
    let length = |tokens: &[Token]| tokens.iter().map(|t| t.text.len()).sum::<usize>();
    let (q_length, c_length) = (length(query), length(candidate));
    if q_length.min(c_length) < 6
        || query.len() == candidate.len() && query.iter().zip(candidate).all(|(a, b)| a.text == b.text)
    {
        return None;
    }
    if q_length.abs_diff(c_length) > 2 {
        return None;
    }
    let concat = |tokens: &[Token], out: &mut String| {
        out.clear();
        tokens.iter().for_each(|t| out.push_str(&t.text));
    };
    concat(query, q);
    concat(candidate, c);
    // Han, kana and Hangul are compared as written (see `token_similarity`), joined or not: "김정은" written
    // without spaces is one token whose transliteration differs from "김종은" by one letter only.
    let written = |tokens: &[Token]| -> Option<String> {
        let script = tokens.first()?.script;
        tokens
            .iter()
            .all(|t| t.script == script && t.written.is_some())
            .then(|| tokens.iter().filter_map(|t| t.written.as_deref()).collect())
    };
    if let (Some(qw), Some(cw)) = (written(query), written(candidate)) {
        if query[0].script == candidate[0].script && qw != cw {
            return None;
        }
    }
    let longest = q.len().max(c.len()) as f32;
    // The names written without spaces may differ by a misspelling or two, not by a word: however long the names,
    // a third edit is a different word ("Railroad" for "Railway", "Chad" for "China", "CON" for "PRO").
    let budget = (0.1 * longest).min(MAX_JOINED_EDITS);
    let distance = edit_distance(q.as_bytes(), c.as_bytes(), None, budget, index);
    if distance > budget {
        return None;
    }
    let sim = 1.0 - distance / longest;
    // Rare material still matters: a run of generic words or initials joined together is not an identity
    // ("N.A.B.C. Company", "A.B.C. Company").
    let information: f32 = query
        .iter()
        .zip(query_weights)
        .filter(|(t, _)| !t.generic && t.text.len() > 1)
        .map(|(_, w)| *w)
        .fold(0.0, f32::max);
    (sim >= 0.9 && information >= 0.3)
        .then(|| (sim, TokenPair { query: q.clone(), candidate: c.clone(), how: "joined".to_owned(), similarity: sim }))
}

/// How similar two tokens are, and how; `None` below the fuzzy floor.
///
/// `letters` are the tokens' letter sets ([`letter_set`]).
fn token_similarity(q: &Token, c: &Token, letters: (u32, u32), index: &ScreeningIndex) -> Option<(f32, How)> {
    if let (Some(qw), Some(cw)) = (&q.written, &c.written) {
        // Han, kana and Hangul are compared as written: their transliterations merge different characters.
        if q.script == c.script && qw != cw {
            return None;
        }
    }
    // The texts and skeletons read once: each read of an inline text decides afresh where its bytes are.
    let (q_text, c_text) = (q.text.as_str(), c.text.as_str());
    if same_text(q_text, c_text) {
        return Some((1.0, How::Exact));
    }
    if q.classes.iter().any(|id| c.classes.contains(id)) {
        return Some((1.0, How::Class));
    }
    let (short, long) = if q_text.len() <= c_text.len() { (q_text, c_text) } else { (c_text, q_text) };
    // The skeletons, read only by the tests of short words below.
    let skeletons = || {
        let (q_skeleton, c_skeleton) = (q.skeleton.as_str(), c.skeleton.as_str());
        if q_text.len() <= c_text.len() { (q_skeleton, c_skeleton) } else { (c_skeleton, q_skeleton) }
    };
    if short.len() == 1 {
        let (short_skeleton, long_skeleton) = skeletons();
        if long.as_bytes().first() == short.as_bytes().first() {
            return Some((0.9, How::Initial));
        }
        // An initial in another script or spelling ("В." against the Hangul "beulradimireu", "V." against
        // "Wladimir"): the sound class must agree.
        return (!short_skeleton.is_empty() && long_skeleton.starts_with(short_skeleton))
            .then_some((0.8, How::Initial));
    }
    // A syllable romanised by different systems ("Xi", "Hsi", "Shi", "Si"; "Pak", "Bak"): the same sound classes
    // and the same vowels.
    if long.len() <= 3
        && let (short_skeleton, long_skeleton) = skeletons()
        && !short_skeleton.is_empty()
        && short_skeleton == long_skeleton
    {
        let vowels = |t: &str| t.bytes().filter(|b| b"aeiouy".contains(b)).collect::<Vec<u8>>();
        if vowels(short) == vowels(long) {
            return Some((0.85, How::Phonetic));
        }
    }
    // Two patronymics formed from the same name in different languages ("Vladimirovich", "Wladimirowitsch",
    // "Vlagyimirovics"): their stems sound alike even where the endings differ.
    if q.patronymic && c.patronymic {
        let common = q.skeleton.bytes().zip(c.skeleton.bytes()).take_while(|(a, b)| a == b).count();
        if common >= 4 {
            return Some((0.9, How::Patronymic));
        }
    }
    let max_len = long.len();
    if short.len() >= 3 && (max_len - short.len()) * 10 <= max_len * 3 {
        // Across scripts transliteration adds its own differences, and so does an abjad or a syllabary written in
        // Latin letters; within one alphabet a misspelling is about one edit in five letters, and more is another
        // name ("Sancho" and "Sánchez", "Jónsdóttir" and "Tómasdóttir").
        let alphabet = matches!(q.script, Script::Latin | Script::Cyrillic | Script::Greek);
        let budget = if q.script == c.script && alphabet {
            if max_len <= 3 { 0.0 } else { (max_len / WITHIN_SCRIPT_LETTERS_PER_EDIT).max(1) as f32 }
        } else {
            (1.0 - if max_len <= 4 { 0.74 } else { 0.7 }) * max_len as f32
        };
        let distance = edit_distance(q_text.as_bytes(), c_text.as_bytes(), Some(letters), budget, index);
        let sim = 1.0 - distance / max_len as f32;
        if distance <= budget {
            // Each edit costs its share of the letters, scaled by FUZZY_PENALTY; the sounds may agree better.
            let fuzzy = (1.0 - FUZZY_PENALTY * (1.0 - sim), How::Fuzzy);
            return Some(match phonetic_similarity(q, c, letters, index) {
                Some(phonetic) if phonetic.0 > fuzzy.0 => phonetic,
                _ => fuzzy,
            });
        }
    }
    // A grammatical ending added to a name in another language ("Putins", "Vladimiras", "Lavrovs"): one or two
    // letters more (the texts differ).
    if short.len() >= 4
        && long.len() - short.len() <= 2
        && long.starts_with(short)
        && matches!(&long[short.len()..], "s" | "as" | "is" | "us" | "a" | "i")
    {
        return Some((0.9, How::Inflection));
    }
    phonetic_similarity(q, c, letters, index)
}

/// Whether two token texts are the same, compared byte by byte: most are a few bytes long, for which a call to
/// `memcmp` (what `==` makes) cost more than the comparison.
fn same_text(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| x == y)
}

/// How similar two tokens sound (their skeletons), and how; `None` when they do not.
///
/// The test that turns most pairs away is made here, inlined where it is called; the rest is [`sounds_alike`].
#[inline]
fn phonetic_similarity(q: &Token, c: &Token, letters: (u32, u32), index: &ScreeningIndex) -> Option<(f32, How)> {
    // Transliteration from another script loses distinctions the skeleton ignores too, so a skeleton match across
    // scripts is stronger evidence than within one.
    let across = q.script != c.script;
    // Within a script both answers below need the skeletons equal, but for a final "s" dropped from one of them:
    // skeletons that begin differently or differ in length by more than one letter do not sound alike.
    if !across {
        let (qs, cs) = (q.skeleton.as_bytes(), c.skeleton.as_bytes());
        if qs.first() != cs.first() || qs.len().abs_diff(cs.len()) > 1 {
            return None;
        }
    }
    sounds_alike(q, c, letters, across, index)
}

/// [`phonetic_similarity`] of tokens its first test did not turn away (`across`: written in different scripts).
#[inline(never)]
fn sounds_alike(q: &Token, c: &Token, letters: (u32, u32), across: bool, index: &ScreeningIndex) -> Option<(f32, How)> {
    // Romanisations of one name spell its vowels differently ("Husayn", "Hussein"; "Mahmood", "Mahmoud"): the
    // same consonants and the same vowels once spelling is set aside are the same name.
    if !across
        && q.skeleton == c.skeleton
        && q.text.len().min(c.text.len()) >= 4
        && vowel_spelling(&q.text) == vowel_spelling(&c.text)
    {
        return Some((0.92, How::Spelling));
    }
    let (mut qs, mut cs) = (q.skeleton.as_bytes(), c.skeleton.as_bytes());
    // A grammatical ending in one language ("Vladimiras", "Putins") is not part of the name.
    let inflected = |text: &str, skeleton: &[u8]| text.ends_with('s') && skeleton.len() > 3 && skeleton.ends_with(b"s");
    if inflected(&q.text, qs) && !c.text.ends_with('s') {
        qs = &qs[..qs.len() - 1];
    } else if inflected(&c.text, cs) && !q.text.ends_with('s') {
        cs = &cs[..cs.len() - 1];
    }
    // Across scripts, the coronal sounds (t, d, s, z, ch, j) are where transliterations differ most: Japanese writes
    // "di" as "zi", Chinese "jing" for "tin", Belarusian "ts" for "t"; and a final "ng" (Chinese, Burmese) is "n".
    // Written on the stack for skeletons of up to 32 letters (nearly all), else in a vector.
    let (mut q_buffer, mut c_buffer, mut q_long, mut c_long) = ([0_u8; 32], [0_u8; 32], Vec::<u8>::new(), Vec::new());
    if across {
        qs = coronal(qs, room(qs.len(), &mut q_buffer, &mut q_long));
        cs = coronal(cs, room(cs.len(), &mut c_buffer, &mut c_long));
    }
    if qs.len() >= 3 && qs == cs {
        if across {
            return Some((0.92, How::Phonetic));
        }
        // Within a script, the same sounds one letter apart ("Putyin", "Putin") is nearly the same spelling, two
        // letters apart a variant ("Schulze", "Scholz"). Further apart, a short skeleton is another name that
        // happens to share its consonants ("Castillo", "Castro"); a long one is still the same name in another
        // language's spelling ("Volodymyr", "Vlagyimir", "Vladimir").
        let letters = edit_distance(q.text.as_bytes(), c.text.as_bytes(), Some(letters), 2.0, index);
        return match letters {
            d if d <= 1.0 => Some((0.92, How::Phonetic)),
            d if d <= 2.0 || qs.len() >= 5 => Some((0.85, How::Phonetic)),
            _ => None,
        };
    }
    // Across scripts, one sound more or less ("Abena", "Adina" written in Arabic) is still a transliteration;
    // within a script it is a different name ("Musafir", "Musharraf"; "Sandeep", "Sundar").
    if across
        && qs.len().min(cs.len()) >= 3
        && qs.len().max(cs.len()) >= 4
        && qs[0] == cs[0]
        && edit_distance(qs, cs, None, 1.0, index) <= 1.0
    {
        return Some((0.85, How::Phonetic));
    }
    None
}

/// Writes a skeleton with its coronal sounds merged (see [`phonetic_similarity`]) into `out` (at least as long as the
/// skeleton) and returns the written part: `s` and `c` as `t`, a sound repeated once, a final `nk` as `n`.
fn coronal<'a>(skeleton: &[u8], out: &'a mut [u8]) -> &'a [u8] {
    let mut length = 0;
    for &b in skeleton {
        let b = if matches!(b, b's' | b'c') { b't' } else { b };
        if length == 0 || out[length - 1] != b {
            out[length] = b;
            length += 1;
        }
    }
    if out[..length].ends_with(b"nk") {
        length -= 1;
    }
    &out[..length]
}

/// Returns a folded word with its spelling conventions set aside: doubled letters once, and the vowel digraphs of
/// English, French and German romanisations as one vowel ("ou", "oo" as "u"; "ee" as "i"; "ay", "ai", "ey", "ei" as
/// "ei").
fn vowel_spelling(word: &str) -> Vec<u8> {
    let mut out: Vec<u8> = Vec::with_capacity(word.len());
    let bytes = word.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let pair = (bytes[i], bytes.get(i + 1).copied().unwrap_or(0));
        let (sound, width): (&[u8], usize) = match pair {
            (b'o', b'u' | b'o') => (b"u", 2),
            (b'e', b'e') => (b"i", 2),
            (b'a' | b'e', b'y' | b'i') => (b"ei", 2),
            _ => (&bytes[i..=i], 1),
        };
        for &b in sound {
            if out.last() != Some(&b) {
                out.push(b);
            }
        }
        i += width;
    }
    out
}

/// Damerau (optimal string alignment) distance; a confusable substitution costs half. Three rolling rows; stops
/// early and returns a value above `budget` as soon as two consecutive rows exceed it, or before any row when the
/// letters the words do not share already cost more than `budget` ([`letter_set_bound`] of their letter sets
/// `sets` when the caller has them, then [`letter_bound`]). Above `budget` the value says only that: every caller
/// compares it with `budget` or less.
fn edit_distance(a: &[u8], b: &[u8], sets: Option<(u32, u32)>, budget: f32, index: &ScreeningIndex) -> f32 {
    #[cfg(test)]
    let use_bound = !tests::FULL_DISTANCE.get();
    #[cfg(not(test))]
    let use_bound = true;
    if use_bound {
        if let Some(sets) = sets {
            let bound = letter_set_bound(sets, (a.len(), b.len()));
            if bound > budget {
                return bound;
            }
        }
        let bound = letter_bound(a, b);
        if bound > budget {
            return bound;
        }
    }
    // Computed in half edits with integers, the same number bit for bit (see `edit_distance.rs`).
    crate::edit_distance::edit_distance(a, b, budget, index.rules())
}

/// The set of a word's letters, as bits: bit `byte % 32` for each of its bytes (digits share bits with letters,
/// which can only lower [`letter_set_bound`]).
pub(crate) fn letter_set(word: &[u8]) -> u32 {
    word.iter().fold(0, |set, &byte| set | 1 << (byte % 32))
}

/// A lower bound of [`letter_bound`] (so of the distance) from the words' letter sets ([`letter_set`]) and lengths
/// alone: every bit one word has and the other lacks stands for at least one letter the other lacks, so `more` and
/// `fewer` are at least the counts of such bits. A few instructions, where [`letter_bound`] reads every letter
/// four times: most pairs of different names are told apart here.
fn letter_set_bound((a, b): (u32, u32), (a_len, b_len): (usize, usize)) -> f32 {
    let (more, fewer) = ((a & !b).count_ones(), (b & !a).count_ones());
    let difference = u32::try_from(a_len.abs_diff(b_len)).unwrap_or(u32::MAX);
    more.max(fewer).saturating_add(difference) as f32 * 0.5
}

/// A lower bound of [`edit_distance`] from the letters alone, whatever their order: with `more` letters of `a` that
/// `b` lacks (counted with repeats), `fewer` the other way and `d` the difference of the lengths, every substitution
/// (at least half an edit) settles at most one letter on each side, every insertion or deletion (a whole edit) one
/// letter on one side, and a transposition none, so the distance is at least `(max(more, fewer) + d) / 2`. Some
/// 20 instructions a letter, against a row of the table per letter.
fn letter_bound(a: &[u8], b: &[u8]) -> f32 {
    if a.len() < 128 && b.len() < 128 {
        return short_letter_bound(a, b);
    }
    let mut counts = [0_i32; 256];
    for &x in a {
        counts[usize::from(x)] += 1;
    }
    for &x in b {
        counts[usize::from(x)] -= 1;
    }
    let (mut more, mut fewer) = (0_u32, 0_u32);
    for &x in a {
        let count = &mut counts[usize::from(x)];
        if *count > 0 {
            more += count.unsigned_abs();
        }
        *count = 0;
    }
    for &x in b {
        let count = &mut counts[usize::from(x)];
        if *count < 0 {
            fewer += count.unsigned_abs();
        }
        *count = 0;
    }
    let difference = a.len().abs_diff(b.len()) as u32;
    (more.max(fewer) + difference) as f32 * 0.5
}

/// [`letter_bound`] of two words shorter than 128 letters, with counts that fit a byte and half as many of them
/// (cleared in a few instructions): bytes above 127 (none in folded text) share the count of the byte 128 below,
/// which can only lower the bound, and every caller takes the full distance when the bound is within the budget.
fn short_letter_bound(a: &[u8], b: &[u8]) -> f32 {
    let mut counts = [0_i8; 128];
    let slot = |x: u8| usize::from(x & 0x7f);
    for &x in a {
        counts[slot(x)] += 1;
    }
    for &x in b {
        counts[slot(x)] -= 1;
    }
    let (mut more, mut fewer) = (0_u32, 0_u32);
    for &x in a {
        let count = &mut counts[slot(x)];
        if *count > 0 {
            more += u32::from(count.unsigned_abs());
        }
        *count = 0;
    }
    for &x in b {
        let count = &mut counts[slot(x)];
        if *count < 0 {
            fewer += u32::from(count.unsigned_abs());
        }
        *count = 0;
    }
    let difference = a.len().abs_diff(b.len()) as u32;
    (more.max(fewer) + difference) as f32 * 0.5
}

/// The effect of a date of birth on the score and the listed date it comes from (the first of the best); `None`
/// when the entry has no date.
fn date_evidence<'a>(query: &BirthDate, listed: &'a [BirthDate]) -> Option<(f32, &'a BirthDate)> {
    let mut best: Option<(f32, &BirthDate)> = None;
    for date in listed {
        let delta = match year_gap(query, date) {
            0 if full_date_matches(query, date) => 0.08,
            0 => 0.05,
            1 => 0.0,
            2..=5 => -0.05,
            _ => -0.12,
        };
        if best.as_ref().is_none_or(|(d, _)| delta > *d) {
            best = Some((delta, date));
        }
    }
    best
}

/// The sentence saying how a date of birth compares with a listed one.
fn date_sentence(query: &BirthDate, date: &BirthDate) -> String {
    match year_gap(query, date) {
        0 if full_date_matches(query, date) => format!("date of birth {query} matches {date}"),
        0 => format!("year of birth {query} matches {date}"),
        1 => format!("date of birth {query} is one year from {date}"),
        year_gap @ 2..=5 => format!("date of birth {query} is {year_gap} years from {date}"),
        _ => format!("date of birth {query} differs from {date}"),
    }
}

/// The years between two (possibly ranged) dates of birth; 0 when the ranges meet.
fn year_gap(query: &BirthDate, date: &BirthDate) -> i32 {
    if query.year_from > date.year_to {
        query.year_from - date.year_to
    } else if query.year_to < date.year_from {
        date.year_from - query.year_to
    } else {
        0
    }
}

/// Whether two dates of birth agree in month and day too.
fn full_date_matches(query: &BirthDate, date: &BirthDate) -> bool {
    query.month.is_some() && query.month == date.month && query.day.is_some() && query.day == date.day
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::path::Path;

    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    use super::{
        GroupMatch, JoinedSkeletons, NameShape, Query, ScreeningConfig, Searches, SimilarityMemo, coronal,
        group_matches, letter_bound, letter_set, letter_set_bound, screen, screen_down_to,
    };
    use crate::index::ScreeningIndex;
    use crate::normalise::{Token, tokens};
    use crate::rules::NameRules;
    use crate::watchlist::{BirthDate, parse_list};

    thread_local! {
        /// Set, the matcher computes every edit distance in full, without [`letter_bound`]'s shortcut.
        pub(super) static FULL_DISTANCE: Cell<bool> = const { Cell::new(false) };
        /// Set, the matcher scores every candidate in full, without [`super::score_bound`]'s shortcut.
        pub(super) static FULL_SCORING: Cell<bool> = const { Cell::new(false) };
        /// The candidates [`super::score_bound`] skipped.
        pub(super) static SKIPPED: Cell<usize> = const { Cell::new(0) };
        /// Set, the matcher compares every pair of tokens afresh, without [`super::SimilarityMemo`].
        pub(super) static NO_MEMO: Cell<bool> = const { Cell::new(false) };
    }

    /// The yente queries against the UN list, each screened twice (the second time with the thread's tables grown
    /// and stamped by earlier queries), give the same matches, scores and explanations as when every pair of tokens
    /// is compared afresh and every joined skeleton computed afresh.
    #[test]
    fn similarity_memo_gives_the_same_matches_as_comparing_afresh() {
        let (queries, index, config) = yente_queries_and_un_index();
        let mut reported = 0;
        for round in 0..2 {
            for query in &queries {
                NO_MEMO.set(true);
                let afresh = screen(query, &index, &config);
                NO_MEMO.set(false);
                assert_eq!(screen(query, &index, &config), afresh, "query `{}`, round {round}", query.name);
                reported += afresh.len();
            }
        }
        assert!(reported > 2_000, "{reported} matches reported");
        // Another index numbers other texts with the same numbers: queries alternating between the two indexes
        // reuse nothing of the other's table.
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let xml = std::fs::read(root.join("../../data/watch-lists/un-sc-consolidated-2018.xml")).expect("UN list");
        let mut reversed = parse_list(&xml, "UN").expect("UN list parses");
        reversed.entries.reverse();
        let other = ScreeningIndex::build(&[reversed], NameRules::builtin());
        for query in queries.iter().step_by(5) {
            for index in [&index, &other, &index] {
                NO_MEMO.set(true);
                let afresh = screen(query, index, &config);
                NO_MEMO.set(false);
                assert_eq!(screen(query, index, &config), afresh, "query `{}`", query.name);
            }
        }
    }

    #[test]
    fn letter_bound_never_exceeds_the_distance() {
        let rules = NameRules::builtin();
        // Few letters, so that repeats, transpositions and confusable pairs ("0"/"o", "1"/"l") are frequent.
        let alphabet = b"aeiolnrs01";
        let mut rng = StdRng::seed_from_u64(11);
        for _ in 0..100_000 {
            let word = |rng: &mut StdRng| -> Vec<u8> {
                (0..rng.gen_range(0..14)).map(|_| alphabet[rng.gen_range(0..alphabet.len())]).collect()
            };
            let (a, b) = (word(&mut rng), word(&mut rng));
            let distance = crate::edit_distance::edit_distance(&a, &b, 100.0, &rules);
            let bound = letter_bound(&a, &b);
            let set_bound = letter_set_bound((letter_set(&a), letter_set(&b)), (a.len(), b.len()));
            assert!(
                set_bound <= bound && bound <= distance,
                "`{}` against `{}`: bounds {set_bound} and {bound}, distance {distance}",
                String::from_utf8_lossy(&a),
                String::from_utf8_lossy(&b)
            );
        }
    }

    /// [`coronal`] written into a slice gives what the merge gave in a vector, for skeletons short and long.
    #[test]
    fn coronal_merge_in_a_slice_is_the_merge_in_a_vector() {
        let reference = |skeleton: &[u8]| -> Vec<u8> {
            let mut out: Vec<u8> = Vec::with_capacity(skeleton.len());
            for &b in skeleton {
                let b = if matches!(b, b's' | b'c') { b't' } else { b };
                if out.last() != Some(&b) {
                    out.push(b);
                }
            }
            if out.ends_with(b"nk") {
                out.pop();
            }
            out
        };
        let alphabet = b"stcnkpm";
        let mut rng = StdRng::seed_from_u64(3);
        for _ in 0..50_000 {
            let skeleton: Vec<u8> =
                (0..rng.gen_range(0..40)).map(|_| alphabet[rng.gen_range(0..alphabet.len())]).collect();
            let mut out = vec![0; skeleton.len()];
            assert_eq!(coronal(&skeleton, &mut out), reference(&skeleton), "{skeleton:?}");
        }
    }

    /// [`group_matches`] making only the searches of [`NameShape::searches`] finds the groups it finds making every
    /// search (so pairs where no search is left find none): the yente queries and the
    /// UN list's names against the list's names (which have acronyms, initials, phrases and words split in two).
    #[test]
    fn name_shapes_leave_out_only_searches_that_find_nothing() {
        let (queries, index, _) = yente_queries_and_un_index();
        let rules = index.rules();
        let listed: Vec<Vec<Token>> = index.names.iter().map(|n| n.tokens.clone()).collect();
        let asked = queries.iter().step_by(4).map(|q| tokens(&q.name, rules).tokens);
        let names: Vec<Vec<Token>> = asked.chain(listed.iter().step_by(3).cloned()).collect();
        let mut memo = SimilarityMemo::default();
        let (mut acronyms, mut letters, mut found, mut all) = (Vec::new(), String::new(), Vec::new(), Vec::new());
        let (mut turned_away, mut grouped) = (0, 0);
        for a in &names {
            let a_shape = NameShape::of(a);
            memo.start(&index, a);
            for b in listed.iter().step_by(7) {
                let mut b_joined = JoinedSkeletons::default();
                b_joined.push(b);
                let working = (&mut acronyms, &mut letters);
                group_matches((a, b, Searches::ALL), (&mut memo, (&b_joined, 0)), working, &mut all);
                let searches = NameShape::searches(&a_shape, &NameShape::of(b));
                let working = (&mut acronyms, &mut letters);
                group_matches((a, b, searches), (&mut memo, (&b_joined, 0)), working, &mut found);
                let pairs = |groups: &[GroupMatch]| -> Vec<_> {
                    groups
                        .iter()
                        .map(|g| (g.query.clone(), g.candidate.clone(), g.similarity.to_bits(), g.how))
                        .collect()
                };
                assert_eq!(pairs(&found), pairs(&all), "{a:?} against {b:?}");
                turned_away += usize::from(!searches.any());
                grouped += usize::from(!all.is_empty());
            }
        }
        assert!(turned_away > 100_000 && grouped > 100, "{turned_away} pairs turned away, {grouped} with groups");
    }

    /// The yente queries (UN positives, US negatives, US Congress: 2,937 names with dates of birth and
    /// nationalities), the UN list's index and the recommended configuration.
    fn yente_queries_and_un_index() -> (Vec<Query>, ScreeningIndex, ScreeningConfig) {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let xml = std::fs::read(root.join("../../data/watch-lists/un-sc-consolidated-2018.xml")).expect("UN list");
        let list = parse_list(&xml, "UN").expect("UN list parses");
        let index = ScreeningIndex::build(std::slice::from_ref(&list), NameRules::builtin());
        let config = ScreeningConfig::recommended();
        let mut queries = Vec::new();
        for file in ["positives_un_untreated.csv", "negatives_us.csv", "positives_us_congress_untreated.csv"] {
            let bytes = std::fs::read(root.join("test_data/yente").join(file)).expect("yente file");
            for record in csv::Reader::from_reader(bytes.as_slice()).records() {
                let record = record.expect("CSV record");
                queries.push(Query {
                    name: record[0].to_owned(),
                    date_of_birth: BirthDate::parse(&record[5]),
                    nationality: Some(record[7].to_owned()),
                });
            }
        }
        assert!(queries.len() > 2_900, "{} queries", queries.len());
        (queries, index, config)
    }

    /// The queries of the yente UN, negative and congress files against the UN list: the matches, scores, order,
    /// aligned tokens and explanations are the same whether edit distances are cut short by the letter bound or
    /// computed in full.
    #[test]
    fn shortcuts_give_the_same_matches_as_full_scoring() {
        let (queries, index, config) = yente_queries_and_un_index();
        let mut reported = 0;
        for query in &queries {
            FULL_DISTANCE.set(true);
            let full = screen(query, &index, &config);
            FULL_DISTANCE.set(false);
            let fast = screen(query, &index, &config);
            assert_eq!(fast, full, "query `{}`", query.name);
            reported += full.len();
        }
        // The comparison covers many reported matches, not only empty answers.
        assert!(reported > 1_000, "{reported} matches reported");
    }

    /// The yente queries, each also without its date of birth and nationality (the parties of a consignment have
    /// neither), against the UN list: candidates skipped by the score bound are those that could not be reported, at
    /// the report floor (`screen`) and at the threshold (`screen_parties`), so the matches are the same as when every
    /// candidate is scored in full; and the bound does skip candidates.
    #[test]
    fn score_bound_gives_the_same_matches_as_full_scoring() {
        let (queries, index, config) = yente_queries_and_un_index();
        let bare = queries.iter().map(|q| Query { name: q.name.clone(), date_of_birth: None, nationality: None });
        let all: Vec<Query> = queries.iter().cloned().chain(bare).collect();
        let (mut reported, mut matched) = (0, 0);
        SKIPPED.set(0);
        for query in &all {
            FULL_SCORING.set(true);
            let full = screen(query, &index, &config);
            FULL_SCORING.set(false);
            assert_eq!(screen(query, &index, &config), full, "query `{}`", query.name);
            let at_threshold: Vec<_> = full.iter().filter(|m| m.score >= config.threshold).cloned().collect();
            let bounded = screen_down_to(query, &index, &config, config.threshold);
            assert_eq!(bounded, at_threshold, "query `{}` at the threshold", query.name);
            reported += full.len();
            matched += at_threshold.len();
        }
        assert!(reported > 2_000 && matched > 1_000, "{reported} matches reported, {matched} at the threshold");
        // A floor of 0 keeps every candidate scored, even one whose evidence takes its score below 0.
        let everything = ScreeningConfig { report_floor: 0.0, ..config };
        for query in all.iter().step_by(10) {
            FULL_SCORING.set(true);
            let full = screen(query, &index, &everything);
            FULL_SCORING.set(false);
            assert_eq!(screen_down_to(query, &index, &everything, 0.0), full, "query `{}` at floor 0", query.name);
        }
        assert!(SKIPPED.get() > 10_000, "{} candidates skipped", SKIPPED.get());
    }
}
