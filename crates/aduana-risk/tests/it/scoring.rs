//! Scoring: thresholds, the lanes hits ask for, the tolerance policy, random selection, the selection report and
//! determinism.

use aduana_core::{Lane, Referral};
use aduana_risk::{LaneRates, assess, assess_batch, selection_report};
use proptest::prelude::*;

use crate::fixtures::{context, profile, profiles, solar};

#[test]
fn score_is_the_sum_of_weights_and_thresholds_pick_the_lane() {
    let text = [
        profile("A", "goods.origin = VN", "").replace("lane: red", "lane: green").replace("weight: 40", "weight: 20"),
        profile("B", "dispatch = CN", "").replace("lane: red", "lane: green").replace("weight: 40", "weight: 15"),
    ]
    .concat();
    let a = assess(&solar("R1", "4000", "VN"), &context(profiles(&text)));
    assert_eq!(a.score, 35.0);
    assert_eq!(a.lane, Lane::Yellow);
}

#[test]
fn a_consignment_without_hits_scores_a_positive_zero() {
    let a = assess(&solar("R1", "4000", "DE"), &context(profiles("")));
    assert!(a.hits.is_empty());
    assert_eq!(serde_json::to_string(&a.score).expect("serialises"), "0.0");
}

#[test]
fn a_hit_lane_applies_unless_the_hits_are_within_the_green_tolerance() {
    let text = profile("A", "goods.origin = VN", "").replace("weight: 40", "weight: 5");
    let mut ctx = context(profiles(&text));
    assert_eq!(assess(&solar("R1", "4000", "VN"), &ctx).lane, Lane::Red);
    ctx.policy.max_hits_green = 1;
    assert_eq!(assess(&solar("R1", "4000", "VN"), &ctx).lane, Lane::Green);
}

#[test]
fn critical_hits_and_do_not_load_are_hard_and_survive_aeo_status() {
    let register = "identifier,name,programme,status,valid_from,valid_to,recognised_under\nGB123456789000,Acme,GB-AEOF,valid,2020-01-01,,national\n";
    let soft = profile("SOFT", "goods.origin = VN", "");
    let hard = profile("HARD", "goods.origin = VN", "  referral: do-not-load\n");
    for (text, lane) in [(soft, Lane::Green), (hard, Lane::Red)] {
        let mut ctx = context(profiles(&text));
        ctx.aeo = aduana_risk::AeoRegister::parse_csv(register.as_bytes(), "aeo.csv").expect("valid");
        let a = assess(&solar("R1", "4000", "VN"), &ctx);
        assert_eq!(a.lane, lane, "{text}");
        assert!(a.hits.iter().any(|h| h.indicator == "aeo" && h.weight == -30.0));
        assert_eq!(a.score, 10.0);
    }
}

#[test]
fn referrals_are_collected_sorted_and_without_repeats() {
    let text = [
        profile("A", "goods.origin = VN", "  referral: high-risk-screening, request-information\n"),
        profile("B", "dispatch = CN", "  referral: request-information\n"),
    ]
    .concat();
    let a = assess(&solar("R1", "4000", "VN"), &context(profiles(&text)));
    assert_eq!(a.referrals, [Referral::RequestInformation, Referral::HighRiskScreening]);
}

#[test]
fn random_selection_sends_about_the_minimum_rate_to_each_lane() {
    let mut ctx = context(profiles(""));
    ctx.policy.random_percent = LaneRates { yellow: 10.0, red: 5.0 };
    let batch: Vec<_> = (0..4000).map(|i| solar(&format!("R{i}"), "4000", "DE")).collect();
    let assessments = assess_batch(&batch, &ctx);
    let report = selection_report(&assessments, &ctx.policy);
    let red = &report.lanes[2];
    let yellow = &report.lanes[1];
    assert!((4.0..6.0).contains(&red.percent), "red {}", red.percent);
    assert!((8.5..11.5).contains(&yellow.percent), "yellow {}", yellow.percent);
    ctx.policy.random_seed += 1;
    let redrawn = assess_batch(&batch, &ctx);
    assert_ne!(
        assessments.iter().map(|a| a.lane).collect::<Vec<_>>(),
        redrawn.iter().map(|a| a.lane).collect::<Vec<_>>()
    );
}

#[test]
fn selection_report_flags_lanes_over_examination_capacity() {
    let ctx = context(profiles(&profile("A", "goods.origin = VN", "")));
    let batch: Vec<_> = (0..10).map(|i| solar(&format!("R{i}"), "4000", if i < 2 { "VN" } else { "DE" })).collect();
    let report = selection_report(&assess_batch(&batch, &ctx), &ctx.policy);
    assert_eq!(report.lanes[2].count, 2);
    assert!(report.lanes[2].over_capacity, "20% red against 5% capacity");
}

#[test]
fn the_assessment_records_the_versions_it_used() {
    let ctx = context(profiles(&profile("A", "goods.origin = VN", "")));
    let a = assess(&solar("R1", "4000", "VN"), &ctx);
    assert_eq!(a.versions["policy"], "test-1");
    assert_eq!(a.versions["profiles"], ctx.profiles.version());
    assert_eq!(a.hits[0].version, "1");
}

proptest! {
    #[test]
    fn same_inputs_and_versions_give_the_same_assessment(
        reference in "[A-Z]{4}[0-9]{6}",
        amount in 1u32..100_000,
        origin in prop::sample::select(vec!["CN", "VN", "DE", "US"]),
    ) {
        let text = [
            profile("A", "goods.origin in [VN, CN]", "  select: 50%\n"),
            profile("B", "goods.unit_price_ratio < 0.5", ""),
        ]
        .concat();
        let mut ctx = context(profiles(&text));
        ctx.policy.random_percent = LaneRates { yellow: 5.0, red: 5.0 };
        let c = solar(&reference, &amount.to_string(), origin);
        let first = assess(&c, &ctx);
        let rebuilt = context(profiles(&text));
        let mut rebuilt = rebuilt;
        rebuilt.policy.random_percent = LaneRates { yellow: 5.0, red: 5.0 };
        prop_assert_eq!(&first, &assess(&c, &rebuilt));
        prop_assert_eq!(&first, &assess_batch(std::slice::from_ref(&c), &ctx)[0]);
    }

    #[test]
    fn adding_a_matching_profile_never_lowers_the_score(amount in 1u32..100_000) {
        let base = profile("A", "goods.origin = VN", "");
        let more = [base.clone(), profile("B", "goods.value > 0", "")].concat();
        let c = solar("R1", &amount.to_string(), "VN");
        let before = assess(&c, &context(profiles(&base))).score;
        let after = assess(&c, &context(profiles(&more))).score;
        prop_assert!(after >= before);
    }
}
