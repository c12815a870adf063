//! Trains the `gbdt` crate (0.1.3, one thread) on exported Aduana features and prints time, AUC and precision at
//! 1/2/5/10 % on the validation features, for a few settings. A measuring script: it panics on bad input.
//!
//! `gbdt` has no histogram binning, no early stopping on a validation set and no leaf-wise growth: it grows
//! depth-wise trees by sorting every feature at every node. Missing values are `VALUE_TYPE_UNKNOWN`.

use gbdt::config::Config;
use gbdt::decision_tree::{Data, DataVec, VALUE_TYPE_UNKNOWN};
use gbdt::gradient_boost::GBDT;
use std::time::Instant;

fn load(path: &str, training: bool) -> (DataVec, Vec<f64>, usize) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let cols = lines.next().unwrap().split(',').count() - 1;
    let mut data = Vec::new();
    let mut y = Vec::new();
    for line in lines {
        let cells: Vec<f32> =
            line.split(',').map(|c| if c.is_empty() { VALUE_TYPE_UNKNOWN } else { c.parse::<f64>().unwrap() as f32 }).collect();
        let label = if cells[cols] > 0.5 { 1.0 } else { -1.0 };
        y.push(f64::from(cells[cols]));
        let features = cells[..cols].iter().map(|v| if v.is_nan() { VALUE_TYPE_UNKNOWN } else { *v }).collect();
        data.push(if training {
            Data::new_training_data(features, 1.0, label, None)
        } else {
            Data::new_test_data(features, Some(label))
        });
    }
    (data, y, cols)
}

fn auc(s: &[f64], y: &[f64]) -> f64 {
    let mut o: Vec<usize> = (0..s.len()).collect();
    o.sort_by(|&a, &b| s[a].total_cmp(&s[b]));
    let mut rank = vec![0.0; s.len()];
    for (r, &i) in o.iter().enumerate() {
        rank[i] = r as f64 + 1.0;
    }
    let p = y.iter().filter(|v| **v > 0.5).count() as f64;
    let n = y.len() as f64 - p;
    let sum: f64 = (0..s.len()).filter(|&i| y[i] > 0.5).map(|i| rank[i]).sum();
    (sum - p * (p + 1.0) / 2.0) / (p * n)
}

fn pre(s: &[f64], y: &[f64], rate: usize) -> f64 {
    let mut o: Vec<usize> = (0..s.len()).collect();
    o.sort_by(|&a, &b| s[b].total_cmp(&s[a]));
    let top = (s.len() * rate).div_ceil(100);
    100.0 * o[..top].iter().filter(|&&i| y[i] > 0.5).count() as f64 / top as f64
}

fn main() {
    let dir = std::env::args().nth(1).unwrap_or_else(|| "/tmp/features".to_owned());
    let (train, _, cols) = load(&format!("{dir}/train.csv"), true);
    let (valid, vy, _) = load(&format!("{dir}/valid.csv"), false);
    // (depth, rounds, shrinkage): depth 5 is the nearest depth-wise match to 31 leaves. A second argument
    // `DEPTH,ROUNDS,SHRINKAGE` runs one setting alone (to time it with `/usr/bin/time`).
    let mut settings = vec![(5u32, 100usize, 0.1f32), (5, 300, 0.05), (6, 200, 0.1)];
    if let Some(one) = std::env::args().nth(2) {
        let parts: Vec<&str> = one.split(',').collect();
        settings = vec![(parts[0].parse().unwrap(), parts[1].parse().unwrap(), parts[2].parse().unwrap())];
    }
    for (depth, rounds, shrinkage) in settings {
        let mut cfg = Config::new();
        cfg.set_feature_size(cols);
        cfg.set_max_depth(depth);
        cfg.set_iterations(rounds);
        cfg.set_shrinkage(shrinkage);
        cfg.set_min_leaf_size(20);
        cfg.set_loss("LogLikelyhood");
        cfg.set_training_optimization_level(2);
        let mut train = train.clone();
        let started = Instant::now();
        let mut model = GBDT::new(&cfg);
        model.fit(&mut train);
        let secs = started.elapsed().as_secs_f64();
        let p: Vec<f64> = model.predict(&valid).into_iter().map(f64::from).collect();
        println!(
            "gbdt depth {depth}, {rounds} rounds, shrinkage {shrinkage}: {secs:.2} s training, valid AUC {:.4}, Pre@1 {:.1} Pre@2 {:.1} Pre@5 {:.1} Pre@10 {:.1}",
            auc(&p, &vy),
            pre(&p, &vy, 1),
            pre(&p, &vy, 2),
            pre(&p, &vy, 5),
            pre(&p, &vy, 10)
        );
    }
}
