//! Random selection for compliance measurement: a minimum share of consignments goes to each control lane at
//! random, chosen deterministically from the reference and the policy's seed so that re-assessing gives the same
//! draw.

use aduana_core::{Consignment, Evidence, Hit, Lane, Text};

use crate::context::RiskContext;
use crate::indicator::{Indicator, Signals};
use crate::selection;

/// Draws the random compliance sample.
#[derive(Debug, Clone, Copy)]
pub struct RandomSelection;

impl Indicator for RandomSelection {
    fn name(&self) -> &str {
        "random"
    }

    fn version(&self, _ctx: &RiskContext) -> Option<Text> {
        None
    }

    fn assess(&self, consignment: &Consignment, ctx: &RiskContext, signals: &mut Signals) {
        let rates = ctx.policy.random_percent;
        let seed = ctx.policy.random_seed.to_le_bytes();
        let draw = f64::from(selection::basis_points(&[&seed, consignment.reference.as_str().as_bytes()])) / 100.0;
        let lane = if draw < rates.red {
            Lane::Red
        } else if draw < rates.red + rates.yellow {
            Lane::Yellow
        } else {
            return;
        };
        signals.hits.push(Hit {
            indicator: "random".into(),
            id: format!("random-{lane}").into(),
            version: ctx.policy.version.clone().into(),
            weight: 0.0,
            lane: Some(lane),
            referrals: Vec::new(),
            hard: false,
            evidence: vec![Evidence { field: "reference".into(), value: consignment.reference.to_string().into() }],
            reason: format!(
                "Selected at random for the {lane} lane to measure compliance ({}% of consignments).",
                rates.get(lane)
            )
            .into(),
        });
    }
}
