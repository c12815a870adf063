//! Profiles' conditions compiled to flat programs: one array of 64-bit words for the whole set, each profile's
//! program (a header, then its nodes in pre-order, each followed by its operands) in one contiguous run, with the
//! common tests specialised by field (HS codes, countries and LOCODEs as packed integers, numbers as `f64`, regular
//! expressions shared across profiles), evaluated against facts extracted once per consignment.
//!
//! The layout is built for memory latency: a candidate's validity, flags, nodes and operands sit in one or two
//! cache lines, found directly from the index's postings (which carry the program's position), so that evaluating
//! a candidate costs one miss instead of one per array.
//!
//! The tree in [`Expr`] stays the definition: every test the program does not specialise is evaluated (and its
//! evidence recorded) by the tree evaluator ([`Env::test`]). A specialised test gives exactly the answer, and the
//! evidence, the tree evaluator gives; the codes it reads are canonical in the model (`HsCode` is digits,
//! `CountryCode` and `LoCode` upper-case ASCII), which is what lets an operand be packed once into an integer and
//! compared without case folding. Debug builds check both on every candidate (`indicator/profiles.rs`), and the
//! tests below on random conditions.

use aduana_core::{Consignment, Evidence, GoodsItem};

use crate::profile::eval::{
    DESCRIPTION, Env, GROSS_MASS, HS_CODE, NET_MASS, ORIGIN_COUNTRY, VALUE_AMOUNT, country_str, decimal,
    goods_evidence, goods_number_evidence, route_evidence, static_evidence,
};
use crate::profile::literals::Words;
use crate::profile::{Cmp, Expr, Field, Op, Profile, Test};

/// The compiled programs of a profile set.
#[derive(Debug, Default)]
pub(crate) struct Programs {
    /// Every profile's program, in profile order: [`HEADER`] words (validity; profile index and flags), then its
    /// nodes in pre-order. A node is one word ([`Kind::pack`]) holding the position (relative to the first node)
    /// just past its subtree, followed by its operands: the packed codes of a code test, (code, mask) pairs of a
    /// prefix test, the `f64` bits of a number test, the index of a regular expression or of a generic test.
    words: Vec<u64>,
    /// Where each profile's program starts in `words`, by profile index (increasing).
    starts: Vec<u32>,
    /// The distinct regular expressions (one compiled program and one cache each, whatever the number of profiles
    /// that use them).
    regexes: Vec<std::sync::Arc<regex::Regex>>,
    /// Per regular expression, its words when it is an alternation of plain words (scanned for directly in ASCII
    /// descriptions, see [`Words`]).
    regex_words: Vec<Option<Words>>,
    /// The tests left to the tree evaluator.
    generic: Vec<Test>,
}

/// The words of a program's header: validity (first day in the low half, last day in the high half), then the
/// profile index (low half) and flags (high half: bit 0 set when the condition tests goods fields).
const HEADER: usize = 2;

/// What is read of a profile for every candidate: its program's header.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Head {
    /// Its validity as day numbers (first day, last day inclusive; see [`crate::profile::day_number`]).
    from: i32,
    to: i32,
    /// The profile's index in the set.
    profile: u32,
    /// Whether its condition tests goods fields (and so is evaluated per goods item).
    pub(crate) uses_goods: bool,
    /// Whether two of the evidence entries its condition records can be the same (see [`may_repeat_evidence`]);
    /// when not, a hit's evidence needs no de-duplication.
    pub(crate) may_repeat_evidence: bool,
}

impl Head {
    /// Returns whether the profile applies on a day (see [`crate::profile::day_number`]).
    pub(crate) fn is_valid_on(&self, day: i32) -> bool {
        self.from <= day && day <= self.to
    }

    /// Returns the profile's index in the set.
    pub(crate) fn profile(&self) -> usize {
        self.profile as usize
    }

    fn pack(self) -> [u64; HEADER] {
        [
            u64::from(self.from as u32) | u64::from(self.to as u32) << 32,
            u64::from(self.profile) | u64::from(self.uses_goods) << 32 | u64::from(self.may_repeat_evidence) << 33,
        ]
    }

    fn unpack(words: [u64; HEADER]) -> Head {
        Head {
            from: words[0] as u32 as i32,
            to: (words[0] >> 32) as u32 as i32,
            profile: words[1] as u32,
            uses_goods: words[1] >> 32 & 1 == 1,
            may_repeat_evidence: words[1] >> 33 & 1 == 1,
        }
    }
}

/// A node of a program; its operands follow it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    And,
    Or,
    Not,
    /// Some value of the field is one of the operands (`=`, `in`); none is when `negate` (`!=`, `not in`).
    CodeIn {
        field: CodeField,
        negate: bool,
    },
    /// Some value of the field starts with one of the prefixes: operands in (code, mask) pairs.
    CodePrefix {
        field: CodeField,
    },
    /// The goods item's number compares with the operand (its `f64` bits).
    Number {
        field: NumberField,
        cmp: Cmp,
    },
    /// The goods item's description matches the regular expression whose index is the operand.
    DescriptionMatches,
    /// A test evaluated by the tree evaluator: the operand is its index in `Programs::generic`.
    Generic,
}

const CODE_FIELDS: [CodeField; 9] = [
    CodeField::HsCode,
    CodeField::Origin,
    CodeField::Dispatch,
    CodeField::Destination,
    CodeField::Route,
    CodeField::Loading,
    CodeField::Discharge,
    CodeField::Entry,
    CodeField::Delivery,
];
const NUMBER_FIELDS: [NumberField; 3] = [NumberField::Value, NumberField::NetMass, NumberField::GrossMass];
const CMPS: [Cmp; 5] = [Cmp::Lt, Cmp::Le, Cmp::Gt, Cmp::Ge, Cmp::Eq];

/// The tags of a node word's low byte, one per [`Kind`] variant.
const TAG_AND: u64 = 0;
const TAG_OR: u64 = 1;
const TAG_NOT: u64 = 2;
const TAG_CODE_IN: u64 = 3;
const TAG_CODE_PREFIX: u64 = 4;
const TAG_NUMBER: u64 = 5;
const TAG_DESCRIPTION_MATCHES: u64 = 6;
const TAG_GENERIC: u64 = 7;

