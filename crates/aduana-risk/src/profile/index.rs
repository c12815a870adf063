//! The profile index: each profile is filed under the values of one discriminating test its condition requires
//! (an HS prefix, an origin, a country of dispatch or a LOCODE prefix); profiles with no such test go on a
//! fallback list. Assessing a consignment looks up its own values and evaluates only the profiles found, so its
//! cost grows with the profiles that could match, not with the size of the set. A fallback profile that requires a
//! goods number (`goods.value > 50000 and goods.net_mass < 10`) is a candidate only when some goods item's value of
//! that field could satisfy it (the largest above 50,000, the smallest under 10).
//!
//! The layout is built for memory latency, which dominates once the set is larger than the caches: keys are packed
//! into integers (no string hashing or comparison), every bucket's postings live in one contiguous array, and each
//! posting carries a 64-bit filter of the origins its profile requires, so that most HS-keyed candidates are
//! dropped without touching anything but the posting itself.

use std::collections::HashMap;

use aduana_core::Consignment;

use crate::profile::{Cmp, Expr, Field, Op, Profile};

/// A profile with no indexable test, with the bounds it requires of goods numbers.
#[derive(Debug, Clone, Copy)]
struct Fallback {
    profile: u32,
    bounds: [Option<Bound>; 2],
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
    /// when no item has one) could satisfy the bound.
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

/// The smallest and largest goods value, net mass and gross mass of a consignment's items (`None` for a number no
/// item has).
pub(crate) type NumberRanges = [Option<(f64, f64)>; 3];

/// Returns the [`NumberRanges`] of a consignment.
pub(crate) fn number_ranges(consignment: &Consignment) -> NumberRanges {
    let mut ranges = [None; 3];
    for item in &consignment.goods {
        let values = [item.value.as_ref().map(|v| v.amount), item.net_mass_kg, item.gross_mass_kg];
        for (range, value) in ranges.iter_mut().zip(values) {
            if let Some(n) = crate::profile::eval::decimal(value) {
                let (min, max): (f64, f64) = range.unwrap_or((n, n));
                *range = Some((min.min(n), max.max(n)));
            }
        }
    }
    ranges
}

/// One profile filed under a key, with the filter of the origins it requires.
#[derive(Debug, Clone, Copy)]
struct Posting {
    profile: u32,
    /// Bits of the origins the profile requires of some goods item ([`origin_bit`]); all ones when it requires none.
    origins: u64,
}

/// A bucket kind's keys: packed key → range of `ProfileIndex::postings`.
#[derive(Debug, Default)]
struct Buckets {
    ranges: HashMap<u64, (u32, u32), IntBuild>,
    /// The key lengths used, so that a prefix lookup tries only those.
    lengths: Vec<usize>,
}

impl Buckets {
    fn get<'p>(&self, postings: &'p [Posting], key: &str) -> &'p [Posting] {
        match self.ranges.get(&pack(key)) {
            Some(&(start, end)) => &postings[start as usize..end as usize],
            None => &[],
        }
    }
}

/// Packs a key into an integer: its bytes when it has at most 8 (no collisions: keys are non-empty text without NUL),
/// otherwise a hash with the top bit set. A collision between two long keys only adds candidates, which the
/// conditions then reject: the index may over-select, never under-select.
fn pack(key: &str) -> u64 {
    let bytes = key.as_bytes();
    if bytes.len() <= 8 && bytes.iter().all(|&b| b != 0 && b < 0x80) {
        let mut word = [0u8; 8];
        word[..bytes.len()].copy_from_slice(bytes);
        u64::from_le_bytes(word)
    } else {
        let mut hash = crate::selection::Fnv::new();
        hash.write(bytes);
        hash.finish() | 1 << 63
    }
}

/// The bit of an origin in a posting's origin filter.
fn origin_bit(code: [u8; 2]) -> u64 {
    1 << ((u64::from(u16::from_le_bytes(code)).wrapping_mul(0x9e37_79b9_7f4a_7c15)) >> 58)
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
    hs: Buckets,
    origin: Buckets,
    dispatch: Buckets,
    places: Buckets,
    /// Every bucket's postings, bucket after bucket.
    postings: Vec<Posting>,
    fallback: Vec<Fallback>,
}

/// Returns the filter of the origins a condition requires of some goods item (a top-level `goods.origin =` / `in`
/// test), all ones when it has none.
fn required_origins(expr: &Expr) -> u64 {
    required_origin_codes(expr).map_or(u64::MAX, |codes| codes.iter().fold(0, |bits, &c| bits | origin_bit(c)))
}

