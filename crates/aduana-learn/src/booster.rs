//! A histogram gradient-boosted tree ensemble for binary labels (logistic loss), grown leaf-wise as LightGBM does,
//! with per-feature contributions by path attribution (each split's change in expected score is credited to its
//! feature), which sum exactly to the score.

use serde::{Deserialize, Serialize};

/// Settings of the booster. The binary owns the defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoosterConfig {
    /// The most boosting rounds; fewer are kept when the validation AUC stops improving.
    pub rounds: u32,
    /// Rounds without a better validation AUC before training stops.
    pub patience: u32,
    /// Shrinkage of each tree.
    pub learning_rate: f64,
    /// Leaves per tree.
    pub max_leaves: u32,
    /// The smallest number of rows in a leaf.
    pub min_leaf_rows: u32,
    /// L2 regularisation of leaf values.
    pub lambda: f64,
    /// Histogram bins per feature (at most 255).
    pub bins: u32,
}

/// One node of a tree: a split (`feature` < `u32::MAX`) or a leaf. `value` is the node's expected contribution
/// to the score (the leaf value for leaves), used for feature attributions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Node {
    #[serde(rename = "f")]
    feature: u32,
    #[serde(rename = "t")]
    threshold: f32,
    #[serde(rename = "l")]
    left: u32,
    #[serde(rename = "r")]
    right: u32,
    #[serde(rename = "v")]
    value: f32,
}

const LEAF: u32 = u32::MAX;

/// A trained ensemble.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Ensemble {
    pub(crate) base_score: f64,
    pub(crate) trees: Vec<Vec<Node>>,
}

impl Ensemble {
    /// Returns the raw score (log-odds) of one feature vector.
    pub(crate) fn raw(&self, x: &[f32]) -> f64 {
        let mut score = self.base_score;
        for tree in &self.trees {
            let mut node = &tree[0];
            while node.feature != LEAF {
                let v = x[node.feature as usize];
                node = &tree[if v.is_nan() || v <= node.threshold { node.left } else { node.right } as usize];
            }
            score += f64::from(node.value);
        }
        score
    }

    /// Adds the raw scores of a block of row-major feature vectors to `out` (set to the base score first), one
    /// tree at a time so that each tree stays in cache while the rows go through it.
    pub(crate) fn raw_batch(&self, x: &[f32], width: usize, out: &mut [f64]) {
        out.iter_mut().for_each(|o| *o = self.base_score);
        for tree in &self.trees {
            for (row, o) in x.chunks_exact(width).zip(out.iter_mut()) {
                let mut node = &tree[0];
                while node.feature != LEAF {
                    let v = row[node.feature as usize];
                    node = &tree[if v.is_nan() || v <= node.threshold { node.left } else { node.right } as usize];
                }
                *o += f64::from(node.value);
            }
        }
    }

    /// Returns the raw score and adds each feature's contribution to `contributions` (length = features); the
    /// contributions plus the returned bias equal the score.
    pub(crate) fn contributions(&self, x: &[f32], contributions: &mut [f64]) -> f64 {
        let mut bias = self.base_score;
        for tree in &self.trees {
            let mut node = &tree[0];
            bias += f64::from(node.value);
            while node.feature != LEAF {
                let v = x[node.feature as usize];
                let next = &tree[if v.is_nan() || v <= node.threshold { node.left } else { node.right } as usize];
                contributions[node.feature as usize] += f64::from(next.value) - f64::from(node.value);
                node = next;
            }
        }
        bias
    }

    /// Checks that every node points inside its tree and at features that exist, so a loaded file cannot panic.
    pub(crate) fn check(&self, features: usize) -> bool {
        self.trees.iter().all(|tree| {
            !tree.is_empty()
                && tree.iter().enumerate().all(|(i, n)| {
                    n.feature == LEAF
                        || ((n.feature as usize) < features
                            && (n.left as usize) < tree.len()
                            && (n.right as usize) < tree.len()
                            && n.left as usize > i
                            && n.right as usize > i)
                })
        })
    }
}

/// Per-feature bin thresholds: a value falls in bin `1 + #{t < v}`; NaN is bin 0.
struct Binning {
    thresholds: Vec<Vec<f32>>,
}

