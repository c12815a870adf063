//! Validation findings as a risk signal: missing SAFE / PLACI data elements are reported as findings, and add
//! weight (capped) because incomplete data is itself a reason to look closer.

use aduana_core::{Consignment, Evidence, Hit, LocationPath, Text, completeness};

use crate::context::RiskContext;
use crate::indicator::{Indicator, Signals};

/// Checks completeness.
#[derive(Debug, Clone, Copy)]
pub struct ValidationIndicator;

impl Indicator for ValidationIndicator {
    fn name(&self) -> &str {
        "validation"
    }

    fn version(&self, _ctx: &RiskContext) -> Option<Text> {
        None
    }

    fn assess(&self, consignment: &Consignment, ctx: &RiskContext, signals: &mut Signals) {
        let findings = completeness::check(consignment);
        if findings.is_empty() {
            return;
        }
        let weight = (ctx.policy.finding_weight * findings.len() as f64).min(ctx.policy.max_finding_weight);
        if weight != 0.0 {
            // The findings' paths and messages are static or inline `Text`s (see `completeness`): cloning them
            // into evidence copies them without allocating.
            let evidence = findings
                .iter()
                .take(10)
                .map(|f| Evidence {
                    field: match &f.location.path {
                        Some(LocationPath::Model { path }) => path.clone(),
                        _ => f.location.short().into(),
                    },
                    value: f.message.clone(),
                })
                .collect();
            signals.hits.push(Hit {
                indicator: Text::const_new("validation"),
                id: Text::const_new("completeness"),
                version: ctx.policy.version.as_str().into(),
                weight,
                lane: None,
                referrals: Vec::new(),
                hard: false,
                evidence,
                reason: reason(findings.len()),
            });
        }
        if signals.findings.is_empty() {
            signals.findings = findings;
        } else {
            signals.findings.extend(findings);
        }
    }
}

/// The hit's reason for `count` findings.
fn reason(count: usize) -> Text {
    if count == 1 {
        return Text::const_new(
            "1 required data element is missing or invalid; incomplete declarations deserve a closer look.",
        );
    }
    format!("{count} required data elements are missing or invalid; incomplete declarations deserve a closer look.")
        .into()
}
