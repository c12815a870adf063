//! The profile index: each profile is filed under the values of one discriminating test its condition requires
//! (an HS prefix, an origin, a country of dispatch or a LOCODE prefix); profiles with no such test go on a
//! fallback list. Assessing a consignment looks up its own values and evaluates only the profiles found, so its
//! cost grows with the profiles that could match, not with the size of the set. A fallback profile that requires a
//! goods number (`goods.value > 50000 and goods.net_mass < 10`) is a candidate only when some goods item's value of
//! that field could satisfy it (the largest above 50,000, the smallest under 10).
//!
//! The layout is built for memory latency, which dominates once the set is larger than the caches. HS keys of four
//! digits or more are found through a dense table of the 10,000 headings (one read, no hashing) that points at the
//! heading's few keys, one contiguous run; shorter ones through a dense table of the 1,110 one- to three-digit
//! prefixes. Other keys are packed into integers (no string hashing or comparison). Every key's postings live in
//! one contiguous array; each posting carries the position of its profile's compiled program (so a candidate is
//! evaluated without any other lookup) and a 64-bit filter of the codes its profile requires of one more field
//! (the goods origins, the country of dispatch or destination, or the route), so that most candidates are dropped
//! without touching anything but the posting itself. Lookups read the consignment's packed codes from [`Facts`].

use std::collections::HashMap;

use crate::profile::program::{Facts, Programs, pack_digits, pack_text};
use crate::profile::{Cmp, Expr, Field, Op, Profile};

/// A profile with no indexable test, with the bounds it requires of goods numbers as up to four limits on the
/// consignment's extremes ([`Bound::limits`]).
#[derive(Debug, Clone, Copy)]
struct Fallback {
    program: u32,
    limits: [Limit; 4],
    /// How many of `limits` apply.
    len: u8,
    /// The extremes its limits are on, one bit each (bit `e` for `Limit::extreme` `e`).
    extremes: u8,
}

/// A bound as a comparison with one of the consignment's extremes ([`Facts::extremes`]: the largest goods value,
/// net mass and gross mass, then the same smallest ones negated): `extreme > operand`, or `>=` when not
/// `strict`. An extreme no item has is NaN, which satisfies no limit.
#[derive(Debug, Clone, Copy)]
struct Limit {
    extreme: u8,
    strict: bool,
    operand: f64,
}

impl Limit {
    const NONE: Limit = Limit { extreme: 0, strict: false, operand: 0.0 };

    fn admits(self, extremes: &[f64; 8]) -> bool {
        let value = extremes[usize::from(self.extreme & 7)];
        if self.strict { value > self.operand } else { value >= self.operand }
    }
}

/// A required top-level test `goods.<number> <cmp> <operand>`: some goods item must have a value that satisfies it.
#[derive(Debug, Clone, Copy)]
struct Bound {
    /// Which number: 0 value, 1 net mass, 2 gross mass.
    field: usize,
    cmp: Cmp,
    operand: f64,
}

impl Bound {
    /// Returns whether some value within `range` (the smallest and largest of the goods items' values, `None`
    /// when no item has one) could satisfy the bound: the definition [`Fallback::admits`] implements.
    #[cfg(test)]
    fn admits(self, range: Option<(f64, f64)>) -> bool {
        let Some((min, max)) = range else { return false };
        match self.cmp {
            Cmp::Gt => max > self.operand,
            Cmp::Ge => max >= self.operand,
            Cmp::Lt => min < self.operand,
            Cmp::Le => min <= self.operand,
            Cmp::Eq => min <= self.operand && self.operand <= max,
        }
    }
}

impl Bound {
    /// The limits on the extremes that say what [`Bound::admits`] says: `max > x`, `max >= x`, `-min > -x`
    /// (`min < x`), `-min >= -x` (`min <= x`), both of the last and the second for `=`. (Negation is exact.)
    fn limits(self) -> ([Limit; 2], usize) {
        let (max, min) = (self.field as u8, 3 + self.field as u8);
        let limit = |extreme, strict, operand| Limit { extreme, strict, operand };
        match self.cmp {
            Cmp::Gt => ([limit(max, true, self.operand), Limit::NONE], 1),
            Cmp::Ge => ([limit(max, false, self.operand), Limit::NONE], 1),
            Cmp::Lt => ([limit(min, true, -self.operand), Limit::NONE], 1),
            Cmp::Le => ([limit(min, false, -self.operand), Limit::NONE], 1),
            Cmp::Eq => ([limit(min, false, -self.operand), limit(max, false, self.operand)], 2),
        }
    }
}

