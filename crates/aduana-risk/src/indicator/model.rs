//! The learned-model indicator: the gradient-boosted model of `aduana-learn` estimates the probability that a
//! declaration is fraudulent from its facts and the history of earlier examination outcomes; a probability at or
//! above the configured cut-offs asks for a documentary check or an examination, weighted by the probability, with
//! the features that pushed the score up as evidence ("unit price 12 % of HS norm", "HS 392690 from CN: 41 % past
//! fraud rate").

use aduana_core::{Consignment, Evidence, Hit, Lane, Text};
use aduana_learn::Model;

use crate::context::RiskContext;
use crate::indicator::{Indicator, Signals};

/// How the model's probability turns into a hit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModelPolicy {
    /// The hit's weight at probability 1; a hit weighs the probability times this.
    pub weight: f64,
    /// The probability from which the model asks for a documentary check (yellow lane); below it, no hit.
    pub yellow_at: f64,
    /// The probability from which the model asks for a physical examination (red lane).
    pub red_at: f64,
}

/// Scores consignments with a learned model.
#[derive(Debug)]
pub struct ModelIndicator {
    model: Model,
    policy: ModelPolicy,
    version: String,
}

impl ModelIndicator {
    /// Returns the indicator over a loaded model; its version is the model format and training-data fingerprint.
    pub fn new(model: Model, policy: ModelPolicy) -> ModelIndicator {
        let fingerprint: String = model.fingerprint().chars().take(16).collect();
        let version = format!("v{}:{fingerprint}", aduana_learn::FORMAT_VERSION);
        ModelIndicator { model, policy, version }
    }
}

impl Indicator for ModelIndicator {
    fn name(&self) -> &str {
        "model"
    }

    fn version(&self, _: &RiskContext) -> Option<Text> {
        Some(self.version.as_str().into())
    }

    fn assess(&self, consignment: &Consignment, _: &RiskContext, signals: &mut Signals) {
        let one = std::slice::from_ref(consignment);
        // Most consignments score below the threshold: the score alone (no per-feature contributions and reasons)
        // is several times cheaper, so it decides first. Its sum runs in another order than `score_batch`'s, so a
        // score within a hair of the threshold goes on to the full computation, which decides as before.
        if self.model.score_only(one, self.model.history()).first().is_none_or(|s| *s < self.policy.yellow_at - 1e-9) {
            return;
        }
        let Some(prediction) = self.model.score_batch(one, self.model.history()).into_iter().next() else {
            return;
        };
        if prediction.score < self.policy.yellow_at {
            return;
        }
        let raising: Vec<_> = prediction.contributions.iter().filter(|c| c.weight > 0.0).take(3).collect();
        let lane = if prediction.score >= self.policy.red_at { Lane::Red } else { Lane::Yellow };
        signals.hits.push(Hit {
            indicator: "model".into(),
            id: "fraud-probability".into(),
            version: self.version.clone().into(),
            weight: self.policy.weight * prediction.score,
            lane: Some(lane),
            referrals: Vec::new(),
            hard: false,
            evidence: raising
                .iter()
                .map(|c| Evidence {
                    field: format!("model:{}", c.feature).into(),
                    value: format!("{:.4}", c.value).into(),
                })
                .collect(),
            reason: format!(
                "The learned model puts the probability of fraud at {:.0} %: {}.",
                prediction.score * 100.0,
                raising.iter().map(|c| c.reason.as_str()).collect::<Vec<_>>().join("; ")
            )
            .into(),
        });
    }
}
