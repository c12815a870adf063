//! Scoring and lane policy: hits are summed into a score, the score is routed to a lane by thresholds, the lanes
//! hits ask for apply beyond the policy's tolerance, AEO status keeps a consignment green unless a hit is hard,
//! and random selection applies last. Also the selection report: lane rates against examination capacity.

use std::collections::BTreeMap;

use aduana_core::{Assessment, Hit, Lane, Reference};

use crate::context::Policy;

/// Turns hits into score, lane and referrals.
pub(crate) fn decide(
    reference: Reference,
    mut hits: Vec<Hit>,
    findings: Vec<aduana_core::Diagnostic>,
    policy: &Policy,
    versions: BTreeMap<aduana_core::Text, aduana_core::Text>,
) -> Assessment {
    hits.sort_by(|a, b| a.indicator.cmp(&b.indicator).then_with(|| a.id.cmp(&b.id)));
    let score = hits.iter().map(|h| h.weight).sum::<f64>().max(0.0);
    // `+ 0.0` turns the -0.0 of an empty sum into 0.
    let score = (score * 1e6).round() / 1e6 + 0.0;
    let mut lane = if score >= policy.red_threshold {
        Lane::Red
    } else if score >= policy.yellow_threshold {
        Lane::Yellow
    } else {
        Lane::Green
    };
    let scoring = hits.iter().filter(|h| h.weight > 0.0).count();
    let tolerated = scoring <= policy.max_hits_green as usize;
    for hit in hits.iter().filter(|h| h.indicator != "random") {
        if let Some(asked) = hit.lane
            && (hit.hard || !tolerated)
        {
            lane = lane.max(asked);
        }
    }
    let aeo = hits.iter().any(|h| h.indicator == "aeo" && h.weight < 0.0);
    let hard = hits.iter().any(|h| h.hard);
    if aeo && !hard {
        lane = Lane::Green;
    }
    for hit in hits.iter().filter(|h| h.indicator == "random") {
        if let Some(asked) = hit.lane {
            lane = lane.max(asked);
        }
    }
    let mut referrals: Vec<_> = hits.iter().flat_map(|h| h.referrals.iter().copied()).collect();
    referrals.sort();
    referrals.dedup();
    Assessment { reference, score, lane, referrals, hits, findings, versions }
}

/// How many consignments went to each lane, against what the policy expects and what capacity allows.
#[derive(Debug, Clone, PartialEq)]
pub struct SelectionReport {
    /// The number of assessments.
    pub total: usize,
    /// Per lane: the count and the share in percent, green, yellow, red.
    pub lanes: Vec<LaneShare>,
}

/// One lane's share of a batch.
#[derive(Debug, Clone, PartialEq)]
pub struct LaneShare {
    /// The lane.
    pub lane: Lane,
    /// How many consignments went there.
    pub count: usize,
    /// Their share, in percent.
    pub percent: f64,
    /// The share the minimum random selection alone sends there, in percent.
    pub random_percent: f64,
    /// The share examination capacity allows, in percent (none for green).
    pub capacity_percent: Option<f64>,
    /// Whether the share exceeds capacity.
    pub over_capacity: bool,
}

/// Summarises the lanes of a batch of assessments against the policy's capacity.
pub fn selection_report(assessments: &[Assessment], policy: &Policy) -> SelectionReport {
    let total = assessments.len();
    let lanes = [Lane::Green, Lane::Yellow, Lane::Red]
        .into_iter()
        .map(|lane| {
            let count = assessments.iter().filter(|a| a.lane == lane).count();
            let percent = if total == 0 { 0.0 } else { count as f64 * 100.0 / total as f64 };
            let capacity_percent = (lane != Lane::Green).then(|| policy.capacity_percent.get(lane));
            LaneShare {
                lane,
                count,
                percent,
                random_percent: policy.random_percent.get(lane),
                capacity_percent,
                over_capacity: capacity_percent.is_some_and(|c| percent > c),
            }
        })
        .collect();
    SelectionReport { total, lanes }
}