impl Fallback {
    fn new(program: u32, bounds: [Option<Bound>; 2]) -> Fallback {
        let mut fallback = Fallback { program, limits: [Limit::NONE; 4], len: 0, extremes: 0 };
        for bound in bounds.into_iter().flatten() {
            let (limits, n) = bound.limits();
            for limit in &limits[..n] {
                fallback.limits[usize::from(fallback.len)] = *limit;
                fallback.len += 1;
                fallback.extremes |= 1 << (limit.extreme & 7);
            }
        }
        fallback
    }

    fn admits(&self, extremes: &[f64; 8]) -> bool {
        self.limits[..usize::from(self.len)].iter().all(|limit| limit.admits(extremes))
    }
}

/// Returns up to two numeric bounds a condition requires (its top-level conjuncts on goods value and masses).
fn required_bounds(expr: &Expr) -> [Option<Bound>; 2] {
    let bound = |e: &Expr| match e {
        Expr::Test(test) => {
            let field = match test.field {
                Field::Value => 0,
                Field::NetMass => 1,
                Field::GrossMass => 2,
                _ => return None,
            };
            match test.op {
                Op::Cmp(cmp, operand) => Some(Bound { field, cmp, operand }),
                _ => None,
            }
        }
        _ => None,
    };
    let mut bounds = match expr {
        Expr::And(parts) => parts.iter().filter_map(bound).collect::<Vec<_>>(),
        other => bound(other).into_iter().collect(),
    }
    .into_iter();
    [bounds.next(), bounds.next()]
}

/// The country fields a posting's filter can be on, in [`Posting::set`] order after "none"; the first a profile
/// requires is the one filtered on.
const FILTER_FIELDS: [Field; 4] = [Field::Origin, Field::Dispatch, Field::Destination, Field::Route];

/// One profile filed under a key, with the filter of the codes it requires of one more field.
#[derive(Debug, Clone, Copy)]
struct Posting {
    /// Bits ([`code_bit`]) of the codes the profile requires of the field `set` names; all ones when none.
    bits: u64,
    /// Where the profile's program starts ([`Programs::start`]).
    program: u32,
    /// Which of the consignment's code sets the filter applies to: 0 none (a set of all ones), then
    /// [`FILTER_FIELDS`] in order.
    set: u32,
}

/// A kind of key's values: packed key ([`pack_text`]) → range of `ProfileIndex::postings`.
#[derive(Debug, Default)]
struct Buckets {
    ranges: HashMap<u64, (u32, u32), IntBuild>,
    /// The key lengths used (in bytes), so that a prefix lookup tries only those.
    lengths: Vec<usize>,
}

impl Buckets {
    fn get<'p>(&self, postings: &'p [Posting], key: u64) -> &'p [Posting] {
        match self.ranges.get(&key) {
            Some(&(start, end)) => &postings[start as usize..end as usize],
            None => &[],
        }
    }
}

/// An HS key of four digits or more, packed ([`pack_digits`]), with its range of `ProfileIndex::postings`.
#[derive(Debug, Clone, Copy)]
struct HsKey {
    key: u64,
    /// The mask of the key's digits ([`digits_mask`]), kept rather than recomputed at each lookup.
    mask: u64,
    start: u32,
    end: u32,
}

/// The mask of a packed digit string's own length: its digits are the non-zero nibbles.
fn digits_mask(key: u64) -> u64 {
    let digits = (64 - key.leading_zeros()).div_ceil(4);
    if digits >= 16 { u64::MAX } else { (1 << (4 * digits)) - 1 }
}

