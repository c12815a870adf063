//! The profile index: each profile is filed under the values of one discriminating test its condition requires
//! (an HS prefix, an origin, a country of dispatch or a LOCODE prefix); profiles with no such test go on a
//! fallback list. Assessing a consignment looks up its own values and evaluates only the profiles found, so its
//! cost grows with the profiles that could match, not with the size of the set.

use std::collections::HashMap;

use aduana_core::Consignment;

use crate::profile::{Expr, Field, Op, Profile};
use crate::selection::FxBuild;

type Buckets = HashMap<Box<str>, Vec<u32>, FxBuild>;

/// A compiled index over a sorted list of profiles.
#[derive(Debug, Default)]
pub(crate) struct ProfileIndex {
    hs: Buckets,
    /// The prefix lengths used in `hs`, so that a lookup tries only those.
    hs_lengths: Vec<usize>,
    origin: Buckets,
    dispatch: Buckets,
    places: Buckets,
    place_lengths: Vec<usize>,
    fallback: Vec<u32>,
    /// Per profile: whether its condition tests goods fields (and so is evaluated per goods item).
    pub(crate) uses_goods: Vec<bool>,
    /// Per profile: the origins its condition requires (a top-level `goods.origin =` / `in` test), checked before
    /// the profile is evaluated: a cheap second key that drops most HS-keyed candidates.
    origins: Vec<Option<Box<[[u8; 2]]>>>,
}

/// Returns the origins a condition requires of some goods item, when it has a top-level origin test.
fn required_origins(expr: &Expr) -> Option<Box<[[u8; 2]]>> {
    let from_test = |e: &Expr| match e {
        Expr::Test(test) if test.field == Field::Origin => {
            let values: &[String] = match &test.op {
                Op::Eq(v) => std::slice::from_ref(v),
                Op::In(set) => set,
                _ => return None,
            };
            values.iter().map(|v| <[u8; 2]>::try_from(v.as_bytes()).ok()).collect::<Option<Vec<_>>>().map(Into::into)
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
        for (i, profile) in profiles.iter().enumerate() {
            let i = u32::try_from(i).expect("fewer than 2^32 profiles");
            index.uses_goods.push(uses_goods(&profile.condition));
            index.origins.push(required_origins(&profile.condition));
            match keys(&profile.condition) {
                Some(keys) => {
                    for (bucket, key) in keys {
                        let (map, lengths) = match bucket {
                            Bucket::Hs => (&mut index.hs, Some(&mut index.hs_lengths)),
                            Bucket::Origin => (&mut index.origin, None),
                            Bucket::Dispatch => (&mut index.dispatch, None),
                            Bucket::Place => (&mut index.places, Some(&mut index.place_lengths)),
                        };
                        if let Some(lengths) = lengths
                            && !lengths.contains(&key.len())
                        {
                            lengths.push(key.len());
                        }
                        let list = map.entry(key.into_boxed_str()).or_default();
                        if list.last() != Some(&i) {
                            list.push(i);
                        }
                    }
                }
                None => index.fallback.push(i),
            }
        }
        index.hs_lengths.sort_unstable();
        index.place_lengths.sort_unstable();
        index
    }

    /// Fills `out` with the indices of the profiles that could match, sorted and without repeats.
    pub(crate) fn candidates(&self, consignment: &Consignment, out: &mut Vec<u32>) {
        out.clear();
        out.extend_from_slice(&self.fallback);
        let mut add = |map: &Buckets, key: &str| {
            if let Some(list) = map.get(key) {
                out.extend_from_slice(list);
            }
        };
        for item in &consignment.goods {
            if let Some(hs) = &item.hs_code {
                let code = hs.as_str();
                for &len in &self.hs_lengths {
                    if len > code.len() {
                        break;
                    }
                    add(&self.hs, &code[..len]);
                }
            }
            if let Some(origin) = &item.origin_country
                && !self.origin.is_empty()
            {
                add(&self.origin, origin.as_str());
            }
        }
        if let Some(dispatch) = &consignment.itinerary.country_of_dispatch
            && !self.dispatch.is_empty()
        {
            add(&self.dispatch, dispatch.as_str());
        }
        if !self.places.is_empty() {
            let it = &consignment.itinerary;
            for place in [&it.place_of_loading, &it.place_of_discharge, &it.first_place_of_entry, &it.place_of_delivery]
            {
                if let Some(locode) = place.as_ref().and_then(|p| p.locode.as_ref()) {
                    let code = locode.as_str();
                    for &len in &self.place_lengths {
                        if len > code.len() {
                            break;
                        }
                        add(&self.places, &code[..len]);
                    }
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        let mut origins = [[0u8; 2]; 8];
        let mut known = 0;
        for item in &consignment.goods {
            if let Some(origin) = &item.origin_country
                && let Ok(code) = <[u8; 2]>::try_from(origin.as_str().as_bytes())
                && known < origins.len()
            {
                origins[known] = code;
                known += 1;
            }
        }
        // With more items than the buffer holds, skip the pre-check rather than drop a candidate wrongly.
        if consignment.goods.len() <= origins.len() {
            let origins = &origins[..known];
            out.retain(|&i| match &self.origins[i as usize] {
                Some(required) => origins.iter().any(|o| required.contains(o)),
                None => true,
            });
        }
    }

    /// Returns how many profiles are on the fallback list (evaluated for every consignment).
    pub(crate) fn fallback_len(&self) -> usize {
        self.fallback.len()
    }
}
