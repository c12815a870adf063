//! The model: training, the model file, scoring with reasons.

use aduana_core::Consignment;
use chrono::Datelike as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::booster::{self, BoosterConfig, Ensemble, Matrix};
use crate::features::{self, History, HistoryFile, Norms, PROFILES, Row, SMOOTHING, feature_names};
use crate::metrics::{self, Ranking};

/// The model file format version; a file with another version is refused.
pub const FORMAT_VERSION: u32 = 1;

/// Why a model could not be trained or loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// The file is not a model file.
    #[error("the model file is not a valid model")]
    Syntax(#[from] serde_json::Error),
    /// The file was written by another version of the format.
    #[error("the model file has format version {found}, this build reads version {expected}: retrain the model")]
    Version {
        /// The file's version.
        found: u32,
        /// The version this build reads.
        expected: u32,
    },
    /// The file's features are not the ones this build computes.
    #[error("the model's feature schema differs from this build's ({detail}): retrain the model")]
    Schema {
        /// The first difference.
        detail: String,
    },
    /// The trees point outside themselves or at features that do not exist.
    #[error("the model file is corrupt: {0}")]
    Corrupt(String),
    /// Training needs labelled rows of both classes.
    #[error("cannot train: {0}")]
    Data(String),
}

/// A trained model: the trees, the feature schema, and what was learned from the training rows (HS norms and
/// the history of past outcomes).
#[derive(Debug, Clone)]
pub struct Model {
    file: ModelFile,
    history: History,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct ModelFile {
    format_version: u32,
    features: Vec<String>,
    /// SHA-256 of the canonical JSON of the training and validation rows, in order.
    training_fingerprint: String,
    training_rows: usize,
    norms: Norms,
    history: HistoryFile,
    config: BoosterConfig,
    ensemble: Ensemble,
}

/// What training found.
#[derive(Debug, Clone)]
pub struct TrainingReport {
    /// Trees kept (the round with the best validation AUC).
    pub trees: usize,
    /// The metrics on the validation rows.
    pub valid: Ranking,
}

/// One row's score and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// The estimated probability of fraud, 0..1.
    pub score: f64,
    /// The log-odds before any feature is looked at; `bias` + the contributions' weights = logit(`score`).
    pub bias: f64,
    /// Every feature's contribution to the log-odds, largest first; the reasons of the strongest few.
    pub contributions: Vec<Contribution>,
}

/// One feature's part in a score.
#[derive(Debug, Clone, PartialEq)]
pub struct Contribution {
    /// The feature's name in the schema.
    pub feature: String,
    /// The feature's value for this row.
    pub value: f64,
    /// Its contribution to the log-odds of fraud (positive raises the score).
    pub weight: f64,
    /// The contribution in words, for an officer.
    pub reason: String,
}

/// The labelled rows of a data set and their facts.
struct Labelled<'a> {
    rows: Vec<Row<'a>>,
    dates: Vec<i64>,
    labels: Vec<bool>,
}

fn labelled<'a>(consignments: &'a [Consignment], what: &str) -> Result<Labelled<'a>, ModelError> {
    let rows: Vec<Row<'a>> = consignments.iter().map(Row::of).filter(|r| r.label.is_some()).collect();
    let labels: Vec<bool> = rows.iter().map(|r| r.label == Some(true)).collect();
    if labels.iter().all(|l| *l) || labels.iter().all(|l| !*l) {
        return Err(ModelError::Data(format!(
            "the {what} rows need both fraudulent and clean labels (attribute `fraud`)"
        )));
    }
    let dates = consignments
        .iter()
        .zip(consignments.iter().map(Row::of))
        .filter(|(_, r)| r.label.is_some())
        .map(|(c, _)| day(c))
        .collect();
    Ok(Labelled { rows, dates, labels })
}

fn day(consignment: &Consignment) -> i64 {
    consignment.lodged_on.map_or(0, |d| i64::from(d.num_days_from_ce()))
}

/// The revenue proxy at stake on a row: value × duty rate / 100.
fn revenue(row: &Row<'_>) -> f64 {
    row.value * row.tax_rate / 100.0
}