/// Returns the digit at `position` of a packed digit string, `None` past its end.
fn digit(packed: u64, position: u32) -> Option<u32> {
    let nibble = (packed >> (4 * position) & 0xf) as u32;
    nibble.checked_sub(1)
}

/// Returns the number formed by the first `len` digits of a packed digit string, `None` when it is shorter.
fn leading_number(packed: u64, len: u32) -> Option<usize> {
    (0..len).try_fold(0usize, |n, position| Some(n * 10 + digit(packed, position)? as usize))
}

/// The slot of a one- to three-digit HS prefix in the short-prefix table: 0–9, then 10–109, then 110–1,109.
fn short_slot(packed: u64, len: u32) -> Option<usize> {
    let offset = match len {
        1 => 0,
        2 => 10,
        3 => 110,
        _ => return None,
    };
    Some(offset + leading_number(packed, len)?)
}

const SHORT_SLOTS: usize = 1_110;
const HEADINGS: usize = 10_000;

/// The bit of a two-letter code (packed as [`pack_text`] does) in a posting's filter.
fn code_bit(packed: u64) -> u64 {
    1 << ((packed & 0xffff).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 58)
}

/// A hasher for integer keys: one multiplication.
#[derive(Debug, Default, Clone, Copy)]
struct IntHasher(u64);

impl std::hash::Hasher for IntHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }

    fn finish(&self) -> u64 {
        self.0 ^ (self.0 >> 29)
    }
}

type IntBuild = std::hash::BuildHasherDefault<IntHasher>;

/// A compiled index over a sorted list of profiles.
#[derive(Debug, Default)]
pub(crate) struct ProfileIndex {
    /// Per heading (the first four digits as a number), where its keys start in `hs_keys`; one more entry at the
    /// end. Empty when no key has four digits or more.
    heading_starts: Vec<u32>,
    /// The HS keys of four digits or more, heading after heading.
    hs_keys: Vec<HsKey>,
    /// Per short-prefix slot ([`short_slot`]), where its postings start; one more entry at the end. Empty when no
    /// key has fewer than four digits.
    short_starts: Vec<u32>,
    origin: Buckets,
    dispatch: Buckets,
    places: Buckets,
    /// Every key's postings, key after key.
    postings: Vec<Posting>,
    fallback: Vec<Fallback>,
    /// Per extreme ([`Facts::extremes`]), the smallest operand of the fallback profiles' limits on it (infinite
    /// when none has one): an extreme below it fails every such limit, so one comparison per extreme rules out
    /// most fallback profiles before their limits are read.
    fallback_floors: [f64; 8],
}

/// Returns the filter a condition's postings carry: which set ([`Posting::set`]) and the bits of the codes it
/// requires there, from its first top-level `=` / `in` test on one of [`FILTER_FIELDS`] whose operands are all
/// two-letter codes; `(0, all ones)` when it has none.
fn required_filter(expr: &Expr) -> (u32, u64) {
    let parts = match expr {
        Expr::And(parts) => parts.as_slice(),
        other => std::slice::from_ref(other),
    };
    for (set, field) in (1..).zip(&FILTER_FIELDS) {
        let codes = parts.iter().find_map(|part| match part {
            Expr::Test(test) if test.field == *field => {
                let values: &[String] = match &test.op {
                    Op::Eq(v) => std::slice::from_ref(v),
                    Op::In(values) => values,
                    _ => return None,
                };
                values.iter().map(|v| pack_text(v).filter(|_| v.len() == 2)).collect::<Option<Vec<_>>>()
            }
            _ => None,
        });
        if let Some(codes) = codes {
            return (set, codes.iter().fold(0, |bits, &(code, _)| bits | code_bit(code)));
        }
    }
    (0, u64::MAX)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Bucket {
    Hs,
    Origin,
    Dispatch,
    Place,
}

/// The keys a condition is filed under: every consignment that satisfies it has one of these values.
fn keys(expr: &Expr) -> Option<Vec<(Bucket, String)>> {
    match expr {
        Expr::Test(test) => {
            let bucket = match test.field {
                Field::HsCode => Bucket::Hs,
                Field::Origin => Bucket::Origin,
                Field::Dispatch => Bucket::Dispatch,
                Field::Loading | Field::Discharge | Field::Entry | Field::Delivery => Bucket::Place,
                _ => return None,
            };
            let values: Vec<String> = match &test.op {
                Op::Eq(v) => vec![v.clone()],
                Op::In(set) => set.clone(),
                Op::Prefix(set) if matches!(bucket, Bucket::Hs | Bucket::Place) => set.clone(),
                _ => return None,
            };
            if values.iter().any(String::is_empty) {
                return None;
            }
            Some(values.into_iter().map(|v| (bucket, v)).collect())
        }
        // One required conjunct suffices; prefer the most selective kind, then the fewest keys.
        Expr::And(parts) => parts.iter().filter_map(keys).min_by_key(|k| (k.first().map(|(b, _)| *b), k.len())),
        // Every branch must be indexable, and the profile is filed under all of their keys.
        Expr::Or(parts) => {
            let mut all = Vec::new();
            for part in parts {
                all.extend(keys(part)?);
            }
            Some(all)
        }
        Expr::Not(_) => None,
    }
}

/// Where a key is filed, once packed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Slot {
    /// A short HS prefix's slot ([`short_slot`]).
    Short(usize),
    /// An HS key of four digits or more: its heading and packed digits.
    Heading(usize, u64),
    /// A packed text key of the origin, dispatch or place buckets.
    Text(Bucket, u64),
}

