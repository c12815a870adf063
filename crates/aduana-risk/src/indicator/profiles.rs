//! The profile indicator: the consignment is looked up in the compiled profile index and each candidate profile
//! valid on `as_of` is evaluated (per goods item when it tests goods fields); a match is selected at the profile's
//! percentage, deterministically from the reference and the profile id.

use aduana_core::{Consignment, Evidence, Hit, Lane, Referral, Text};

use crate::context::RiskContext;
use crate::indicator::{Indicator, Signals};
use crate::profile::{Env, Facts, Profile, Severity, dedup_evidence};
use crate::selection::Sampling;

/// Runs the compiled profiles.
#[derive(Debug, Clone, Copy)]
pub struct ProfileIndicator;

impl Indicator for ProfileIndicator {
    fn name(&self) -> &str {
        "profile"
    }

    fn version(&self, _ctx: &RiskContext) -> Option<aduana_core::Text> {
        None
    }

    fn assess(&self, consignment: &Consignment, ctx: &RiskContext, signals: &mut Signals) {
        SCRATCH.with(|scratch| {
            // A re-entrant call (an indicator assessing inside another) gets a buffer of its own.
            let mut own = Vec::new();
            let mut borrowed = scratch.try_borrow_mut();
            let candidates = borrowed.as_deref_mut().unwrap_or(&mut own);
            // The reference's hash, shared by the hits whose sampling is checked (computed for the first one).
            let mut sampling = None;
            match_profiles(consignment, ctx, candidates, &mut |i, _, evidence| {
                signals.hits.push(profile_hit(consignment, &mut sampling, ctx.profiles.hit_text(i), evidence));
            });
        });
    }
}