/// Trains a model on labelled training rows, choosing the number of trees on the validation rows. Features of
/// both are computed in date order from earlier days only; validation rows see the whole training history plus
/// the outcomes of earlier validation days.
pub fn train(
    train: &[Consignment],
    valid: &[Consignment],
    config: &BoosterConfig,
    progress: &mut dyn FnMut(u32, f64),
) -> Result<(Model, TrainingReport), ModelError> {
    let train_rows = labelled(train, "training")?;
    let valid_rows = labelled(valid, "validation")?;
    let width = feature_names().len();
    let norms = Norms::learn(&train_rows.rows);
    let mut history = History::new();
    let train_x = features::features_in_time(&train_rows.rows, &train_rows.dates, &mut history, &norms, width);
    let mut online = history.clone();
    let valid_x = features::features_in_time(&valid_rows.rows, &valid_rows.dates, &mut online, &norms, width);
    let ensemble = booster::train(
        &Matrix { x: &train_x, y: &train_rows.labels, width },
        &Matrix { x: &valid_x, y: &valid_rows.labels, width },
        config,
        progress,
    );
    let scores: Vec<f64> = valid_x.chunks_exact(width).map(|x| ensemble.raw(x)).collect();
    let revenues: Vec<f64> = valid_rows.rows.iter().map(revenue).collect();
    let report =
        TrainingReport { trees: ensemble.trees.len(), valid: metrics::ranking(&scores, &valid_rows.labels, &revenues) };
    let file = ModelFile {
        format_version: FORMAT_VERSION,
        features: feature_names(),
        training_fingerprint: fingerprint(train.iter().chain(valid)),
        training_rows: train_rows.rows.len(),
        norms,
        history: history.to_file(),
        config: config.clone(),
        ensemble,
    };
    Ok((Model { file, history }, report))
}

