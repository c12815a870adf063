//! The embargo indicator: a consignment bound for a country under a UN Security Council arms embargo is checked
//! documentarily; when it also carries arms (HS chapter 93) or goods that correlate with a control list, the hit
//! is hard and asks for physical examination and, before loading, do-not-load.

use aduana_core::{Consignment, Direction, Hit, Lane, Referral, Text};
use aduana_screening::{CorrelationTable, EmbargoList, embargoed_destination, strategic_goods};

use crate::context::RiskContext;
use crate::indicator::{Indicator, Signals};

/// Checks destinations against arms embargoes.
#[derive(Debug)]
pub struct EmbargoIndicator {
    embargoes: EmbargoList,
    controls: CorrelationTable,
    weight: f64,
}

impl EmbargoIndicator {
    /// Returns the indicator over an embargo list, with the correlation table that says which goods are strategic.
    pub fn new(embargoes: EmbargoList, controls: CorrelationTable, weight: f64) -> Self {
        EmbargoIndicator { embargoes, controls, weight }
    }
}

impl Indicator for EmbargoIndicator {
    fn name(&self) -> &str {
        "embargo"
    }

    fn version(&self, _: &RiskContext) -> Option<Text> {
        Some(self.embargoes.version.as_str().into())
    }

    fn assess(&self, consignment: &Consignment, ctx: &RiskContext, signals: &mut Signals) {
        // One hit per embargo, however many fields name the embargoed country: the evidence lists them all.
        let mut found: Vec<aduana_screening::EmbargoMatch> = Vec::new();
        for embargo in embargoed_destination(consignment, &self.embargoes) {
            match found.iter_mut().find(|f| f.hit_id == embargo.hit_id) {
                Some(first) => first.evidence.extend(embargo.evidence),
                None => found.push(embargo),
            }
        }
        if found.is_empty() {
            return;
        }
        let arms_or_controlled: Vec<String> = consignment
            .goods
            .iter()
            .enumerate()
            .filter(|(_, item)| {
                item.hs_code.as_ref().is_some_and(|c| c.chapter() == "93")
                    || !strategic_goods(item, &self.controls).is_empty()
            })
            .map(|(i, item)| format!("goods[{i}] {}", item.hs_code.as_ref().map_or("", |c| c.as_str())))
            .collect();
        for embargo in found {
            let hard = !arms_or_controlled.is_empty();
            let mut evidence = embargo.evidence;
            let mut reason = embargo.reason;
            let (lane, weight, mut referrals) = if hard {
                evidence.extend(
                    arms_or_controlled
                        .iter()
                        .map(|g| aduana_core::Evidence { field: "goods".into(), value: g.clone().into() }),
                );
                reason.push_str(&format!(
                    " The consignment carries arms or controlled goods ({}): physical examination.",
                    arms_or_controlled.join(", ")
                ));
                (Lane::Red, self.weight.max(ctx.policy.red_threshold), vec![Referral::HighRiskScreening])
            } else {
                (Lane::Yellow, self.weight, Vec::new())
            };
            if hard && consignment.direction != Direction::Import {
                referrals.push(Referral::DoNotLoad);
            }
            signals.hits.push(Hit {
                indicator: "embargo".into(),
                id: embargo.hit_id.into(),
                version: embargo.list_version.into(),
                weight,
                lane: Some(lane),
                referrals,
                hard,
                evidence,
                reason: reason.into(),
            });
        }
    }
}