impl Kind {
    /// Packs a node: its kind in the low half (tag, field, flag bytes), `end` in the high half.
    fn pack(self, end: u32) -> u64 {
        let index = |found: Option<usize>| found.expect("a value of its own table") as u64;
        let (tag, field, flag) = match self {
            Kind::And => (TAG_AND, 0, 0),
            Kind::Or => (TAG_OR, 0, 0),
            Kind::Not => (TAG_NOT, 0, 0),
            Kind::CodeIn { field, negate } => {
                (TAG_CODE_IN, index(CODE_FIELDS.iter().position(|f| *f == field)), u64::from(negate))
            }
            Kind::CodePrefix { field } => (TAG_CODE_PREFIX, index(CODE_FIELDS.iter().position(|f| *f == field)), 0),
            Kind::Number { field, cmp } => (
                TAG_NUMBER,
                index(NUMBER_FIELDS.iter().position(|f| *f == field)),
                index(CMPS.iter().position(|c| *c == cmp)),
            ),
            Kind::DescriptionMatches => (TAG_DESCRIPTION_MATCHES, 0, 0),
            Kind::Generic => (TAG_GENERIC, 0, 0),
        };
        tag | field << 8 | flag << 16 | u64::from(end) << 32
    }

    /// Returns the position just past the subtree of a node word written by [`Kind::pack`]. (Not
    /// `unpack(word).1`: that keeps the decoding of the kind, whose invalid-tag panic the compiler cannot drop.)
    #[inline(always)]
    fn end(word: u64) -> usize {
        (word >> 32) as usize
    }

    /// Unpacks a node word written by [`Kind::pack`]: its kind and the position just past its subtree.
    ///
    /// # Panics
    ///
    /// On a word [`Kind::pack`] did not write (the words are only ever written by [`Programs::build`]).
    #[inline(always)]
    fn unpack(word: u64) -> (Kind, usize) {
        let field = (word >> 8 & 0xff) as usize;
        let flag = (word >> 16 & 0xff) as usize;
        let kind = match word & 0xff {
            TAG_AND => Kind::And,
            TAG_OR => Kind::Or,
            TAG_NOT => Kind::Not,
            TAG_CODE_IN => Kind::CodeIn { field: CODE_FIELDS[field], negate: flag == 1 },
            TAG_CODE_PREFIX => Kind::CodePrefix { field: CODE_FIELDS[field] },
            TAG_NUMBER => Kind::Number { field: NUMBER_FIELDS[field], cmp: CMPS[flag] },
            TAG_DESCRIPTION_MATCHES => Kind::DescriptionMatches,
            TAG_GENERIC => Kind::Generic,
            tag => unreachable!("node tag {tag} was not written by Kind::pack"),
        };
        (kind, (word >> 32) as usize)
    }
}

/// The code fields a program reads from [`Facts`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CodeField {
    HsCode,
    Origin,
    Dispatch,
    Destination,
    Route,
    Loading,
    Discharge,
    Entry,
    Delivery,
}

impl CodeField {
    fn of(field: &Field) -> Option<CodeField> {
        Some(match field {
            Field::HsCode => CodeField::HsCode,
            Field::Origin => CodeField::Origin,
            Field::Dispatch => CodeField::Dispatch,
            Field::Destination => CodeField::Destination,
            Field::Route => CodeField::Route,
            Field::Loading => CodeField::Loading,
            Field::Discharge => CodeField::Discharge,
            Field::Entry => CodeField::Entry,
            Field::Delivery => CodeField::Delivery,
            _ => return None,
        })
    }

    /// Packs an operand the way the field's values are packed; `None` when no value of the field can equal it
    /// (or start with it, for a prefix).
    /// `fold` says whether the test compares case-insensitively (`=`, `!=`, `prefix`: the values are upper case,
    /// so the operand is upper-cased) or exactly (`in`, `not in`, whose operands the parser upper-cases).
    fn pack(self, operand: &str, fold: bool) -> Option<(u64, u64)> {
        match (self, fold) {
            (CodeField::HsCode, _) => pack_digits(operand.as_bytes()),
            (_, true) => pack_text(&operand.to_ascii_uppercase()),
            (_, false) => pack_text(operand),
        }
    }
}

/// The numeric goods fields a program reads from [`Facts`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NumberField {
    Value,
    NetMass,
    GrossMass,
}

/// Packs a string of at most 8 ASCII bytes (no NUL) into its bytes, little-endian, with the mask of its length:
/// two packed values are equal exactly when the strings are, and `value & mask == prefix` exactly when the
/// value starts with the prefix.
pub(super) fn pack_text(code: &str) -> Option<(u64, u64)> {
    let bytes = code.as_bytes();
    if bytes.len() > 8 || bytes.iter().any(|&b| b == 0 || !b.is_ascii()) {
        return None;
    }
    let mut word = [0u8; 8];
    word[..bytes.len()].copy_from_slice(bytes);
    let mask = if bytes.len() == 8 { u64::MAX } else { (1u64 << (8 * bytes.len())) - 1 };
    Some((u64::from_le_bytes(word), mask))
}

/// Packs a string of at most 16 decimal digits (HS codes have up to 10) into 4-bit digits (digit + 1, so that
/// zero marks the end), with the mask of its length; same properties as [`pack_text`].
pub(super) fn pack_digits(bytes: &[u8]) -> Option<(u64, u64)> {
    if bytes.len() > 16 {
        return None;
    }
    let mut word = 0u64;
    for (i, &b) in bytes.iter().enumerate() {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        word |= u64::from(digit + 1) << (4 * i);
    }
    let mask = if bytes.len() == 16 { u64::MAX } else { (1u64 << (4 * bytes.len())) - 1 };
    Some((word, mask))
}

/// The places whose countries are on the route, between the country of dispatch and the routing countries, in
/// the order `Env::visit` gives them, with their evidence paths.
type PlaceOf = fn(&aduana_core::Itinerary) -> &Option<aduana_core::Place>;
const ROUTE_PLACES: [(&str, PlaceOf); 5] = [
    ("itinerary.place_of_acceptance.country", |it| &it.place_of_acceptance),
    ("itinerary.place_of_loading.country", |it| &it.place_of_loading),
    ("itinerary.first_place_of_entry.country", |it| &it.first_place_of_entry),
    ("itinerary.place_of_discharge.country", |it| &it.place_of_discharge),
    ("itinerary.place_of_delivery.country", |it| &it.place_of_delivery),
];