thread_local! {
    /// The candidate list, reused across consignments so that assessing one allocates nothing for it.
    static SCRATCH: std::cell::RefCell<Vec<u32>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Calls `on_match` for every profile whose condition holds for the consignment on `as_of`, in profile id order,
/// with the evidence. `candidates` is scratch space, reused across calls by batch callers.
pub(crate) fn match_profiles<'a>(
    consignment: &Consignment,
    ctx: &'a RiskContext,
    candidates: &mut Vec<u32>,
    on_match: &mut dyn FnMut(usize, &'a Profile, Vec<Evidence>),
) {
    let set = &ctx.profiles;
    let programs = set.programs();
    let day = crate::profile::day_number(ctx.as_of.date());
    let base = Env { consignment, item: None, reference: &ctx.reference, as_of: ctx.as_of };
    Facts::with(consignment, |facts| {
        // Records the evidence of a batch of matches and reports them. Their hit records are read first, all
        // together, so that their cache misses overlap instead of coming one after another.
        let mut report = |batch: &[(u32, Option<usize>)]| {
            let touched =
                batch.iter().fold(0u8, |sum, &(start, _)| sum ^ set.hit_text(programs.head(start).profile()).touch());
            std::hint::black_box(touched);
            for &(start, item) in batch {
                let i = programs.head(start).profile();
                let env = match item {
                    Some(item) => Env { item: Some((item, &consignment.goods[item])), ..base },
                    None => base,
                };
                let profile = &set.profiles()[i];
                let mut evidence = Vec::with_capacity(4);
                // The program holds for `env` (that is how it got here), so its evidence needs fewer tests.
                programs.evidence_of_holding(start, &env, facts, &mut evidence);
                debug_assert_eq!(
                    evidence,
                    {
                        let mut tree = Vec::new();
                        env.eval(&profile.condition, Some(&mut tree));
                        tree
                    },
                    "{}",
                    profile.id
                );
                // Only a condition whose tests can record the same path can repeat an entry (most cannot).
                if programs.head(start).may_repeat_evidence {
                    dedup_evidence(&mut evidence);
                } else {
                    debug_assert_eq!(
                        evidence,
                        {
                            let mut deduplicated = evidence.clone();
                            dedup_evidence(&mut deduplicated);
                            deduplicated
                        },
                        "{}",
                        profile.id
                    );
                }
                on_match(i, profile, evidence);
            }
        };
        set.index().candidates(facts, candidates);
        // The candidates' programs are read all together first, for the same reason.
        std::hint::black_box(programs.touch(candidates));
        let mut batch = [(0u32, None); 8];
        let mut matched = 0;
        for &start in candidates.iter() {
            // Validity is checked on the program's header, which the posting led to directly, so that a
            // candidate that does not apply costs no visit to the profile itself.
            let head = programs.head(start);
            if !head.is_valid_on(day) {
                continue;
            }
            let i = head.profile();
            // The condition is decided by the profile's compiled program (debug builds check it against the
            // condition tree); the tree is not visited.
            let condition = &set.profiles()[i].condition;
            let holding = if head.uses_goods && !consignment.goods.is_empty() {
                let item = programs.first_item_holding(start, &base, facts);
                debug_assert_eq!(
                    item,
                    consignment
                        .goods
                        .iter()
                        .enumerate()
                        .position(|item| Env { item: Some(item), ..base }.eval(condition, None)),
                    "{}",
                    set.profiles()[i].id
                );
                item.map(Some)
            } else {
                let holds = programs.holds(start, &base, facts);
                debug_assert_eq!(holds, base.eval(condition, None), "{}", set.profiles()[i].id);
                holds.then_some(None)
            };
            let Some(item) = holding else { continue };
            batch[matched] = (start, item);
            matched += 1;
            if matched == batch.len() {
                report(&batch);
                matched = 0;
            }
        }
        report(&batch[..matched]);
    });
}

/// Everything a profile's hit takes from the profile, prepared once when the set is compiled and kept in one
/// record per profile (its short id and version inline, its reasons in one allocation), so that building a hit
/// reads a few neighbouring cache lines instead of the profile's scattered fields.
#[derive(Debug, Clone)]
pub(crate) struct HitText {
    /// The profile id and version as a hit holds them: a short one is inline in the record, and a hit's copy of it
    /// is a copy of the 24 bytes (building a `Text` from a `&str` measures and copies the string).
    id: Text,
    version: Text,
    /// The reason when its sampling selects the consignment and the reason when it matches but is not selected,
    /// one after the other.
    text: Box<str>,
    /// Where the not-selected reason starts in `text`.
    not_selected_at: usize,
    weight: f64,
    select_percent: f64,
    lane: Option<Lane>,
    /// Whether a selected hit is hard.
    hard: bool,
    referrals: Box<[Referral]>,
}

impl HitText {
    pub(crate) fn of(profile: &Profile) -> HitText {
        let mut reason = format!("{}: {}", profile.title, profile.rationale.trim());
        if !reason.ends_with('.') {
            reason.push('.');
        }
        let mut selected = reason.clone();
        if profile.select_percent < 100.0 {
            selected.push_str(&format!(" Selected by the profile's {}% sampling.", profile.select_percent));
        }
        reason.push_str(&format!(" Matched but not selected by the profile's {}% sampling.", profile.select_percent));
        let hard = profile.severity == Severity::Critical || profile.referrals.contains(&Referral::DoNotLoad);
        let mut text = String::with_capacity(selected.len() + reason.len());
        text.push_str(&selected);
        let not_selected_at = text.len();
        text.push_str(&reason);
        HitText {
            id: Text::from(profile.id.as_str()),
            version: Text::from(profile.version.as_str()),
            text: text.into_boxed_str(),
            not_selected_at,
            weight: profile.weight,
            select_percent: profile.select_percent,
            lane: profile.lane,
            hard,
            referrals: profile.referrals.clone().into_boxed_slice(),
        }
    }

    /// Reads the record and the start of its text and returns a value that depends on them (see
    /// [`match_profiles`]).
    fn touch(&self) -> u8 {
        let text = self.text.as_bytes();
        text.first().copied().unwrap_or(0) ^ text.get(64).copied().unwrap_or(0) ^ u8::from(self.hard)
    }
}

/// Returns the hit for a matching profile (whose hit record is `text`): full weight when its sampling selects the
/// consignment, otherwise an informational hit of weight 0 that says so. `sampling` is the consignment's
/// [`Sampling`], computed here by the first hit that needs it and kept for the next ones.
pub(crate) fn profile_hit(
    consignment: &Consignment,
    sampling: &mut Option<Sampling>,
    text: &HitText,
    evidence: Vec<Evidence>,
) -> Hit {
    let chosen = text.select_percent >= 100.0
        || sampling
            .get_or_insert_with(|| Sampling::of(consignment.reference.as_str()))
            .selected(&text.id, text.select_percent);
    if chosen {
        Hit {
            indicator: Text::const_new("profile"),
            id: text.id.clone(),
            version: text.version.clone(),
            weight: text.weight,
            lane: text.lane,
            referrals: text.referrals.to_vec(),
            hard: text.hard,
            evidence,
            reason: text.text[..text.not_selected_at].into(),
        }
    } else {
        Hit {
            indicator: Text::const_new("profile"),
            id: text.id.clone(),
            version: text.version.clone(),
            weight: 0.0,
            lane: None,
            referrals: Vec::new(),
            hard: false,
            evidence,
            reason: text.text[text.not_selected_at..].into(),
        }
    }
}
