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

use aduana_core::{Assessment, Consignment, Diagnostic, Evidence, Hit, Text};
use chrono::{Datelike, NaiveDateTime, Timelike};

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
    versions: BTreeMap<Text, Text>,
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
            version: ctx.policy.version.as_str().into(),
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
///
/// Built for every assessment (the context's fields are public and may change between calls, so nothing is
/// cached): names and most versions fit in a `Text` inline, and `as_of` is written without `chrono`'s formatter.
pub fn versions(ctx: &RiskContext) -> BTreeMap<Text, Text> {
    let mut out = BTreeMap::new();
    out.insert(Text::const_new("profiles"), Text::from(ctx.profiles.version()));
    out.insert(Text::const_new("policy"), Text::from(ctx.policy.version.as_str()));
    out.insert(Text::const_new("as_of"), timestamp(ctx.as_of));
    out.extend(ctx.reference.versions());
    for indicator in BUILT_IN.iter().copied().chain(ctx.indicators.iter().map(|i| &**i)) {
        if let Some(version) = indicator.version(ctx) {
            out.insert(Text::from(indicator.name()), version);
        }
    }
    out
}

/// Returns `at` as `chrono` formats it with `%Y-%m-%dT%H:%M:%S`, by hand for the years 0 to 9999 (four digits, no
/// sign) outside a leap second; `chrono` writes the rest.
fn timestamp(at: NaiveDateTime) -> Text {
    let year = at.year();
    if !(0..=9999).contains(&year) || at.nanosecond() >= 1_000_000_000 {
        return Text::from(at.format("%Y-%m-%dT%H:%M:%S").to_string());
    }
    let mut out = *b"0000-00-00T00:00:00";
    let fields = [(0, 4, year.unsigned_abs()), (5, 2, at.month()), (8, 2, at.day())];
    let time = [(11, 2, at.hour()), (14, 2, at.minute()), (17, 2, at.second())];
    for (start, width, mut value) in fields.into_iter().chain(time) {
        for digit in out[start..start + width].iter_mut().rev() {
            *digit = b'0' + (value % 10) as u8;
            value /= 10;
        }
    }
    Text::from(std::str::from_utf8(&out).expect("ASCII digits and separators"))
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

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, NaiveTime};

    use super::*;

    #[test]
    fn timestamps_read_as_chrono_formats_them() {
        let times = [(0, 0, 0, 0), (23, 59, 59, 999_999_999), (9, 5, 7, 0), (12, 30, 59, 1_500_000_000)];
        for year in [-10_000, -1, 0, 1, 9, 99, 999, 1970, 2026, 9999, 10_000, 262_142] {
            for (month, day) in [(1, 1), (2, 28), (10, 9), (12, 31)] {
                for (hour, minute, second, nano) in times {
                    let date = NaiveDate::from_ymd_opt(year, month, day).expect("a valid date");
                    let time = NaiveTime::from_hms_nano_opt(hour, minute, second, nano).expect("a valid time");
                    let at = date.and_time(time);
                    assert_eq!(timestamp(at), at.format("%Y-%m-%dT%H:%M:%S").to_string(), "{at:?}");
                }
            }
        }
    }
}
