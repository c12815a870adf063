//! The profile index: each profile is filed under the values of one discriminating test its condition requires
//! (an HS prefix, an origin, a country of dispatch or a LOCODE prefix); profiles with no such test go on a
//! fallback list. Assessing a consignment looks up its own values and evaluates only the profiles found, so its
//! cost grows with the profiles that could match, not with the size of the set.
//!
//! The layout is built for memory latency, which dominates once the set is larger than the caches: keys are packed
//! into integers (no string hashing or comparison), every bucket's postings live in one contiguous array, and each
//! posting carries a 64-bit filter of the origins its profile requires, so that most HS-keyed candidates are
//! dropped without touching anything but the posting itself.

use std::collections::HashMap;

use aduana_core::Consignment;

use crate::profile::{Expr, Field, Op, Profile};

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
    fallback: Vec<u32>,
    /// Per profile: whether its condition tests goods fields (and so is evaluated per goods item).
    pub(crate) uses_goods: Vec<bool>,
    /// Per profile: its validity as day numbers (first day, last day inclusive), so that a candidate that does not
    /// apply is dropped without a visit to the profile.
    validity: Vec<(i32, i32)>,
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

fn uses_goods(expr: &Expr) -> bool {
    match expr {
        Expr::And(parts) | Expr::Or(parts) => parts.iter().any(uses_goods),
        Expr::Not(inner) => uses_goods(inner),
        Expr::Test(test) => test.field.is_goods(),
    }
}

impl ProfileIndex {
    pub(crate) fn build(profiles: &[Profile]) -> ProfileIndex {
        let mut index = ProfileIndex::default();
        let mut filed: [HashMap<u64, Vec<Posting>, IntBuild>; 4] = Default::default();
        for (i, profile) in profiles.iter().enumerate() {
            let i = u32::try_from(i).expect("fewer than 2^32 profiles");
            index.uses_goods.push(uses_goods(&profile.condition));
            let to = profile.valid_to.map_or(i32::MAX, crate::profile::day_number);
            index.validity.push((crate::profile::day_number(profile.valid_from), to));
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
                None => index.fallback.push(i),
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
    pub(crate) fn candidates(&self, consignment: &Consignment, out: &mut Vec<u32>) {
        out.clear();
        out.extend_from_slice(&self.fallback);
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

    /// Returns whether profile `i` applies on a day (see [`crate::profile::day_number`]).
    pub(crate) fn is_valid_on(&self, i: usize, day: i32) -> bool {
        let (from, to) = self.validity[i];
        from <= day && day <= to
    }

    /// Returns how many profiles are on the fallback list (evaluated for every consignment).
    pub(crate) fn fallback_len(&self) -> usize {
        self.fallback.len()
    }
}