/// What the programs read of a consignment, extracted once per consignment. Codes are packed (0 = absent).
#[derive(Debug, Default)]
pub(crate) struct Facts {
    items: Vec<ItemFacts>,
    dispatch: u64,
    destination: u64,
    loading: u64,
    discharge: u64,
    entry: u64,
    delivery: u64,
    /// Every country on the itinerary, as the `route` field lists them.
    route: Vec<u64>,
    /// The regular-expression answers already computed for this consignment: (goods item, regex, matched). Several
    /// profiles (and then the evidence) ask the same regex of the same description.
    matches: std::cell::RefCell<Vec<(u32, u32, bool)>>,
}

#[derive(Debug, Default, Clone, Copy)]
struct ItemFacts {
    hs: u64,
    origin: u64,
    value: Option<f64>,
    net_mass: Option<f64>,
    gross_mass: Option<f64>,
}

/// Packs a code value of the model (canonical: upper-case ASCII, at most 8 bytes for the fields read here) as
/// [`pack_text`] does, without its checks; 0 when absent (or, never for a valid code, too long).
fn packed_text(code: Option<&[u8]>) -> u64 {
    match code {
        // Byte by byte: codes are 2 to 5 bytes, for which a call to `memcpy` costs more than the loop.
        Some(code) if code.len() <= 8 => code.iter().rev().fold(0, |word, &b| word << 8 | u64::from(b)),
        _ => 0,
    }
}

impl Facts {
    /// Extracts the facts of a consignment, reusing this value's buffers.
    pub(crate) fn fill(&mut self, consignment: &Consignment) {
        self.items.clear();
        self.items.extend(consignment.goods.iter().map(ItemFacts::of));
        self.matches.get_mut().clear();
        let it = &consignment.itinerary;
        let place = |p: &Option<aduana_core::Place>| {
            packed_text(p.as_ref().and_then(|p| p.locode.as_ref()).map(|l| l.as_bytes()))
        };
        self.dispatch = packed_text(it.country_of_dispatch.as_ref().map(|c| c.as_bytes()));
        self.destination = packed_text(it.country_of_destination.as_ref().map(|c| c.as_bytes()));
        self.loading = place(&it.place_of_loading);
        self.discharge = place(&it.place_of_discharge);
        self.entry = place(&it.first_place_of_entry);
        self.delivery = place(&it.place_of_delivery);
        // The same values, in the same order, as `Env::visit` gives for `route`; absent ones stay as 0 so that a
        // position names its place (see `Run::itinerary_evidence`).
        // (The places' countries are extended as one array: one capacity check, where a push per place checks
        // each.)
        let country = |place: &Option<aduana_core::Place>| {
            packed_text(place.as_ref().and_then(|p| p.country.as_ref()).map(|c| c.as_bytes()))
        };
        self.route.clear();
        self.route.push(self.dispatch);
        self.route.extend(ROUTE_PLACES.map(|(_, place)| country(place(it))));
        self.route.extend(it.routing_countries.iter().map(|c| packed_text(Some(c.as_bytes()))));
        self.route.push(self.destination);
    }
}

impl Facts {
    /// Returns each goods item's packed HS code ([`pack_digits`]) and origin ([`pack_text`]), 0 when absent.
    pub(crate) fn goods_codes(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.items.iter().map(|item| (item.hs, item.origin))
    }

    /// Returns the packed country of dispatch (0 when absent).
    pub(crate) fn dispatch(&self) -> u64 {
        self.dispatch
    }

    /// Returns the packed country of destination (0 when absent).
    pub(crate) fn destination(&self) -> u64 {
        self.destination
    }

    /// Returns the packed countries of the route (0 for an absent one), as the `route` field lists them.
    pub(crate) fn route(&self) -> &[u64] {
        &self.route
    }

    /// Returns the packed LOCODEs of the places of loading, discharge, first entry and delivery (0 when absent).
    pub(crate) fn places(&self) -> [u64; 4] {
        [self.loading, self.discharge, self.entry, self.delivery]
    }
}

impl Facts {
    /// Returns the largest goods value, net mass and gross mass, then the smallest ones negated (NaN for a number
    /// no item has; padded to eight), for the index's limits on fallback profiles.
    pub(crate) fn extremes(&self) -> [f64; 8] {
        let mut extremes = [f64::NAN; 8];
        for item in &self.items {
            for (field, value) in [item.value, item.net_mass, item.gross_mass].into_iter().enumerate() {
                if let Some(n) = value {
                    // `max` and `min` ignore NaN: the first value replaces it.
                    extremes[field] = extremes[field].max(n);
                    extremes[3 + field] = extremes[3 + field].max(-n);
                }
            }
        }
        extremes
    }
}

impl ItemFacts {
    fn of(item: &GoodsItem) -> ItemFacts {
        ItemFacts {
            hs: item.hs_code.as_ref().and_then(|h| pack_digits(h.as_bytes())).map_or(0, |(word, _)| word),
            origin: packed_text(item.origin_country.as_ref().map(|c| c.as_bytes())),
            value: decimal(item.value.as_ref().map(|v| v.amount)),
            net_mass: decimal(item.net_mass_kg),
            gross_mass: decimal(item.gross_mass_kg),
        }
    }
}

impl Programs {
    /// Compiles every profile's condition.
    pub(crate) fn build(profiles: &[Profile]) -> Programs {
        let mut programs = Programs::default();
        let mut regexes: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
        for (i, profile) in profiles.iter().enumerate() {
            let start = programs.words.len();
            programs.starts.push(u32::try_from(start).expect("fewer than 2^32 program words"));
            let head = Head {
                from: crate::profile::day_number(profile.valid_from),
                to: profile.valid_to.map_or(i32::MAX, crate::profile::day_number),
                profile: u32::try_from(i).expect("fewer than 2^32 profiles"),
                uses_goods: uses_goods(&profile.condition),
                may_repeat_evidence: may_repeat_evidence(&profile.condition),
            };
            programs.words.extend(head.pack());
            programs.compile(&profile.condition, start + HEADER, &mut regexes);
        }
        u32::try_from(programs.words.len()).expect("fewer than 2^32 program words");
        programs
    }

