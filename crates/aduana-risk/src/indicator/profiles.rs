//! The profile indicator: the consignment is looked up in the compiled profile index and each candidate profile
//! valid on `as_of` is evaluated (per goods item when it tests goods fields); a match is selected at the profile's
//! percentage, deterministically from the reference and the profile id.

use aduana_core::{Consignment, Evidence, Hit, Referral};

use crate::context::RiskContext;
use crate::indicator::{Indicator, Signals};
use crate::profile::{Env, Profile, Severity};
use crate::selection;

/// Runs the compiled profiles.
#[derive(Debug, Clone, Copy)]
pub struct ProfileIndicator;

impl Indicator for ProfileIndicator {
    fn name(&self) -> &str {
        "profile"
    }

    fn version(&self, _ctx: &RiskContext) -> Option<String> {
        None
    }

    fn assess(&self, consignment: &Consignment, ctx: &RiskContext, signals: &mut Signals) {
        let mut candidates = Vec::new();
        match_profiles(consignment, ctx, &mut candidates, &mut |profile, evidence| {
            signals.hits.push(profile_hit(consignment, profile, evidence));
        });
    }
}

/// Calls `on_match` for every profile whose condition holds for the consignment on `as_of`, in profile id order,
/// with the evidence. `candidates` is scratch space, reused across calls by batch callers.
pub(crate) fn match_profiles<'a>(
    consignment: &Consignment,
    ctx: &'a RiskContext,
    candidates: &mut Vec<u32>,
    on_match: &mut dyn FnMut(&'a Profile, Vec<Evidence>),
) {
    let set = &ctx.profiles;
    let index = set.index();
    index.candidates(consignment, candidates);
    let date = ctx.as_of.date();
    for &i in candidates.iter() {
        let i = i as usize;
        let profile = &set.profiles()[i];
        if !profile.is_valid_on(date) {
            continue;
        }
        let base = Env { consignment, item: None, reference: &ctx.reference, as_of: ctx.as_of };
        let holding = if index.uses_goods[i] && !consignment.goods.is_empty() {
            consignment.goods.iter().enumerate().find_map(|item| {
                let env = Env { item: Some(item), ..base };
                env.eval(&profile.condition, None).then_some(env)
            })
        } else {
            base.eval(&profile.condition, None).then_some(base)
        };
        if let Some(env) = holding {
            let mut evidence = Vec::new();
            env.eval(&profile.condition, Some(&mut evidence));
            let mut seen = std::collections::HashSet::new();
            evidence.retain(|e| seen.insert((e.field.clone(), e.value.clone())));
            on_match(profile, evidence);
        }
    }
}

/// Returns the hit for a matching profile: full weight when its sampling selects the consignment, otherwise an
/// informational hit of weight 0 that says so.
pub(crate) fn profile_hit(consignment: &Consignment, profile: &Profile, evidence: Vec<Evidence>) -> Hit {
    let chosen = selection::selected(consignment.reference.as_str(), &profile.id, profile.select_percent);
    let hard = profile.severity == Severity::Critical || profile.referrals.contains(&Referral::DoNotLoad);
    let mut reason = format!("{}: {}", profile.title, profile.rationale.trim());
    if !reason.ends_with('.') {
        reason.push('.');
    }
    if chosen {
        if profile.select_percent < 100.0 {
            reason.push_str(&format!(" Selected by the profile's {}% sampling.", profile.select_percent));
        }
        Hit {
            indicator: "profile".to_owned(),
            id: profile.id.clone(),
            version: profile.version.clone(),
            weight: profile.weight,
            lane: profile.lane,
            referrals: profile.referrals.clone(),
            hard,
            evidence,
            reason,
        }
    } else {
        reason.push_str(&format!(" Matched but not selected by the profile's {}% sampling.", profile.select_percent));
        Hit {
            indicator: "profile".to_owned(),
            id: profile.id.clone(),
            version: profile.version.clone(),
            weight: 0.0,
            lane: None,
            referrals: Vec::new(),
            hard: false,
            evidence,
            reason,
        }
    }
}