/// Packs a key; `None` when no value of its field can equal it or start with it (the model's HS codes are digits,
/// its countries and LOCODEs at most 8 ASCII bytes), so that it can be left out.
fn slot(bucket: Bucket, key: &str) -> Option<Slot> {
    if bucket == Bucket::Hs {
        let (packed, _) = pack_digits(key.as_bytes())?;
        let len = u32::try_from(key.len()).ok()?;
        return match short_slot(packed, len) {
            Some(slot) => Some(Slot::Short(slot)),
            None => Some(Slot::Heading(leading_number(packed, 4)?, packed)),
        };
    }
    Some(Slot::Text(bucket, pack_text(key)?.0))
}

impl ProfileIndex {
    /// Builds the index of `profiles`, whose compiled programs are `programs`.
    pub(crate) fn build(profiles: &[Profile], programs: &Programs) -> ProfileIndex {
        let mut index = ProfileIndex::default();
        let mut filed: HashMap<Slot, Vec<Posting>> = HashMap::new();
        for (i, profile) in profiles.iter().enumerate() {
            let program = programs.start(i);
            let (set, bits) = required_filter(&profile.condition);
            match keys(&profile.condition) {
                Some(keys) => {
                    for (bucket, key) in keys {
                        let Some(slot) = slot(bucket, &key) else { continue };
                        if let Slot::Text(bucket, _) = slot {
                            let lengths = &mut index.buckets_mut(bucket).lengths;
                            if !lengths.contains(&key.len()) {
                                lengths.push(key.len());
                            }
                        }
                        let list = filed.entry(slot).or_default();
                        if list.last().is_none_or(|p| p.program != program) {
                            list.push(Posting { bits, program, set });
                        }
                    }
                }
                None => index.fallback.push(Fallback::new(program, required_bounds(&profile.condition))),
            }
        }
        index.fallback_floors = [f64::INFINITY; 8];
        for fallback in &index.fallback {
            for limit in &fallback.limits[..usize::from(fallback.len)] {
                let floor = &mut index.fallback_floors[usize::from(limit.extreme & 7)];
                *floor = floor.min(limit.operand);
            }
        }
        let mut lists: Vec<(Slot, Vec<Posting>)> = filed.into_iter().collect();
        lists.sort_unstable_by_key(|(slot, _)| *slot);
        let position = |n: usize| u32::try_from(n).expect("fewer than 2^32 postings");
        let has_short = lists.iter().any(|(slot, _)| matches!(slot, Slot::Short(_)));
        let has_headings = lists.iter().any(|(slot, _)| matches!(slot, Slot::Heading(..)));
        if has_short {
            index.short_starts = vec![0; SHORT_SLOTS + 1];
        }
        if has_headings {
            index.heading_starts = vec![0; HEADINGS + 1];
        }
        for (slot, list) in lists {
            let start = position(index.postings.len());
            index.postings.extend(list);
            let end = position(index.postings.len());
            match slot {
                // The slots come in order, so each table's entries are filled in order; a slot's end is the next
                // slot's start, set below.
                Slot::Short(slot) => index.short_starts[slot + 1] = end,
                Slot::Heading(heading, key) => {
                    index.hs_keys.push(HsKey { key, mask: digits_mask(key), start, end });
                    index.heading_starts[heading + 1] = position(index.hs_keys.len());
                }
                Slot::Text(bucket, key) => {
                    index.buckets_mut(bucket).ranges.insert(key, (start, end));
                }
            }
        }
        // A slot with no key starts and ends where the previous one ended. The short postings come first in
        // `postings` (their slots sort first), so the table starts at 0.
        for starts in [&mut index.short_starts, &mut index.heading_starts] {
            for i in 1..starts.len() {
                starts[i] = starts[i].max(starts[i - 1]);
            }
        }
        for bucket in [Bucket::Origin, Bucket::Dispatch, Bucket::Place] {
            index.buckets_mut(bucket).lengths.sort_unstable();
        }
        index
    }