    /// Appends the nodes of `expr`; `base` is where its profile's nodes start.
    fn compile(&mut self, expr: &Expr, base: usize, regexes: &mut std::collections::HashMap<String, u32>) {
        let at = self.words.len();
        self.words.push(0);
        let kind = match expr {
            Expr::And(parts) | Expr::Or(parts) => {
                for part in parts {
                    self.compile(part, base, regexes);
                }
                if matches!(expr, Expr::And(_)) { Kind::And } else { Kind::Or }
            }
            Expr::Not(inner) => {
                self.compile(inner, base, regexes);
                Kind::Not
            }
            Expr::Test(test) => self.test(test, regexes),
        };
        let end = u32::try_from(self.words.len() - base).expect("fewer than 2^32 program words");
        self.words[at] = kind.pack(end);
    }

    /// Appends a test's operands and returns its kind.
    fn test(&mut self, test: &Test, regexes: &mut std::collections::HashMap<String, u32>) -> Kind {
        if let Some(field) = CodeField::of(&test.field) {
            let (values, negate, prefix, fold): (&[String], bool, bool, bool) = match &test.op {
                Op::Eq(v) => (std::slice::from_ref(v), false, false, true),
                Op::Ne(v) => (std::slice::from_ref(v), true, false, true),
                Op::In(set) => (set, false, false, false),
                Op::NotIn(set) => (set, true, false, false),
                Op::Prefix(set) => (set, false, true, true),
                _ => return self.generic(test),
            };
            // An operand no value can equal (or start with) is left out: it never matches.
            for (word, mask) in values.iter().filter_map(|v| field.pack(v, fold)) {
                if prefix {
                    self.words.extend([word, mask]);
                } else {
                    self.words.push(word);
                }
            }
            return if prefix { Kind::CodePrefix { field } } else { Kind::CodeIn { field, negate } };
        }
        match (&test.field, &test.op) {
            (Field::Value | Field::NetMass | Field::GrossMass, Op::Cmp(cmp, operand)) => {
                let field = match test.field {
                    Field::Value => NumberField::Value,
                    Field::NetMass => NumberField::NetMass,
                    _ => NumberField::GrossMass,
                };
                self.words.push(operand.to_bits());
                Kind::Number { field, cmp: *cmp }
            }
            (Field::Description, Op::Matches(regex)) => {
                let next = u32::try_from(self.regexes.len()).expect("fewer than 2^32 regular expressions");
                let regex = *regexes.entry(regex.as_str().to_owned()).or_insert_with(|| {
                    self.regexes.push(std::sync::Arc::clone(regex));
                    self.regex_words.push(Words::of(regex));
                    next
                });
                self.words.push(u64::from(regex));
                Kind::DescriptionMatches
            }
            _ => self.generic(test),
        }
    }

    fn generic(&mut self, test: &Test) -> Kind {
        self.words.push(self.generic.len() as u64);
        self.generic.push(test.clone());
        Kind::Generic
    }

    /// Returns where profile `i`'s program starts (what the index's postings carry).
    pub(crate) fn start(&self, i: usize) -> u32 {
        self.starts[i]
    }

    /// Reads the first two cache lines of each of the programs starting at `starts` and returns a value that
    /// depends on them (for [`std::hint::black_box`]). The reads are independent, so the processor overlaps their
    /// cache misses; evaluating the candidates one by one afterwards finds their programs in cache instead of
    /// waiting for each miss in turn.
    pub(crate) fn touch(&self, starts: &[u32]) -> u64 {
        starts.iter().fold(0, |sum, &start| {
            let start = start as usize;
            let next = self.words.get(start + 8).copied().unwrap_or(0);
            sum ^ self.words[start] ^ next
        })
    }

    /// Returns the header of the program starting at `start`.
    pub(crate) fn head(&self, start: u32) -> Head {
        let start = start as usize;
        Head::unpack([self.words[start], self.words[start + 1]])
    }

    /// Returns whether the condition of the program starting at `start` holds in `env` (whose goods item, if any,
    /// is `facts`' item of the same index).
    pub(crate) fn holds(&self, start: u32, env: &Env<'_>, facts: &Facts) -> bool {
        self.run(start, env, facts).eval(0)
    }

    /// Evaluates the condition of the program starting at `start` and records the evidence exactly as
    /// [`Env::eval`] does on the condition tree: the first value that made each test on the way hold. The tree
    /// itself is not visited (its nodes are scattered in memory; the program's are contiguous).
    #[cfg(test)]
    pub(crate) fn evidence(&self, start: u32, env: &Env<'_>, facts: &Facts, evidence: &mut Vec<Evidence>) -> bool {
        self.run(start, env, facts).evidence(0, false, evidence)
    }

    /// [`Programs::evidence`] of a program known to hold for `env` (as [`Programs::holds`] or
    /// [`Programs::first_item_holding`] found): the same evidence, without evaluating again the tests whose
    /// answer that knowledge gives (every child of a holding `and`, the last child of a holding `or`).
    pub(crate) fn evidence_of_holding(&self, start: u32, env: &Env<'_>, facts: &Facts, evidence: &mut Vec<Evidence>) {
        let holds = self.run(start, env, facts).evidence(0, true, evidence);
        debug_assert!(holds, "the program holds");
    }

    /// Returns the first goods item of `base`'s consignment for which the condition of the program starting at
    /// `start` holds (as [`Programs::holds`] with `base` focused on each item in turn would), `None` when none
    /// does. One evaluation state serves every item.
    pub(crate) fn first_item_holding(&self, start: u32, base: &Env<'_>, facts: &Facts) -> Option<usize> {
        let mut run = self.run(start, base, facts);
        let (root, end) = (run.nodes[0] & 0xff, Kind::end(run.nodes[0]));
        for (i, (goods, item)) in base.consignment.goods.iter().zip(&facts.items).enumerate() {
            run.env.item = Some((i, goods));
            run.item = Some(item);
            // A root `and` (most conditions) is evaluated here, its tests inlined, rather than by a call of
            // `Run::eval` per goods item: the call's entry and exit cost about as much as the tests.
            let holds = if root == TAG_AND { run.all(0, end) } else { run.eval(0) };
            if holds {
                return Some(i);
            }
        }
        None
    }