fn required_origin_codes(expr: &Expr) -> Option<Vec<[u8; 2]>> {
    let from_test = |e: &Expr| match e {
        Expr::Test(test) if test.field == Field::Origin => {
            let values: &[String] = match &test.op {
                Op::Eq(v) => std::slice::from_ref(v),
                Op::In(set) => set,
                _ => return None,
            };
            values.iter().map(|v| <[u8; 2]>::try_from(v.as_bytes()).ok()).collect::<Option<Vec<_>>>()
        }
        _ => None,
    };
    match expr {
        Expr::And(parts) => parts.iter().find_map(from_test),
        other => from_test(other),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
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

impl ProfileIndex {
    pub(crate) fn build(profiles: &[Profile]) -> ProfileIndex {
        let mut index = ProfileIndex::default();
        let mut filed: [HashMap<u64, Vec<Posting>, IntBuild>; 4] = Default::default();
        for (i, profile) in profiles.iter().enumerate() {
            let i = u32::try_from(i).expect("fewer than 2^32 profiles");
            let origins = required_origins(&profile.condition);
            match keys(&profile.condition) {
                Some(keys) => {
                    for (bucket, key) in keys {
                        let buckets = index.buckets_mut(bucket);
                        if !buckets.lengths.contains(&key.len()) {
                            buckets.lengths.push(key.len());
                        }
                        let list = filed[bucket as usize].entry(pack(&key)).or_default();
                        if list.last().is_none_or(|p| p.profile != i) {
                            list.push(Posting { profile: i, origins });
                        }
                    }
                }
                None => index.fallback.push(Fallback { profile: i, bounds: required_bounds(&profile.condition) }),
            }
        }
        for (kind, lists) in [Bucket::Hs, Bucket::Origin, Bucket::Dispatch, Bucket::Place].into_iter().zip(filed) {
            let mut lists: Vec<(u64, Vec<Posting>)> = lists.into_iter().collect();
            lists.sort_unstable_by_key(|(key, _)| *key);
            for (key, list) in lists {
                let start = u32::try_from(index.postings.len()).expect("fewer than 2^32 postings");
                index.postings.extend(list);
                let end = u32::try_from(index.postings.len()).expect("fewer than 2^32 postings");
                index.buckets_mut(kind).ranges.insert(key, (start, end));
            }
            index.buckets_mut(kind).lengths.sort_unstable();
        }
        index
    }

    fn buckets_mut(&mut self, bucket: Bucket) -> &mut Buckets {
        match bucket {
            Bucket::Hs => &mut self.hs,
            Bucket::Origin => &mut self.origin,
            Bucket::Dispatch => &mut self.dispatch,
            Bucket::Place => &mut self.places,
        }
    }

    /// Fills `out` with the indices of the profiles that could match, sorted and without repeats.
    /// `ranges` are the consignment's [`number_ranges`].
    pub(crate) fn candidates(&self, consignment: &Consignment, ranges: &NumberRanges, out: &mut Vec<u32>) {
        out.clear();
        if !self.fallback.is_empty() {
            out.extend(
                self.fallback
                    .iter()
                    .filter(|f| f.bounds.iter().flatten().all(|b| b.admits(ranges[b.field])))
                    .map(|f| f.profile),
            );
        }
        // The origins of the goods items: a candidate that requires origins none of them has cannot match.
        let mut origins = 0u64;
        for item in &consignment.goods {
            if let Some(origin) = &item.origin_country
                && let Ok(code) = <[u8; 2]>::try_from(origin.as_str().as_bytes())
            {
                origins |= origin_bit(code);
            }
        }
        let postings = &self.postings[..];
        let mut add = |list: &[Posting]| {
            // A profile that requires no origin (all ones) is a candidate whether or not the goods declare one.
            out.extend(list.iter().filter(|p| p.origins == u64::MAX || p.origins & origins != 0).map(|p| p.profile));
        };
        let prefixes = |buckets: &Buckets, code: &str, add: &mut dyn FnMut(&[Posting])| {
            for &len in &buckets.lengths {
                if len > code.len() {
                    break;
                }
                if code.is_char_boundary(len) {
                    add(buckets.get(postings, &code[..len]));
                }
            }
        };
        for item in &consignment.goods {
            if let Some(hs) = &item.hs_code
                && !self.hs.ranges.is_empty()
            {
                prefixes(&self.hs, hs.as_str(), &mut add);
            }
            if let Some(origin) = &item.origin_country
                && !self.origin.ranges.is_empty()
            {
                add(self.origin.get(postings, origin.as_str()));
            }
        }
        if let Some(dispatch) = &consignment.itinerary.country_of_dispatch
            && !self.dispatch.ranges.is_empty()
        {
            add(self.dispatch.get(postings, dispatch.as_str()));
        }
        if !self.places.ranges.is_empty() {
            let it = &consignment.itinerary;
            for place in [&it.place_of_loading, &it.place_of_discharge, &it.first_place_of_entry, &it.place_of_delivery]
            {
                if let Some(locode) = place.as_ref().and_then(|p| p.locode.as_ref()) {
                    prefixes(&self.places, locode.as_str(), &mut add);
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
