//! The candidate search against its reference: every name of the UN list scanned, its votes summed from its own
//! keys, for the yente queries (UN positives, US negatives, US Congress) and perturbed forms of them.

use std::collections::HashSet;
use std::path::Path;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::{Key, MAX_TOKENS, ScreeningIndex, best_voted, for_each_key, rank};
use crate::normalise::{Token, tokens};
use crate::rules::NameRules;
use crate::watchlist::parse_list;

fn test_data(relative: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    std::fs::read(&path).unwrap_or_else(|error| panic!("reading {}: {error}", path.display()))
}

/// The reference: each name's vote is the sum, over the query's keys in order, of the weights of those it has.
fn candidates_by_scan(
    index: &ScreeningIndex,
    name_keys: &[HashSet<Key>],
    query: &[Token],
    weights: &[f32],
    limit: usize,
) -> Vec<u32> {
    let mut query_keys: Vec<(Key, bool, f32)> = Vec::new();
    for (token, weight) in query.iter().zip(weights) {
        for_each_key(token, |key| query_keys.push((key.clone(), key.exact(), *weight)));
    }
    let mut ranked = Vec::new();
    for (id, own_keys) in name_keys.iter().enumerate() {
        let mut vote: Option<f32> = None;
        for (key, exact, weight) in &query_keys {
            let posting = index.postings.get(key).map_or(0, Vec::len);
            if !own_keys.contains(key) || posting > index.posting_cap(*exact, query.len()) {
                continue;
            }
            let key_weight = if *exact { *weight } else { weight * 0.6 };
            vote = Some(vote.unwrap_or(0.0) + key_weight);
        }
        if let Some(vote) = vote {
            ranked.push((u32::try_from(id).expect("fewer than 2^32 names"), vote));
        }
    }
    rank(ranked, limit)
}

#[test]
fn candidates_are_those_of_a_scan_of_every_name_on_the_un_list() {
    // Arrange
    let list = parse_list(&test_data("../../data/watch-lists/un-sc-consolidated-2018.xml"), "UN").expect("UN list");
    let index = ScreeningIndex::build(&[list], NameRules::builtin());
    let name_keys: Vec<HashSet<Key>> = index
        .names
        .iter()
        .map(|name| {
            let mut keys = HashSet::new();
            for token in &name.tokens {
                for_each_key(token, |key| {
                    keys.insert(key.clone());
                });
            }
            keys
        })
        .collect();
    let mut names = Vec::new();
    for file in ["positives_un_untreated.csv", "negatives_us.csv", "positives_us_congress_untreated.csv"] {
        let bytes = test_data(&format!("test_data/yente/{file}"));
        let mut reader = csv::Reader::from_reader(bytes.as_slice());
        // Every seventh row keeps the scan (the whole list per query, unoptimised) quick enough.
        names.extend(reader.records().step_by(7).map(|row| row.expect("a CSV row")[0].to_owned()));
    }
    // Perturbed forms: a letter dropped, two words swapped, a word missing.
    let perturbed: Vec<String> = names
        .iter()
        .flat_map(|name| {
            let words: Vec<&str> = name.split_whitespace().collect();
            let mut out = vec![name.chars().skip(1).collect::<String>()];
            if words.len() >= 2 {
                out.push(format!("{} {}", words[1], words[0]));
                out.push(words[1..].join(" "));
            }
            out
        })
        .collect();
    names.extend(perturbed);

    for name in &names {
        let mut query = tokens(name, index.rules()).tokens;
        query.truncate(MAX_TOKENS);
        let weights = index.weights(&query);
        for limit in [12, usize::MAX] {
            // Act
            let fast = index.candidates(&query, &weights, limit);
            let scan = candidates_by_scan(&index, &name_keys, &query, &weights, limit);

            // Assert
            assert_eq!(fast, scan, "candidates for `{name}` (limit {limit})");
        }
    }
    assert!(names.len() > 1000, "{} queries", names.len());
}

#[test]
fn one_pass_selection_ranks_as_sorting_every_name() {
    let mut rng = StdRng::seed_from_u64(3);
    for _ in 0..2_000 {
        // Few distinct votes, so that ties (broken by the lower id) are frequent; a few negative ones and -0.0, which
        // no query gives, to hold the order to `f32::total_cmp`'s.
        let names = rng.gen_range(1..300_u32);
        let vote = |rng: &mut StdRng| match rng.gen_range(0..12_u8) {
            8 => -0.0,
            9..=11 => -f32::from(rng.gen_range(0..8_u8)) * 0.25,
            n => f32::from(n) * 0.25,
        };
        let votes: Vec<(u32, f32)> = (0..names).map(|_| (1, vote(&mut rng))).collect();
        let mut touched: Vec<u32> = (0..names).collect();
        // The voted names come in the order of the postings, not of their ids.
        for i in (1..touched.len()).rev() {
            touched.swap(i, rng.gen_range(0..=i));
        }
        let limit = rng.gen_range(0..names as usize);
        let expected = rank(touched.iter().map(|&n| (n, votes[n as usize].1)).collect(), limit);
        assert_eq!(best_voted(&touched, &votes, limit), expected, "{names} names, limit {limit}");
    }
}