    fn run<'p>(&'p self, start: u32, env: &Env<'p>, facts: &'p Facts) -> Run<'p> {
        let body = start as usize + HEADER;
        // The root's end is the length of the program's nodes.
        let len = Kind::end(self.words[body]);
        let nodes = &self.words[body..body + len];
        let item = env.item.and_then(|(index, _)| facts.items.get(index));
        Run { programs: self, nodes, env: *env, facts, item }
    }
}

/// One evaluation of one profile's program.
struct Run<'p> {
    programs: &'p Programs,
    /// The program's nodes and operands.
    nodes: &'p [u64],
    env: Env<'p>,
    facts: &'p Facts,
    item: Option<&'p ItemFacts>,
}

impl Run<'_> {
    /// Returns the position just past the subtree of the node at `at`.
    #[inline(always)]
    fn next(&self, at: usize) -> usize {
        Kind::end(self.nodes[at])
    }

    fn eval(&self, at: usize) -> bool {
        let word = self.nodes[at];
        let end = Kind::end(word);
        match word & 0xff {
            TAG_AND => self.all(at, end),
            TAG_OR => {
                let mut child = at + 1;
                while child < end {
                    let (holds, next) = self.child(child);
                    if holds {
                        return true;
                    }
                    child = next;
                }
                false
            }
            TAG_NOT => !self.eval(at + 1),
            _ => self.test(word, at, end),
        }
    }

    /// Returns whether every child of the `and` node at `at` (whose subtree ends at `end`) holds.
    #[inline(always)]
    fn all(&self, at: usize, end: usize) -> bool {
        let mut child = at + 1;
        while child < end {
            let (holds, next) = self.child(child);
            if !holds {
                return false;
            }
            child = next;
        }
        true
    }

    /// Evaluates the child node at `at` of an `and` or `or` and returns its answer and the position past it. A
    /// test (most children) is evaluated here, inlined, rather than through a recursive call of [`Run::eval`]:
    /// the call's entry and exit cost more than most tests.
    #[inline(always)]
    fn child(&self, at: usize) -> (bool, usize) {
        let word = self.nodes[at];
        let end = Kind::end(word);
        let holds = match word & 0xff {
            TAG_AND | TAG_OR | TAG_NOT => self.eval(at),
            _ => self.test(word, at, end),
        };
        (holds, end)
    }

    /// Evaluates the test node at `at` (whose word is `word`, its operands up to `end`). It dispatches on the
    /// word's tag and reads the field and flag bytes in place, as [`Kind::unpack`] decodes them: building the
    /// `Kind` first costs one more jump per node.
    #[inline(always)]
    fn test(&self, word: u64, at: usize, end: usize) -> bool {
        let operands = &self.nodes[at + 1..end];
        let (field, flag) = ((word >> 8 & 0xff) as usize, (word >> 16 & 0xff) as usize);
        match word & 0xff {
            TAG_CODE_IN => self.any_code(CODE_FIELDS[field], |code| operands.contains(&code)) != (flag == 1),
            TAG_CODE_PREFIX => {
                self.any_code(CODE_FIELDS[field], |code| operands.chunks_exact(2).any(|p| code & p[1] == p[0]))
            }
            TAG_NUMBER => {
                let value = self.item.and_then(|item| match NUMBER_FIELDS[field] {
                    NumberField::Value => item.value,
                    NumberField::NetMass => item.net_mass,
                    NumberField::GrossMass => item.gross_mass,
                });
                value.is_some_and(|n| CMPS[flag].holds(n, f64::from_bits(operands[0])))
            }
            TAG_DESCRIPTION_MATCHES => self.description_matches(operands[0] as u32),
            TAG_GENERIC => self.env.test(&self.programs.generic[operands[0] as usize], None),
            _ => self.eval(at),
        }
    }

    /// Returns whether the goods item's description matches the regular expression `regex`, memoised per goods
    /// item for the consignment.
    #[inline(never)]
    fn description_matches(&self, regex: u32) -> bool {
        let Some((i, Some(description))) = self.env.item.map(|(i, item)| (i, item.description.as_deref())) else {
            return false;
        };
        let key = (u32::try_from(i).unwrap_or(u32::MAX), regex);
        let mut memo = self.facts.matches.borrow_mut();
        if let Some(&(_, _, matched)) = memo.iter().find(|m| (m.0, m.1) == key) {
            return matched;
        }
        let matched = self.match_description(regex, description);
        // A handful of entries at most in practice; the scan stays short whatever the set.
        if memo.len() < 64 {
            memo.push((key.0, key.1, matched));
        }
        matched
    }

    /// Returns whether a description matches the regular expression `regex`: by a scan for its words when it is
    /// an alternation of plain words and the description is ASCII, otherwise by the regular expression.
    fn match_description(&self, regex: u32, description: &str) -> bool {
        match &self.programs.regex_words[regex as usize] {
            Some(words) if description.is_ascii() => words.is_in(description.as_bytes()),
            _ => self.programs.regexes[regex as usize].is_match(description),
        }
    }

    /// [`Run::eval`] that records evidence as [`Env::eval`] does on the condition tree the program was compiled
    /// from (node for node, in the same order): the first value that made each test on the way hold. `known` says
    /// that the node is known to hold: a test whose evidence is the item's own value then records it without being
    /// evaluated again (evidence is recorded for matches only, whose whole program was just evaluated).
    fn evidence(&self, at: usize, known: bool, out: &mut Vec<Evidence>) -> bool {
        let (kind, end) = Kind::unpack(self.nodes[at]);
        let operands = &self.nodes[at + 1..end];
        let item = self.env.item;
        match kind {
            Kind::And => {
                let mark = out.len();
                let mut child = at + 1;
                // Every child of a holding `and` holds.
                while child < end {
                    if !self.evidence(child, known, out) {
                        out.truncate(mark);
                        return false;
                    }
                    child = self.next(child);
                }
                true
            }
            Kind::Or => {
                let mut child = at + 1;
                while child < end {
                    let next = self.next(child);
                    // Which child of a holding `or` holds is not known, except that the last one does when
                    // every other has failed.
                    if self.evidence(child, known && next >= end, out) {
                        return true;
                    }
                    child = next;
                }
                false
            }
            // A negation, like a negated test, records nothing when it holds.
            Kind::Not | Kind::CodeIn { negate: true, .. } => known || self.eval(at),
            // Goods codes, numbers and descriptions: the item's own value is the one that made it hold.
            Kind::CodeIn { field: field @ (CodeField::HsCode | CodeField::Origin), .. }
            | Kind::CodePrefix { field: field @ (CodeField::HsCode | CodeField::Origin) } => {
                let holds = known || self.eval(at);
                if let (true, Some((i, item))) = (holds, item) {
                    let (name, value) = match field {
                        CodeField::HsCode => (&HS_CODE, item.hs_code.as_ref().map(|h| h.as_str())),
                        _ => (&ORIGIN_COUNTRY, item.origin_country.as_ref().map(country_str)),
                    };
                    if let Some(value) = value {
                        out.push(goods_evidence(i, name, value));
                    }
                }
                holds
            }
            Kind::Number { field, .. } => {
                let holds = known || self.eval(at);
                if let (true, Some((i, _)), Some(facts)) = (holds, item, self.item) {
                    let (name, value) = match field {
                        NumberField::Value => (&VALUE_AMOUNT, facts.value),
                        NumberField::NetMass => (&NET_MASS, facts.net_mass),
                        NumberField::GrossMass => (&GROSS_MASS, facts.gross_mass),
                    };
                    if let Some(value) = value {
                        out.push(goods_number_evidence(i, name, value));
                    }
                }
                holds
            }
            // Itinerary codes: the first value that matched, in the order the tree visits them, names its place.
            Kind::CodeIn { field, negate: false } => {
                let position = self.find_code(field, |code| operands.contains(&code));
                if let Some(evidence) = position.and_then(|p| self.itinerary_evidence(field, p)) {
                    out.push(evidence);
                }
                position.is_some()
            }
            Kind::CodePrefix { field } => {
                let position = self.find_code(field, |code| operands.chunks_exact(2).any(|p| code & p[1] == p[0]));
                if let Some(evidence) = position.and_then(|p| self.itinerary_evidence(field, p)) {
                    out.push(evidence);
                }
                position.is_some()
            }
            Kind::DescriptionMatches => {
                let holds = known || self.eval(at);
                if let (true, Some((i, item))) = (holds, item) {
                    if let Some(description) = item.description.as_deref() {
                        out.push(goods_evidence(i, &DESCRIPTION, description));
                    }
                }
                holds
            }
            Kind::Generic => self.env.test(&self.programs.generic[operands[0] as usize], Some(out)),
        }
    }

    /// Returns whether `f` holds for some (present) value of the field.
    #[inline(always)]
    fn any_code(&self, field: CodeField, f: impl Fn(u64) -> bool) -> bool {
        self.find_code(field, f).is_some()
    }

    /// Returns the position of the first (present) value of the field for which `f` holds: 0 for a field of one
    /// value, the position in [`Facts::route`] for `route`. Inlined: it is called for most tests, and its
    /// call cost as much as the test.
    #[inline(always)]
    fn find_code(&self, field: CodeField, f: impl Fn(u64) -> bool) -> Option<usize> {
        let facts = self.facts;
        let one = |code: u64| (code != 0 && f(code)).then_some(0);
        match field {
            CodeField::HsCode => self.item.and_then(|item| one(item.hs)),
            CodeField::Origin => self.item.and_then(|item| one(item.origin)),
            CodeField::Dispatch => one(facts.dispatch),
            CodeField::Destination => one(facts.destination),
            CodeField::Route => facts.route.iter().position(|&code| code != 0 && f(code)),
            CodeField::Loading => one(facts.loading),
            CodeField::Discharge => one(facts.discharge),
            CodeField::Entry => one(facts.entry),
            CodeField::Delivery => one(facts.delivery),
        }
    }

    /// Returns the evidence of an itinerary code test that holds: the path and value of the first value that
    /// made it hold, in the order [`Env`] visits them.
    fn itinerary_evidence(&self, field: CodeField, position: usize) -> Option<Evidence> {
        let it = &self.env.consignment.itinerary;
        fn locode(p: &Option<aduana_core::Place>) -> Option<&str> {
            p.as_ref().and_then(|p| p.locode.as_ref()).map(|l| l.as_str())
        }
        fn country(p: &Option<aduana_core::Place>) -> Option<&str> {
            p.as_ref().and_then(|p| p.country.as_ref()).map(country_str)
        }
        let dispatch = || it.country_of_dispatch.as_ref().map(country_str);
        let destination = || it.country_of_destination.as_ref().map(country_str);
        let (path, value) = match field {
            CodeField::Dispatch => ("itinerary.country_of_dispatch", dispatch()),
            CodeField::Destination => ("itinerary.country_of_destination", destination()),
            CodeField::Loading => ("itinerary.place_of_loading.locode", locode(&it.place_of_loading)),
            CodeField::Discharge => ("itinerary.place_of_discharge.locode", locode(&it.place_of_discharge)),
            CodeField::Entry => ("itinerary.first_place_of_entry.locode", locode(&it.first_place_of_entry)),
            CodeField::Delivery => ("itinerary.place_of_delivery.locode", locode(&it.place_of_delivery)),
            CodeField::Route => {
                let routing = position.checked_sub(ROUTE_PLACES.len() + 1);
                match (position, routing) {
                    (0, _) => ("itinerary.country_of_dispatch", dispatch()),
                    (p, _) if p <= ROUTE_PLACES.len() => {
                        let (path, place) = ROUTE_PLACES[p - 1];
                        (path, country(place(it)))
                    }
                    (_, Some(j)) if j < it.routing_countries.len() => {
                        return Some(route_evidence(j, country_str(&it.routing_countries[j])));
                    }
                    _ => ("itinerary.country_of_destination", destination()),
                }
            }
            CodeField::HsCode | CodeField::Origin => return None,
        };
        value.map(|value| static_evidence(path, value))
    }
}