impl Binning {
    fn learn(x: &[f32], n: usize, width: usize, bins: usize) -> Binning {
        let mut thresholds = Vec::with_capacity(width);
        let mut column = Vec::with_capacity(n);
        for f in 0..width {
            column.clear();
            column.extend((0..n).map(|i| x[i * width + f]).filter(|v| !v.is_nan()));
            column.sort_by(f32::total_cmp);
            column.dedup();
            let cut: Vec<f32> = if column.len() < bins {
                column.iter().copied().take(column.len().saturating_sub(1)).collect()
            } else {
                let mut t: Vec<f32> = (1..bins - 1).map(|i| column[i * column.len() / (bins - 1)]).collect();
                t.dedup();
                t
            };
            thresholds.push(cut);
        }
        Binning { thresholds }
    }

    fn bin(&self, f: usize, v: f32) -> u8 {
        if v.is_nan() { 0 } else { (1 + self.thresholds[f].partition_point(|t| *t < v)) as u8 }
    }

    /// The split threshold for "bins ≤ b go left". Bin 0 holds only NaN (which always goes left); its threshold
    /// is `f32::MIN` rather than −∞ so that the model file stays plain JSON.
    fn threshold(&self, f: usize, b: usize) -> f32 {
        if b == 0 { f32::MIN } else { self.thresholds[f][b - 1] }
    }
}

/// Training data: a row-major matrix of `width` features and labels.
pub(crate) struct Matrix<'a> {
    pub(crate) x: &'a [f32],
    pub(crate) y: &'a [bool],
    pub(crate) width: usize,
}

/// Trains an ensemble on `train`, keeping the number of rounds that gave the best AUC on `valid`; `progress`
/// hears about each round (round, validation AUC).
pub(crate) fn train(
    train: &Matrix<'_>,
    valid: &Matrix<'_>,
    config: &BoosterConfig,
    progress: &mut dyn FnMut(u32, f64),
) -> Ensemble {
    let n = train.y.len();
    let width = train.width;
    let bins = (config.bins.clamp(2, 255)) as usize;
    let binning = Binning::learn(train.x, n, width, bins);
    let nbins = bins + 1;
    let mut binned = vec![0u8; n * width];
    for f in 0..width {
        for i in 0..n {
            binned[f * n + i] = binning.bin(f, train.x[i * width + f]);
        }
    }
    let positives = train.y.iter().filter(|y| **y).count() as f64;
    let p0 = ((positives + 0.5) / (n as f64 + 1.0)).clamp(1e-6, 1.0 - 1e-6);
    let base_score = (p0 / (1.0 - p0)).ln();
    let mut ensemble = Ensemble { base_score, trees: Vec::new() };
    let mut score = vec![base_score; n];
    let mut valid_score = vec![base_score; valid.y.len()];
    let mut grad = vec![0.0f64; n];
    let mut hess = vec![0.0f64; n];
    let (mut best_auc, mut best_rounds) = (f64::NEG_INFINITY, 0usize);
    for round in 0..config.rounds {
        for i in 0..n {
            let p = 1.0 / (1.0 + (-score[i]).exp());
            grad[i] = p - f64::from(u8::from(train.y[i]));
            hess[i] = (p * (1.0 - p)).max(1e-12);
        }
        let tree = grow(&binned, n, width, nbins, &grad, &hess, &binning, config);
        for (i, s) in score.iter_mut().enumerate() {
            *s += f64::from(leaf_value(&tree, |f| train.x[i * width + f]));
        }
        for (i, s) in valid_score.iter_mut().enumerate() {
            *s += f64::from(leaf_value(&tree, |f| valid.x[i * width + f]));
        }
        ensemble.trees.push(tree);
        let auc = crate::metrics::auc(&valid_score, valid.y);
        progress(round + 1, auc);
        if auc > best_auc {
            best_auc = auc;
            best_rounds = ensemble.trees.len();
        } else if ensemble.trees.len() - best_rounds >= config.patience as usize {
            break;
        }
    }
    ensemble.trees.truncate(best_rounds.max(1));
    ensemble
}

fn leaf_value(tree: &[Node], x: impl Fn(usize) -> f32) -> f32 {
    let mut node = &tree[0];
    while node.feature != LEAF {
        let v = x(node.feature as usize);
        node = &tree[if v.is_nan() || v <= node.threshold { node.left } else { node.right } as usize];
    }
    node.value
}

/// A leaf being grown: its rows, histogram and best split.
struct Open {
    node: usize,
    rows: Vec<u32>,
    hist: Vec<[f64; 2]>,
    g: f64,
    h: f64,
    split: Option<(f64, usize, usize)>,
}

