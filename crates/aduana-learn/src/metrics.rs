//! Ranking metrics of a selection: inspect the top n % by score and see what is caught.

use serde::Serialize;

/// The inspection rates the metrics are reported at, in percent.
pub const RATES: [u32; 4] = [1, 2, 5, 10];

/// How well scores rank fraudulent declarations first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ranking {
    /// Rows scored.
    pub rows: usize,
    /// Share of frauds among the top n % (n = 1, 2, 5, 10), in percent.
    pub precision_at: [f64; 4],
    /// Share of all frauds found in the top n %, in percent.
    pub recall_at: [f64; 4],
    /// Share of the revenue at stake on fraudulent rows found in the top n %, in percent.
    pub revenue_at: [f64; 4],
    /// Area under the ROC curve.
    pub auc: f64,
}

/// Computes the ranking metrics of `scores` against `labels`; `revenue` is the amount at stake per row (counted
/// only on fraudulent rows). Ties are broken by row order, so the result is deterministic.
pub fn ranking(scores: &[f64], labels: &[bool], revenue: &[f64]) -> Ranking {
    let n = scores.len();
    let order = rank_order(scores);
    let frauds = labels.iter().filter(|l| **l).count().max(1) as f64;
    let total_revenue: f64 = labels.iter().zip(revenue).filter(|(l, _)| **l).map(|(_, r)| *r).sum();
    let mut precision_at = [0.0; 4];
    let mut recall_at = [0.0; 4];
    let mut revenue_at = [0.0; 4];
    for (k, rate) in RATES.iter().enumerate() {
        let top = (n * *rate as usize).div_ceil(100).max(1).min(n);
        let caught = order[..top].iter().filter(|&&i| labels[i]).count() as f64;
        let raised: f64 = order[..top].iter().filter(|&&i| labels[i]).map(|&i| revenue[i]).sum();
        precision_at[k] = 100.0 * caught / top.max(1) as f64;
        recall_at[k] = 100.0 * caught / frauds;
        revenue_at[k] = if total_revenue > 0.0 { 100.0 * raised / total_revenue } else { 0.0 };
    }
    Ranking { rows: n, precision_at, recall_at, revenue_at, auc: auc(scores, labels) }
}

/// Row indices by descending score, ties in row order.
pub(crate) fn rank_order(scores: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    order
}

/// The area under the ROC curve, with tied scores counted as half.
pub fn auc(scores: &[f64], labels: &[bool]) -> f64 {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let positives = labels.iter().filter(|l| **l).count() as f64;
    let negatives = labels.len() as f64 - positives;
    if positives == 0.0 || negatives == 0.0 {
        return 0.5;
    }
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && scores[order[j + 1]] == scores[order[i]] {
            j += 1;
        }
        let mid_rank = (i + j) as f64 / 2.0 + 1.0;
        rank_sum += order[i..=j].iter().filter(|&&k| labels[k]).count() as f64 * mid_rank;
        i = j + 1;
    }
    (rank_sum - positives * (positives + 1.0) / 2.0) / (positives * negatives)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_perfect_ranking_has_auc_one_and_full_precision() {
        let scores: Vec<f64> = (0..100).map(f64::from).collect();
        let labels: Vec<bool> = (0..100).map(|i| i >= 90).collect();
        let r = ranking(&scores, &labels, &vec![1.0; 100]);
        assert!((r.auc - 1.0).abs() < 1e-12);
        assert_eq!(r.precision_at, [100.0; 4]);
        assert_eq!(r.recall_at, [10.0, 20.0, 50.0, 100.0]);
    }

    #[test]
    fn ties_count_half_in_auc() {
        assert!((auc(&[0.5, 0.5], &[true, false]) - 0.5).abs() < 1e-12);
        assert!((auc(&[0.1, 0.9, 0.4], &[false, true, true]) - 1.0).abs() < 1e-12);
    }
}