/// Drops repeated evidence, keeping the first of each (field, value) in order. Evidence lists are a handful of
/// entries, so a quadratic scan beats hashing (and clones nothing).
pub(crate) fn dedup_evidence(evidence: &mut Vec<Evidence>) {
    let mut kept = 0;
    for i in 0..evidence.len() {
        let (seen, rest) = evidence.split_at(i);
        let e = &rest[0];
        // (Lengths first: a cheap test that tells most different entries apart.)
        let same = |s: &Evidence| {
            s.field.len() == e.field.len() && s.value.len() == e.value.len() && s.field == e.field && s.value == e.value
        };
        if !seen[..kept].iter().any(same) {
            // Nothing to move while nothing has been dropped (the common case).
            if kept != i {
                evidence.swap(kept, i);
            }
            kept += 1;
        }
    }
    evidence.truncate(kept);
}

/// Returns whether two evidence entries recorded for the condition can have the same path (and so possibly be the
/// same entry): unless every test that can record one (outside `not`) is on a field of its own kind, whose
/// evidence paths no other test's share. A goods test's path names the goods item the condition is evaluated
/// for, an itinerary code's its place; `dispatch`, `destination` and `route` share paths (the route lists the
/// countries of dispatch and destination), and any other field (a unit price, a party, an attribute…) is taken
/// to share a path with anything.
fn may_repeat_evidence(expr: &Expr) -> bool {
    fn classes(expr: &Expr, seen: &mut Vec<Option<u8>>) {
        match expr {
            Expr::And(parts) | Expr::Or(parts) => parts.iter().for_each(|part| classes(part, seen)),
            // A negation records nothing.
            Expr::Not(_) => {}
            Expr::Test(test) => seen.push(match test.field {
                Field::HsCode => Some(0),
                Field::Origin => Some(1),
                Field::Description => Some(2),
                Field::Value => Some(3),
                Field::NetMass => Some(4),
                Field::GrossMass => Some(5),
                Field::Dispatch | Field::Destination | Field::Route => Some(6),
                Field::Loading => Some(7),
                Field::Discharge => Some(8),
                Field::Entry => Some(9),
                Field::Delivery => Some(10),
                _ => None,
            }),
        }
    }
    let mut seen = Vec::new();
    classes(expr, &mut seen);
    if seen.len() < 2 {
        return false;
    }
    let mut known = 0u32;
    for class in seen {
        match class {
            Some(class) if known & 1 << class == 0 => known |= 1 << class,
            _ => return true,
        }
    }
    false
}