    fn buckets_mut(&mut self, bucket: Bucket) -> &mut Buckets {
        match bucket {
            Bucket::Hs | Bucket::Origin => &mut self.origin,
            Bucket::Dispatch => &mut self.dispatch,
            Bucket::Place => &mut self.places,
        }
    }

    /// Fills `out` with the program positions ([`Programs::start`], in profile order) of the profiles that could
    /// match the consignment whose facts are `facts`, sorted and without repeats.
    pub(crate) fn candidates(&self, facts: &Facts, out: &mut Vec<u32>) {
        out.clear();
        if !self.fallback.is_empty() {
            let extremes = facts.extremes();
            // The extremes that can satisfy some limit: a limit on another one fails (its operand is at least the
            // floor, which the extreme is below or, NaN, not comparable with), and so does its profile.
            let open = (0..8).fold(0u8, |open, e| open | u8::from(extremes[e] >= self.fallback_floors[e]) << e);
            for fallback in &self.fallback {
                if fallback.extremes & !open == 0 && fallback.admits(&extremes) {
                    out.push(fallback.program);
                }
            }
        }
        // The consignment's codes of the filter fields: a candidate that requires codes none of them has cannot
        // match.
        let two_letters = |code: u64| code != 0 && code >> 16 == 0;
        let mut origins = 0u64;
        for (_, origin) in facts.goods_codes() {
            if two_letters(origin) {
                origins |= code_bit(origin);
            }
        }
        let one = |code: u64| if two_letters(code) { code_bit(code) } else { 0 };
        let route = facts.route().iter().fold(0, |bits, &code| bits | one(code));
        // Indexed by `Posting::set`, padded to eight so that the index needs no bounds check.
        let sets = [u64::MAX, origins, one(facts.dispatch()), one(facts.destination()), route, 0, 0, 0];
        let postings = &self.postings[..];
        let mut add = |list: &[Posting], sets: &[u64; 8]| {
            for p in list {
                if p.bits & sets[p.set as usize & 7] != 0 {
                    out.push(p.program);
                }
            }
        };
        for (hs, origin) in facts.goods_codes() {
            // The postings found through a goods item's own codes are filtered on that item's origin alone: their
            // keys are goods tests, which a profile holding for some item satisfies with that item's codes (so it
            // is found through them), and a top-level origin test it has holds for that item's origin.
            let sets = &[sets[0], one(origin), sets[2], sets[3], sets[4], 0, 0, 0];
            if hs != 0 {
                if !self.short_starts.is_empty() {
                    for len in 1..=3 {
                        if let Some(slot) = short_slot(hs, len) {
                            let (start, end) = (self.short_starts[slot], self.short_starts[slot + 1]);
                            add(&postings[start as usize..end as usize], sets);
                        }
                    }
                }
                if let (false, Some(heading)) = (self.heading_starts.is_empty(), leading_number(hs, 4)) {
                    let keys =
                        &self.hs_keys[self.heading_starts[heading] as usize..self.heading_starts[heading + 1] as usize];
                    for key in keys {
                        if hs & key.mask == key.key {
                            add(&postings[key.start as usize..key.end as usize], sets);
                        }
                    }
                }
            }
            if origin != 0 && !self.origin.ranges.is_empty() {
                add(self.origin.get(postings, origin), sets);
            }
        }
        if facts.dispatch() != 0 && !self.dispatch.ranges.is_empty() {
            add(self.dispatch.get(postings, facts.dispatch()), &sets);
        }
        if !self.places.ranges.is_empty() {
            for place in facts.places() {
                for &len in &self.places.lengths {
                    // A packed code's bytes are non-zero up to its length.
                    if len > 8 || place >> (8 * len - 8) == 0 {
                        break;
                    }
                    let mask = if len == 8 { u64::MAX } else { (1 << (8 * len)) - 1 };
                    add(self.places.get(postings, place & mask), &sets);
                }
            }
        }
        out.sort_unstable();
        out.dedup();
    }

