//! Trains perpetual (budget 0.5 and 1.0, one thread) on exported Aduana features and prints time, AUC and
//! precision at 1/2/5/10 % on the validation features. A measuring script: it panics on bad input.

use perpetual::objective::Objective;
use perpetual::{Matrix, PerpetualBooster};
use std::time::Instant;

fn load(path: &str) -> (Vec<f64>, Vec<f64>, usize, usize) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let cols = lines.next().unwrap().split(',').count() - 1;
    let mut rows: Vec<Vec<f64>> = Vec::new();
    let mut y = Vec::new();
    for line in lines {
        let cells: Vec<f64> = line.split(',').map(|c| if c.is_empty() { f64::NAN } else { c.parse().unwrap() }).collect();
        y.push(cells[cols]);
        rows.push(cells[..cols].to_vec());
    }
    let n = rows.len();
    let mut col_major = vec![0.0; n * cols];
    for (i, r) in rows.iter().enumerate() {
        for j in 0..cols {
            col_major[j * n + i] = r[j];
        }
    }
    (col_major, y, n, cols)
}

fn auc(s: &[f64], y: &[f64]) -> f64 {
    let mut o: Vec<usize> = (0..s.len()).collect();
    o.sort_by(|&a, &b| s[a].total_cmp(&s[b]));
    let mut rank = vec![0.0; s.len()];
    for (r, &i) in o.iter().enumerate() { rank[i] = r as f64 + 1.0; }
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
    let (tx, ty, tn, cols) = load(&format!("{dir}/train.csv"));
    let (vx, vy, vn, _) = load(&format!("{dir}/valid.csv"));
    for budget in [0.5f32, 1.0] {
        let started = Instant::now();
        let mut model = PerpetualBooster::default().set_objective(Objective::LogLoss).set_budget(budget).set_num_threads(Some(1));
        model.fit(&Matrix::new(&tx, tn, cols), &ty, None, None).unwrap();
        let secs = started.elapsed().as_secs_f64();
        let p = model.predict(&Matrix::new(&vx, vn, cols), false);
        println!("perpetual budget {budget}: {:.2} s training, valid AUC {:.4}, Pre@1 {:.1} Pre@2 {:.1} Pre@5 {:.1} Pre@10 {:.1}", secs, auc(&p, &vy), pre(&p, &vy, 1), pre(&p, &vy, 2), pre(&p, &vy, 5), pre(&p, &vy, 10));
    }
}