fn uses_goods(expr: &Expr) -> bool {
    match expr {
        Expr::And(parts) | Expr::Or(parts) => parts.iter().any(uses_goods),
        Expr::Not(inner) => uses_goods(inner),
        Expr::Test(test) => test.field.is_goods(),
    }
}

thread_local! {
    /// The facts buffer, reused across consignments so that extracting them allocates nothing once warm.
    static FACTS: std::cell::RefCell<Facts> = std::cell::RefCell::new(Facts::default());
}

impl Facts {
    /// Calls `f` with the facts of `consignment`, in a buffer reused across calls on this thread.
    pub(crate) fn with<R>(consignment: &Consignment, f: impl FnOnce(&Facts) -> R) -> R {
        FACTS.with(|cell| match cell.try_borrow_mut() {
            Ok(mut facts) => {
                facts.fill(consignment);
                f(&facts)
            }
            // A re-entrant call (a callback assessing another consignment) gets a buffer of its own.
            Err(_) => {
                let mut facts = Facts::default();
                facts.fill(consignment);
                f(&facts)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    //! The programs must decide exactly as the tree evaluator does: random conditions over the specialised fields
    //! (with operands in every case, malformed ones, prefixes of every length, `not`, `or` and fallbacks to the
    //! tree) against random consignments with missing fields.

    use aduana_core::{Consignment, CountryCode, Direction, GoodsItem, HsCode, LoCode, Money, Place, Reference};

    use super::Facts;
    use crate::context::ReferenceData;
    use crate::profile::{Env, ProfileSet, ProfileSource};

    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
        fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
            from[self.below(from.len())]
        }
    }

    const COUNTRIES: &[&str] = &["CN", "VN", "DE", "cn", "de", "C", "CNX", "Ü", ""];
    const HS: &[&str] =
        &["85", "8517", "851712", "8517120000", "84", "8471", "847130", "8", "85a", "", "12345678901234567"];
    const PLACES: &[&str] = &["CNSHA", "cnsha", "CN", "CNS", "DEHAM", "DE", "NLRTM", "NLRTMX", "", "SGSIN"];
    const NUMBERS: &[&str] = &["0", "10", "1000", "2500.5", "-1", "100000"];

    fn set(rng: &mut Rng, from: &[&str]) -> String {
        let n = 1 + rng.below(3);
        let values: Vec<String> = (0..n).map(|_| format!("\"{}\"", rng.pick(from))).collect();
        format!("[{}]", values.join(", "))
    }

    fn test(rng: &mut Rng) -> String {
        let code_ops = ["=", "!=", "in", "not in", "prefix", "exists"];
        let (field, values): (&str, &[&str]) = match rng.below(9) {
            0 => ("goods.hs_code", HS),
            1 => ("goods.origin", COUNTRIES),
            2 => ("dispatch", COUNTRIES),
            3 => ("destination", COUNTRIES),
            4 => ("route", COUNTRIES),
            5 => (["loading", "discharge", "entry", "delivery"][rng.below(4)], PLACES),
            6 => {
                let field = ["goods.value", "goods.net_mass", "goods.gross_mass", "goods.value_per_kg"][rng.below(4)];
                let op = ["<", "<=", ">", ">=", "=", "exists"][rng.below(6)];
                return if op == "exists" {
                    format!("{field} exists")
                } else {
                    format!("{field} {op} {}", rng.pick(NUMBERS))
                };
            }
            7 => {
                return match rng.below(3) {
                    0 => "goods.description matches \"replica|counterfeit\"".to_owned(),
                    1 => "goods.description matches \"^spare\"".to_owned(),
                    _ => "goods.description contains \"Parts\"".to_owned(),
                };
            }
            _ => ("mode", &["sea", "air", "SEA"][..]),
        };
        match code_ops[rng.below(code_ops.len())] {
            "exists" => format!("{field} exists"),
            op @ ("in" | "not in" | "prefix") => format!("{field} {op} {}", set(rng, values)),
            op => format!("{field} {op} \"{}\"", rng.pick(values)),
        }
    }

    fn condition(rng: &mut Rng, depth: usize) -> String {
        if depth == 0 || rng.below(3) == 0 {
            return test(rng);
        }
        match rng.below(3) {
            0 => format!("not ({})", condition(rng, depth - 1)),
            1 => format!("({}) or ({})", condition(rng, depth - 1), condition(rng, depth - 1)),
            _ => format!("({}) and ({}) and ({})", condition(rng, depth - 1), condition(rng, depth - 1), test(rng)),
        }
    }

    fn consignment(rng: &mut Rng, n: usize) -> Consignment {
        let country = |rng: &mut Rng| CountryCode::parse(["CN", "VN", "DE", "NL", "SG"][rng.below(5)]).ok();
        let place = |rng: &mut Rng| {
            (rng.below(4) > 0).then(|| {
                Place::locode(
                    LoCode::parse(["CNSHA", "DEHAM", "NLRTM", "SGSIN", "CNSZX"][rng.below(5)])
                        .expect("a valid test value"),
                )
            })
        };
        let mut c =
            Consignment::new(Reference::parse(&format!("T{n:06}")).expect("a valid test value"), Direction::Import);
        c.mode_of_transport = Some(aduana_core::TransportMode::Sea);
        c.itinerary.country_of_dispatch = if rng.below(4) > 0 { country(rng) } else { None };
        c.itinerary.country_of_destination = if rng.below(2) > 0 { country(rng) } else { None };
        c.itinerary.routing_countries = (0..rng.below(3)).filter_map(|_| country(rng)).collect();
        c.itinerary.place_of_loading = place(rng);
        c.itinerary.place_of_discharge = place(rng);
        c.itinerary.first_place_of_entry = place(rng);
        c.itinerary.place_of_delivery = place(rng);
        for s in 0..rng.below(4) {
            let mut item = GoodsItem::new(s as u32 + 1);
            item.hs_code = (rng.below(5) > 0).then(|| {
                HsCode::parse(["85", "8517", "851712", "8517120000", "847130", "8471"][rng.below(6)])
                    .expect("a valid test value")
            });
            item.origin_country = if rng.below(5) > 0 { country(rng) } else { None };
            item.description = (rng.below(4) > 0)
                .then(|| ["Replica watches", "spare PARTS", "cotton", "Ünïcode parts"][rng.below(4)].into());
            item.net_mass_kg = (rng.below(4) > 0).then(|| rust_decimal::Decimal::new(rng.below(5000) as i64, 1));
            item.gross_mass_kg = (rng.below(4) > 0).then(|| (rng.below(5000) as i64).into());
            item.value = (rng.below(4) > 0).then(|| Money {
                amount: rust_decimal::Decimal::new(rng.below(200_000) as i64 - 10, 2),
                currency: "USD".parse().expect("a valid test value"),
            });
            c.goods.push(item);
        }
        c
    }

    #[test]
    fn programs_decide_as_the_condition_tree_does() {
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let mut text = String::new();
        for i in 0..400 {
            let when = condition(&mut rng, 3);
            text.push_str(&format!(
                "profile P-{i:04} {{\n title: \"t\"\n rationale: \"r\"\n owner: \"o\"\n valid: 2020-01-01 to open\n \
                 version: 1\n weight: 1\n severity: low\n lane: yellow\n when: {when}\n}}\n"
            ));
        }
        let set = ProfileSet::compile(&[ProfileSource { name: "random.profile", text: &text }]).expect("compiles");
        let programs = set.programs();
        let reference = ReferenceData::default();
        let as_of = chrono::NaiveDate::from_ymd_opt(2026, 1, 1)
            .expect("a valid test value")
            .and_hms_opt(0, 0, 0)
            .expect("a valid test value");
        let (mut held, mut checked) = (0, 0);
        let mut facts = Facts::default();
        for n in 0..150 {
            let c = consignment(&mut rng, n);
            facts.fill(&c);
            let mut candidates = Vec::new();
            set.index().candidates(&facts, &mut candidates);
            let base = Env { consignment: &c, item: None, reference: &reference, as_of };
            let envs =
                std::iter::once(base).chain(c.goods.iter().enumerate().map(|item| Env { item: Some(item), ..base }));
            for env in envs {
                for (i, profile) in set.profiles().iter().enumerate() {
                    let start = programs.start(i);
                    assert_eq!(programs.head(start).profile(), i);
                    let expected = env.eval(&profile.condition, None);
                    assert_eq!(
                        programs.holds(start, &env, &facts),
                        expected,
                        "profile {} ({:?}) on consignment {n}, item {:?}",
                        profile.id,
                        profile.condition,
                        env.item.map(|(i, _)| i)
                    );
                    let (mut from_program, mut from_tree) = (Vec::new(), Vec::new());
                    assert_eq!(programs.evidence(start, &env, &facts, &mut from_program), expected);
                    env.eval(&profile.condition, Some(&mut from_tree));
                    assert_eq!(from_program, from_tree, "evidence of profile {} ({:?})", profile.id, profile.condition);
                    if expected {
                        let mut of_holding = Vec::new();
                        programs.evidence_of_holding(start, &env, &facts, &mut of_holding);
                        assert_eq!(of_holding, from_tree, "evidence of holding profile {}", profile.id);
                    }
                    if !programs.head(start).may_repeat_evidence {
                        let mut deduplicated = from_tree.clone();
                        super::dedup_evidence(&mut deduplicated);
                        assert_eq!(deduplicated, from_tree, "repeated evidence of profile {}", profile.id);
                    }
                    held += usize::from(expected);
                    if expected {
                        assert!(
                            candidates.contains(&start),
                            "the index misses profile {} on consignment {n}",
                            profile.id
                        );
                    }
                    checked += 1;
                }
            }
        }
        // The cases must exercise both answers.
        assert!(held > checked / 20 && held < checked - checked / 20, "{held} of {checked} held");
    }

    #[test]
    fn numbers_format_as_the_general_form_does() {
        let general = |n: f64| {
            let text = format!("{n:.4}");
            let text = text.trim_end_matches('0').trim_end_matches('.');
            if text == "-0" { "0".to_owned() } else { text.to_owned() }
        };
        for n in [
            0.0,
            -0.0,
            1.0,
            -1.0,
            7.0,
            -10.0,
            12.5,
            4_999.0,
            1_000_000.0,
            -123_456_789.0,
            1e14,
            -1e14,
            999_999_999_999_999.0,
            -999_999_999_999_999.0,
            1e15,
            1e16,
            -3e15,
            0.00001,
            2.0f64.powi(53),
        ] {
            assert_eq!(super::super::eval::format_number(n), general(n), "{n}");
            assert_eq!(super::super::eval::number_text(n), general(n), "{n}");
        }
    }
}