    /// Returns how many profiles are on the fallback list (considered for every consignment, and evaluated unless
    /// the goods numbers rule them out).
    pub(crate) fn fallback_len(&self) -> usize {
        self.fallback.len()
    }
}

#[cfg(test)]
mod tests {
    //! Which profiles the index picks; that it never misses a matching profile is checked on random conditions in
    //! `program::tests`.

    use aduana_core::{Consignment, CountryCode, Direction, GoodsItem, HsCode, LoCode, Place, Reference};

    use crate::profile::{ProfileSet, ProfileSource};

    fn set(conditions: &[&str]) -> ProfileSet {
        let mut text = String::new();
        for (i, when) in conditions.iter().enumerate() {
            text.push_str(&format!(
                "profile P-{i} {{\n title: \"t\"\n rationale: \"r\"\n owner: \"o\"\n valid: 2020-01-01 to open\n \
                 version: 1\n weight: 1\n severity: low\n lane: yellow\n when: {when}\n}}\n"
            ));
        }
        ProfileSet::compile(&[ProfileSource { name: "test.profile", text: &text }]).expect("compiles")
    }

    fn consignment(hs: &str, origin: &str, loading: &str, routing: &[&str]) -> Consignment {
        let mut c = Consignment::new(Reference::parse("T1").expect("a valid test value"), Direction::Import);
        let mut item = GoodsItem::new(1);
        item.hs_code = Some(HsCode::parse(hs).expect("a valid test value"));
        item.origin_country = Some(CountryCode::parse(origin).expect("a valid test value"));
        c.goods.push(item);
        c.itinerary.place_of_loading = Some(Place::locode(LoCode::parse(loading).expect("a valid test value")));
        c.itinerary.routing_countries =
            routing.iter().map(|r| CountryCode::parse(r).expect("a valid test value")).collect();
        c
    }

    #[test]
    fn hs_keys_of_every_length_are_found_through_their_tables() {
        let set = set(&[
            "goods.hs_code prefix [\"8\"]",
            "goods.hs_code prefix [\"851\"]",
            "goods.hs_code = \"851712\"",
            "goods.hs_code prefix [\"8517120000\"]",
            "goods.hs_code prefix [\"8471\"]",
            // No HS code has a letter: filed under nothing, never a candidate (and never a match).
            "goods.hs_code in [\"85A\"]",
        ]);
        assert_eq!(set.candidate_count(&consignment("8517120000", "CN", "CNSHA", &[])), 4);
        assert_eq!(set.candidate_count(&consignment("851712", "CN", "CNSHA", &[])), 3);
        assert_eq!(set.candidate_count(&consignment("8471", "CN", "CNSHA", &[])), 2);
        assert_eq!(set.candidate_count(&consignment("0101", "CN", "CNSHA", &[])), 0);
    }