#[allow(clippy::too_many_arguments, reason = "one internal call site; the pieces are the training state")]
fn grow(
    binned: &[u8],
    n: usize,
    width: usize,
    nbins: usize,
    grad: &[f64],
    hess: &[f64],
    binning: &Binning,
    config: &BoosterConfig,
) -> Vec<Node> {
    let lr = config.learning_rate;
    let lambda = config.lambda;
    let value = |g: f64, h: f64| (-lr * g / (h + lambda)) as f32;
    let histogram = |rows: &[u32]| {
        let mut hist = vec![[0.0f64; 2]; width * nbins];
        for f in 0..width {
            let column = &binned[f * n..(f + 1) * n];
            let part = &mut hist[f * nbins..(f + 1) * nbins];
            for &i in rows {
                let cell = &mut part[column[i as usize] as usize];
                cell[0] += grad[i as usize];
                cell[1] += hess[i as usize];
            }
        }
        hist
    };
    let best_split = |open: &Open| -> Option<(f64, usize, usize)> {
        if open.rows.len() < 2 * config.min_leaf_rows as usize {
            return None;
        }
        let parent = open.g * open.g / (open.h + lambda);
        let min_h = 1e-3;
        let mut best: Option<(f64, usize, usize)> = None;
        for f in 0..width {
            let part = &open.hist[f * nbins..(f + 1) * nbins];
            let (mut gl, mut hl) = (0.0, 0.0);
            for (b, cell) in part.iter().enumerate().take(nbins - 1) {
                gl += cell[0];
                hl += cell[1];
                let (gr, hr) = (open.g - gl, open.h - hl);
                if hl < min_h || hr < min_h {
                    continue;
                }
                let gain = gl * gl / (hl + lambda) + gr * gr / (hr + lambda) - parent;
                if gain > 1e-9 && best.is_none_or(|(g, _, _)| gain > g) {
                    best = Some((gain, f, b));
                }
            }
        }
        best
    };
    let rows: Vec<u32> = (0..n as u32).collect();
    let hist = histogram(&rows);
    let (g, h) = (grad.iter().sum::<f64>(), hess.iter().sum::<f64>());
    let mut tree = vec![Node { feature: LEAF, threshold: 0.0, left: 0, right: 0, value: value(g, h) }];
    let mut root = Open { node: 0, rows, hist, g, h, split: None };
    root.split = best_split(&root);
    let mut open = vec![root];
    let mut leaves = 1;
    while leaves < config.max_leaves {
        let Some(pick) = open
            .iter()
            .enumerate()
            .filter_map(|(i, o)| o.split.map(|(gain, _, _)| (i, gain)))
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(i, _)| i)
        else {
            break;
        };
        let leaf = open.swap_remove(pick);
        let Some((_, f, b)) = leaf.split else { break };
        let column = &binned[f * n..(f + 1) * n];
        let (left_rows, right_rows): (Vec<u32>, Vec<u32>) =
            leaf.rows.iter().partition(|&&i| (column[i as usize] as usize) <= b);
        if left_rows.len() < config.min_leaf_rows as usize || right_rows.len() < config.min_leaf_rows as usize {
            // Too small a child: keep this leaf as it is and try the next best.
            let mut kept = leaf;
            kept.split = None;
            open.push(kept);
            continue;
        }
        let (small, large, small_is_left) = if left_rows.len() <= right_rows.len() {
            (left_rows, right_rows, true)
        } else {
            (right_rows, left_rows, false)
        };
        let small_hist = histogram(&small);
        let large_hist: Vec<[f64; 2]> =
            leaf.hist.iter().zip(&small_hist).map(|(p, s)| [p[0] - s[0], p[1] - s[1]]).collect();
        let sum =
            |rows: &[u32]| rows.iter().fold((0.0, 0.0), |(g, h), &i| (g + grad[i as usize], h + hess[i as usize]));
        let (sg, sh) = sum(&small);
        let (lg, lh) = (leaf.g - sg, leaf.h - sh);
        let small_node = tree.len();
        tree.push(Node { feature: LEAF, threshold: 0.0, left: 0, right: 0, value: value(sg, sh) });
        let large_node = tree.len();
        tree.push(Node { feature: LEAF, threshold: 0.0, left: 0, right: 0, value: value(lg, lh) });
        let (left, right) = if small_is_left { (small_node, large_node) } else { (large_node, small_node) };
        let parent = &mut tree[leaf.node];
        parent.feature = f as u32;
        parent.threshold = binning.threshold(f, b);
        parent.left = left as u32;
        parent.right = right as u32;
        for (node, rows, hist, g, h) in
            [(small_node, small, small_hist, sg, sh), (large_node, large, large_hist, lg, lh)]
        {
            let mut child = Open { node, rows, hist, g, h, split: None };
            child.split = best_split(&child);
            open.push(child);
        }
        leaves += 1;
    }
    tree
}
