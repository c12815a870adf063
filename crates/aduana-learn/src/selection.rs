//! The selection policy: inspect the top n % by score, spending a share of the inspections on random picks
//! among the rest, so that the model keeps learning about declarations it would never select.

/// How many declarations to inspect and how many of those to explore.
#[derive(Debug, Clone, PartialEq)]
pub struct SelectionPolicy {
    /// The share of declarations to inspect, in percent (e.g. 5).
    pub inspect_percent: f64,
    /// The share of those inspections spent on exploration, 0..1 (e.g. 0.1).
    pub exploration_share: f64,
}

/// Why a declaration was selected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    /// Among the highest scores.
    Score,
    /// Picked at random among the rest, to explore.
    Exploration,
}

/// A seeded random number generator (SplitMix64): the caller chooses the seed, so selections are reproducible.
#[derive(Debug, Clone)]
pub struct SeededRng(u64);

impl SeededRng {
    /// Returns a generator with a seed.
    pub fn new(seed: u64) -> SeededRng {
        SeededRng(seed)
    }

    /// Returns the next pseudo-random number.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// Selects declarations to inspect by their scores; returns `(row index, why)` in selection order.
pub fn select(scores: &[f64], policy: &SelectionPolicy, rng: &mut SeededRng) -> Vec<(usize, Pick)> {
    let n = scores.len();
    let budget = ((n as f64 * policy.inspect_percent.clamp(0.0, 100.0) / 100.0).ceil() as usize).min(n);
    let explore = (budget as f64 * policy.exploration_share.clamp(0.0, 1.0)).round() as usize;
    let order = crate::metrics::rank_order(scores);
    let exploit = budget - explore;
    let mut picked: Vec<(usize, Pick)> = order[..exploit].iter().map(|&i| (i, Pick::Score)).collect();
    let mut rest: Vec<usize> = order[exploit..].to_vec();
    for _ in 0..explore {
        if rest.is_empty() {
            break;
        }
        let k = (rng.next_u64() % rest.len() as u64) as usize;
        picked.push((rest.swap_remove(k), Pick::Exploration));
    }
    picked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_is_split_between_top_scores_and_seeded_exploration() {
        let scores: Vec<f64> = (0..200).map(f64::from).collect();
        let policy = SelectionPolicy { inspect_percent: 10.0, exploration_share: 0.1 };
        let picked = select(&scores, &policy, &mut SeededRng::new(7));
        assert_eq!(picked.len(), 20);
        assert!(picked[..18].iter().all(|(i, p)| *i >= 182 && *p == Pick::Score));
        assert!(picked[18..].iter().all(|(i, p)| *i < 182 && *p == Pick::Exploration));
        assert_eq!(picked, select(&scores, &policy, &mut SeededRng::new(7)), "same seed, same picks");
    }
}