    #[test]
    fn limits_on_the_extremes_admit_what_the_bounds_admit() {
        use super::{Bound, Fallback};
        use crate::profile::Cmp;
        let numbers = [-1.0, 0.0, 5.0, 10.0, 10.5, 1e6, f64::INFINITY];
        let mut ranges = vec![None];
        for &min in &numbers {
            ranges.extend(numbers.iter().filter(|&&max| max >= min).map(|&max| Some((min, max))));
        }
        for field in 0..3 {
            for cmp in [Cmp::Lt, Cmp::Le, Cmp::Gt, Cmp::Ge, Cmp::Eq] {
                for operand in numbers {
                    let bound = Bound { field, cmp, operand };
                    let fallback = Fallback::new(0, [Some(bound), None]);
                    for &range in &ranges {
                        let mut extremes = [f64::NAN; 8];
                        if let Some((min, max)) = range {
                            extremes[field] = max;
                            extremes[3 + field] = -min;
                        }
                        assert_eq!(fallback.admits(&extremes), bound.admits(range), "{bound:?} on {range:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn postings_are_dropped_when_the_consignment_lacks_a_required_country() {
        let set = set(&[
            "loading = \"CNSHA\" and route in [\"DE\", \"NL\"]",
            "loading prefix [\"CN\"] and goods.origin = \"VN\"",
            "loading = \"CNSHA\"",
        ]);
        // (The filter is a 64-bit hash of the codes, so two codes can share a bit and let a posting through: these
        // do not.)
        assert_eq!(set.candidate_count(&consignment("8517", "CN", "CNSHA", &["US"])), 1);
        assert_eq!(set.candidate_count(&consignment("8517", "CN", "CNSHA", &["US", "NL"])), 2);
        assert_eq!(set.candidate_count(&consignment("8517", "VN", "CNSHA", &["NL"])), 3);
        // The second is filed under its origin (the more selective kind), so only the conditions rule it out.
        assert_eq!(set.candidate_count(&consignment("8517", "VN", "DEHAM", &["NL"])), 1);
        assert_eq!(set.candidate_count(&consignment("8517", "CN", "DEHAM", &["NL"])), 0);
    }

    #[test]
    fn postings_found_through_a_goods_item_are_filtered_on_that_items_origin() {
        let set = set(&["goods.hs_code prefix [\"8517\"] and goods.origin in [\"VN\"]"]);
        let mut c = consignment("8517", "CN", "CNSHA", &[]);
        let mut other = GoodsItem::new(2);
        other.hs_code = Some(HsCode::parse("0101").expect("a valid test value"));
        other.origin_country = Some(CountryCode::parse("VN").expect("a valid test value"));
        c.goods.push(other);
        // The consignment has a telephone and goods from Viet Nam, but not a telephone from Viet Nam.
        assert_eq!(set.candidate_count(&c), 0);
        c.goods[1].hs_code = Some(HsCode::parse("851712").expect("a valid test value"));
        assert_eq!(set.candidate_count(&c), 1);
    }

    #[test]
    fn fallback_profiles_are_candidates_when_the_goods_numbers_could_satisfy_them() {
        let set = set(&[
            "goods.value > 50000 and goods.net_mass < 10",
            "goods.value >= 100 and goods.gross_mass = 5",
            "goods.net_mass <= 2",
            "direction = \"import\"",
        ]);
        let with = |value: i64, net: i64, gross: Option<i64>| {
            let mut c = consignment("8517", "CN", "CNSHA", &[]);
            c.goods[0].value =
                Some(aduana_core::Money { amount: value.into(), currency: "USD".parse().expect("a valid test value") });
            c.goods[0].net_mass_kg = Some(net.into());
            c.goods[0].gross_mass_kg = gross.map(Into::into);
            c
        };
        assert_eq!(set.candidate_count(&with(60_000, 5, None)), 2);
        assert_eq!(set.candidate_count(&with(60_000, 50, None)), 1);
        assert_eq!(set.candidate_count(&with(100, 2, Some(5))), 3);
        assert_eq!(set.candidate_count(&with(99, 3, Some(5))), 1);
        assert_eq!(set.candidate_count(&consignment("8517", "CN", "CNSHA", &[])), 1);
    }
}
