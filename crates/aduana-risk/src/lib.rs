//! Aduana's risk engine: the profile language and its compiled index, the indicators (profiles, AEO status, random
//! selection, validation findings, and any plugged in through [`Indicator`]), and the scorer that turns their hits
//! into a score, a lane, referrals and an explanation. Pure: no I/O, no clock — time comes in as
//! [`RiskContext::as_of`], reference data as values.

pub mod aeo;
pub mod context;
pub mod indicator;
pub mod profile;
pub mod reference;
pub mod score;
mod selection;

use std::collections::BTreeMap;

use aduana_core::{Assessment, Consignment, Diagnostic, Evidence, Hit};

pub use aeo::{AeoError, AeoOperator, AeoRegister, AeoStatus};
pub use context::{HistorySummary, LaneRates, NamedList, Norms, Policy, ReferenceData, RiskContext};
pub use indicator::{
    AeoIndicator, EmbargoIndicator, EnforcementHistory, EnforcementHistoryIndicator, HistoryWeights, Indicator,
    MemoStats, ModelIndicator, ModelPolicy, ProfileIndicator, RandomSelection, ScreeningIndicator, ScreeningWeights,
    Signals, StrategicGoodsIndicator, ValidationIndicator,
};
pub use profile::{Profile, ProfileError, ProfileErrorKind, ProfileSet, ProfileSource};
pub use score::{LaneShare, SelectionReport, selection_report};

/// The built-in indicators, in the order they run.
const BUILT_IN: &[&dyn Indicator] = &[&ValidationIndicator, &ProfileIndicator, &AeoIndicator, &RandomSelection];

/// Assesses one consignment: runs every indicator and decides score, lane and referrals.
pub fn assess(consignment: &Consignment, ctx: &RiskContext) -> Assessment {
    assess_one(consignment, &[], ctx, versions(ctx))
}

/// Assesses a batch of consignments with one context.
pub fn assess_batch(consignments: &[Consignment], ctx: &RiskContext) -> Vec<Assessment> {
    let versions = versions(ctx);
    consignments.iter().map(|consignment| assess_one(consignment, &[], ctx, versions.clone())).collect()
}

/// Assesses a consignment that its reader found problems in without rejecting it (an ENS that fails business
/// rules): the problems are reported in the assessment's findings and weigh like other validation findings,
/// because a consignment can be invalid and still be risky.
pub fn assess_with_findings(consignment: &Consignment, findings: &[Diagnostic], ctx: &RiskContext) -> Assessment {
    assess_one(consignment, findings, ctx, versions(ctx))
}

fn assess_one(
    consignment: &Consignment,
    input_findings: &[Diagnostic],
    ctx: &RiskContext,
    versions: BTreeMap<String, String>,
) -> Assessment {
    let mut signals = Signals::default();
    for indicator in BUILT_IN.iter().copied().chain(ctx.indicators.iter().map(|i| &**i)) {
        indicator.assess(consignment, ctx, &mut signals);
    }
    let errors: Vec<&Diagnostic> = input_findings.iter().filter(|d| d.is_error()).collect();
    if !errors.is_empty() {
        signals.hits.push(Hit {
            indicator: "validation".into(),
            id: "input".into(),
            version: ctx.policy.version.clone().into(),
            weight: (ctx.policy.finding_weight * errors.len() as f64).min(ctx.policy.max_finding_weight),
            lane: None,
            referrals: Vec::new(),
            hard: false,
            evidence: errors
                .iter()
                .take(10)
                .map(|d| Evidence {
                    field: d.location.short().into(),
                    value: format!("{} {}", d.code, d.message).into(),
                })
                .collect(),
            reason: format!(
                "The declaration as lodged fails {} validation rule{} (e.g. {} {}); it is assessed all the same.",
                errors.len(),
                if errors.len() == 1 { "" } else { "s" },
                errors[0].rule.as_deref().unwrap_or(&errors[0].code),
                errors[0].message
            )
            .into(),
        });
    }
    signals.findings.extend(input_findings.iter().cloned());
    score::decide(consignment.reference.clone(), signals.hits, signals.findings, &ctx.policy, versions)
}

/// The versions of everything an assessment depends on, by name.
pub fn versions(ctx: &RiskContext) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    out.insert("profiles".to_owned(), ctx.profiles.version().to_owned());
    out.insert("policy".to_owned(), ctx.policy.version.clone());
    out.insert("as_of".to_owned(), ctx.as_of.format("%Y-%m-%dT%H:%M:%S").to_string());
    out.extend(ctx.reference.versions());
    for indicator in BUILT_IN.iter().copied().chain(ctx.indicators.iter().map(|i| &**i)) {
        if let Some(version) = indicator.version(ctx) {
            out.insert(indicator.name().to_owned(), version);
        }
    }
    out
}

/// Returns the profiles of `candidate` that select a consignment (matched and chosen by sampling), for backtests:
/// `(profile id, weight)` per selecting profile.
pub fn selecting_profiles(consignment: &Consignment, ctx: &RiskContext) -> Vec<(String, f64)> {
    let mut out = Vec::new();
    let mut candidates = Vec::new();
    indicator::match_profiles(consignment, ctx, &mut candidates, &mut |_, profile, _| {
        if selection::selected(consignment.reference.as_str(), &profile.id, profile.select_percent) {
            out.push((profile.id.clone(), profile.weight));
        }
    });
    out
}