fn fingerprint<'a>(consignments: impl Iterator<Item = &'a Consignment>) -> String {
    let mut hasher = Sha256::new();
    for consignment in consignments {
        if let Ok(json) = serde_json::to_vec(consignment) {
            hasher.update(&json);
        }
        hasher.update(b"\n");
    }
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

impl Model {
    /// Loads a model file, refusing one of another format version or feature schema.
    pub fn load(bytes: &[u8]) -> Result<Model, ModelError> {
        #[derive(Deserialize)]
        struct Header {
            format_version: u32,
        }
        let header: Header = serde_json::from_slice(bytes)?;
        if header.format_version != FORMAT_VERSION {
            return Err(ModelError::Version { found: header.format_version, expected: FORMAT_VERSION });
        }
        let file: ModelFile = serde_json::from_slice(bytes)?;
        let expected = feature_names();
        if file.features != expected {
            let detail = match expected.iter().zip(&file.features).position(|(a, b)| a != b) {
                Some(i) => format!("feature {} is `{}` in the file, `{}` here", i + 1, file.features[i], expected[i]),
                None => format!("{} features in the file, {} here", file.features.len(), expected.len()),
            };
            return Err(ModelError::Schema { detail });
        }
        if !file.ensemble.check(expected.len()) || !file.ensemble.base_score.is_finite() {
            return Err(ModelError::Corrupt("a tree node points outside its tree".to_owned()));
        }
        let history = History::from_file(&file.history);
        Ok(Model { file, history })
    }

    /// Returns the model file's bytes (JSON).
    pub fn to_bytes(&self) -> Result<Vec<u8>, ModelError> {
        Ok(serde_json::to_vec(&self.file)?)
    }

    /// The history of outcomes the model was trained with; add newer examination results to a clone of it.
    pub fn history(&self) -> &History {
        &self.history
    }

    /// The SHA-256 fingerprint of the training data.
    pub fn fingerprint(&self) -> &str {
        &self.file.training_fingerprint
    }

    /// The number of trees.
    pub fn trees(&self) -> usize {
        self.file.ensemble.trees.len()
    }

    /// Scores consignments against a fixed history of past outcomes, with each feature's contribution and the
    /// reasons of the strongest. Deterministic.
    pub fn score_batch(&self, consignments: &[Consignment], history: &History) -> Vec<Prediction> {
        let names = &self.file.features;
        let mut x = Vec::with_capacity(names.len());
        let mut weights = vec![0.0; names.len()];
        consignments
            .iter()
            .map(|consignment| {
                let row = Row::of(consignment);
                x.clear();
                features::features(&row, history, &self.file.norms, &mut x);
                weights.iter_mut().for_each(|w| *w = 0.0);
                let bias = self.file.ensemble.contributions(&x, &mut weights);
                let raw = bias + weights.iter().sum::<f64>();
                let mut contributions: Vec<Contribution> = names
                    .iter()
                    .zip(&x)
                    .zip(&weights)
                    .filter(|(_, w)| **w != 0.0)
                    .map(|((name, value), weight)| Contribution {
                        feature: name.clone(),
                        value: f64::from(*value),
                        weight: *weight,
                        reason: String::new(),
                    })
                    .collect();
                contributions.sort_by(|a, b| b.weight.total_cmp(&a.weight).then_with(|| a.feature.cmp(&b.feature)));
                for contribution in &mut contributions {
                    contribution.reason = reason(&contribution.feature, contribution.value, &row, history);
                }
                Prediction { score: sigmoid(raw), bias, contributions }
            })
            .collect()
    }

    /// Scores labelled consignments the way they would have been scored as they arrived: in date order, each
    /// day against the model's history plus the outcomes of earlier days in `consignments`. Returns scores in
    /// input order and the ranking metrics (revenue proxy: value × duty rate on fraudulent rows).
    pub fn evaluate(&self, consignments: &[Consignment]) -> Result<(Vec<f64>, Ranking), ModelError> {
        let data = labelled(consignments, "evaluation")?;
        let width = self.file.features.len();
        let mut history = self.history.clone();
        let x = features::features_in_time(&data.rows, &data.dates, &mut history, &self.file.norms, width);
        let scores: Vec<f64> = x.chunks_exact(width).map(|x| sigmoid(self.file.ensemble.raw(x))).collect();
        let revenues: Vec<f64> = data.rows.iter().map(revenue).collect();
        let ranking = metrics::ranking(&scores, &data.labels, &revenues);
        Ok((scores, ranking))
    }

    /// Scores labelled consignments against the model's training history only, never adding their outcomes:
    /// what the model does when no examination result comes back during the evaluated period.
    pub fn evaluate_frozen(&self, consignments: &[Consignment]) -> Result<(Vec<f64>, Ranking), ModelError> {
        let data = labelled(consignments, "evaluation")?;
        let width = self.file.features.len();
        let mut x = Vec::with_capacity(width);
        let scores: Vec<f64> = data
            .rows
            .iter()
            .map(|row| {
                x.clear();
                features::features(row, &self.history, &self.file.norms, &mut x);
                sigmoid(self.file.ensemble.raw(&x))
            })
            .collect();
        let revenues: Vec<f64> = data.rows.iter().map(revenue).collect();
        let ranking = metrics::ranking(&scores, &data.labels, &revenues);
        Ok((scores, ranking))
    }

    /// Scores consignments against a fixed history without explanations: the fast path for large batches.
    pub fn score_only(&self, consignments: &[Consignment], history: &History) -> Vec<f64> {
        const BLOCK: usize = 256;
        let width = self.file.features.len();
        let mut x = Vec::with_capacity(width * BLOCK.min(consignments.len()));
        let mut scores = vec![0.0; consignments.len()];
        for (block, out) in consignments.chunks(BLOCK).zip(scores.chunks_mut(BLOCK)) {
            x.clear();
            for c in block {
                features::features(&Row::of(c), history, &self.file.norms, &mut x);
            }
            self.file.ensemble.raw_batch(&x, width, out);
            out.iter_mut().for_each(|s| *s = sigmoid(*s));
        }
        scores
    }

    /// The features of labelled consignments computed in date order as in training, row-major, with labels;
    /// for comparing the booster with other learners on the same features.
    pub fn export_features(
        &self,
        train: &[Consignment],
        valid: &[Consignment],
    ) -> Result<[FeatureMatrix; 2], ModelError> {
        let width = self.file.features.len();
        let t = labelled(train, "training")?;
        let v = labelled(valid, "validation")?;
        let mut history = History::new();
        let tx = features::features_in_time(&t.rows, &t.dates, &mut history, &self.file.norms, width);
        let vx = features::features_in_time(&v.rows, &v.dates, &mut history, &self.file.norms, width);
        Ok([(tx, t.labels), (vx, v.labels)])
    }

    /// The names of the features, in vector order.
    pub fn feature_names(&self) -> &[String] {
        &self.file.features
    }
}

/// A row-major feature matrix and its labels.
pub type FeatureMatrix = (Vec<f32>, Vec<bool>);

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Says in words what a feature's value means for this row.
fn reason(feature: &str, value: f64, row: &Row<'_>, history: &History) -> String {
    let percent = |v: f64| format!("{:.0} %", v * 100.0);
    if let Some(profile) = feature.strip_suffix("_fraud_rate").or_else(|| feature.strip_suffix("_log_count")) {
        let Some((name, facts)) = PROFILES.iter().find(|(name, _)| *name == profile) else {
            return format!("{feature} = {value:.3}");
        };
        let Some(key) = row.key(facts) else { return format!("no {} on the declaration", name.replace('_', " ")) };
        let counts = history.counts(name, &key);
        let label = describe(name, &key);
        if counts.seen == 0 {
            return format!("{label}: never seen before (prior {} fraud rate)", percent(history.prior()));
        }
        let rate = (f64::from(counts.fraud) + SMOOTHING * history.prior()) / (f64::from(counts.seen) + SMOOTHING);
        if feature.ends_with("_log_count") {
            return format!("{label}: {} earlier declarations", counts.seen);
        }
        return format!("{label}: {} past fraud rate over {} declarations", percent(rate), counts.seen);
    }
    match feature {
        "unit_price_vs_hs_norm" if value.is_finite() => {
            format!("unit price {} of HS {} norm", percent(value.exp()), row.facts[0])
        }
        "unit_price_vs_hs_norm" => format!("no unit-price norm for HS {}", row.facts[0]),
        "log_value" => format!("declared value {:.0} KRW", row.value),
        "log_net_mass" => format!("net mass {} kg", row.net_mass),
        "log_unit_price" => format!("unit price {:.0} KRW/kg", row.unit_price().unwrap_or(0.0)),
        "tax_rate" => format!("duty rate {} %", row.tax_rate),
        "log_duty_at_stake" => format!("duty at stake {:.0} KRW", revenue(row)),
        "hs2_code" | "hs4_code" | "hs6_code" => format!("HS {}", row.facts[0]),
        "origin_differs_from_dispatch" if value > 0.5 => {
            format!("origin {} differs from dispatch country {}", row.facts[3], row.facts[4])
        }
        "importer_declarations" => format!("importer's {:.0} earlier declarations", value.exp() - 1.0),
        _ => format!("{} = {value:.3}", feature.replace('_', " ")),
    }
}

/// Names a profile key for an officer: `hs6_origin` + `392690|CN` → `HS 392690 from CN`.
fn describe(profile: &str, key: &str) -> String {
    let parts: Vec<&str> = key.split('|').collect();
    let part = |i: usize| parts.get(i).copied().unwrap_or("");
    match profile {
        "hs6" | "hs4" | "hs2" => format!("HS {key}"),
        "hs6_origin" | "hs4_origin" => format!("HS {} from {}", part(0), part(1)),
        "hs6_dispatch" => format!("HS {} dispatched from {}", part(0), part(1)),
        "hs6_tax_type" => format!("HS {} under tariff {}", part(0), part(1)),
        "hs6_origin_tax_type" => format!("HS {} from {} under tariff {}", part(0), part(1), part(2)),
        "hs6_office" => format!("HS {} at office {}", part(0), part(1)),
        "origin_tax_type" => format!("origin {} under tariff {}", part(0), part(1)),
        "declarant_hs6" => format!("declarant {} with HS {}", part(0), part(1)),
        "importer_hs6" => format!("importer {} with HS {}", part(0), part(1)),
        _ => format!("{} {key}", profile.replace('_', " ")),
    }
}
