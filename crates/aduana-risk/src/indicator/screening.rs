//! The party-screening indicator: every named party of a consignment is screened against the loaded sanctions and
//! watch lists; a match at or above the threshold is a hard hit (no AEO benefit waives it) that asks for the red
//! lane and high-risk screening, with the list entry, the aligned name tokens and the secondary evidence.

use aduana_core::{Consignment, Hit, Lane, Referral};
use aduana_screening::{ScreeningConfig, ScreeningIndex, screen_parties};

use crate::context::RiskContext;
use crate::indicator::{Indicator, Signals};

/// Screens parties against watch lists.
#[derive(Debug)]
pub struct ScreeningIndicator {
    index: ScreeningIndex,
    config: ScreeningConfig,
    weights: ScreeningWeights,
    version: String,
}

/// The weights the screening indicators give their hits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScreeningWeights {
    /// The weight of a match with score 1.0; a match scores its score times this.
    pub party_match: f64,
    /// The weight of a strategic-goods (licence check) hit.
    pub strategic_goods: f64,
    /// The weight of a destination under arms embargo.
    pub embargo: f64,
}

impl ScreeningIndicator {
    /// Returns the indicator over a built index; `version` names the lists (recorded in every assessment).
    pub fn new(index: ScreeningIndex, config: ScreeningConfig, weights: ScreeningWeights, version: String) -> Self {
        ScreeningIndicator { index, config, weights, version }
    }
}

impl Indicator for ScreeningIndicator {
    fn name(&self) -> &str {
        "screening"
    }

    fn version(&self, _: &RiskContext) -> Option<String> {
        Some(self.version.clone())
    }

    fn assess(&self, consignment: &Consignment, _: &RiskContext, signals: &mut Signals) {
        for found in screen_parties(&consignment.parties, &self.index, &self.config) {
            if !found.found.matched {
                continue;
            }
            let entry = &found.found;
            signals.hits.push(Hit {
                indicator: "screening".to_owned(),
                id: format!("{}/{}", entry.list, entry.entry_id),
                version: entry.list_version.clone(),
                weight: self.weights.party_match * f64::from(entry.score),
                lane: Some(Lane::Red),
                referrals: vec![Referral::HighRiskScreening],
                hard: true,
                evidence: entry.hit_evidence(&found.field, &found.name),
                reason: format!(
                    "The {} \"{}\" matches {} entry {} \"{}\" (score {:.2}): {}",
                    found.role.as_str(),
                    found.name,
                    entry.list,
                    entry.entry_id,
                    entry.name,
                    entry.score,
                    entry.explanation
                ),
            });
        }
    }
}
