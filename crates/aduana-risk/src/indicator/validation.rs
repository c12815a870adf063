//! Validation findings as a risk signal: missing SAFE / PLACI data elements are reported as findings, and add
//! weight (capped) because incomplete data is itself a reason to look closer.

use aduana_core::{Consignment, Evidence, Hit, LocationPath, completeness};

use crate::context::RiskContext;
use crate::indicator::{Indicator, Signals};

/// Checks completeness.
#[derive(Debug, Clone, Copy)]
pub struct ValidationIndicator;

impl Indicator for ValidationIndicator {
    fn name(&self) -> &str {
        "validation"
    }

    fn version(&self, _ctx: &RiskContext) -> Option<String> {
        None
    }

    fn assess(&self, consignment: &Consignment, ctx: &RiskContext, signals: &mut Signals) {
        let findings = completeness::check(consignment);
        if findings.is_empty() {
            return;
        }
        let weight = (ctx.policy.finding_weight * findings.len() as f64).min(ctx.policy.max_finding_weight);
        let evidence = findings
            .iter()
            .take(10)
            .map(|f| Evidence {
                field: match &f.location.path {
                    Some(LocationPath::Model { path }) => path.as_str().into(),
                    _ => f.location.short().into(),
                },
                value: f.message.clone().into(),
            })
            .collect();
        if weight != 0.0 {
            signals.hits.push(Hit {
                indicator: "validation".into(),
                id: "completeness".into(),
                version: ctx.policy.version.clone().into(),
                weight,
                lane: None,
                referrals: Vec::new(),
                hard: false,
                evidence,
                reason: format!(
                    "{} required data element{} missing or invalid; incomplete declarations deserve a closer look.",
                    findings.len(),
                    if findings.len() == 1 { " is" } else { "s are" }
                )
                .into(),
            });
        }
        signals.findings.extend(findings);
    }
}
