//! `Assessment`: the outcome of risk assessment — score, lane, referrals and the hits that explain them. It lives
//! in the core so that storing or sending an assessment needs nothing but the domain vocabulary.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::consignment::{Reference, Text};
use crate::diagnostic::Diagnostic;

/// The control lane a consignment is routed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Lane {
    /// Release without control.
    Green,
    /// Documentary check.
    Yellow,
    /// Physical examination.
    Red,
}

impl Lane {
    /// Returns the lane's snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Lane::Green => "green",
            Lane::Yellow => "yellow",
            Lane::Red => "red",
        }
    }
}

impl fmt::Display for Lane {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A referral that goes beyond the lane: an instruction to the carrier or a hand-over to a specialised team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Referral {
    /// The cargo must not be loaded (pre-loading, e.g. a threat to aviation security).
    DoNotLoad,
    /// The filer must supply more information before the cargo can be assessed.
    RequestInformation,
    /// The cargo must be screened as high-risk cargo before loading.
    HighRiskScreening,
}

impl Referral {
    /// Returns the referral's kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Referral::DoNotLoad => "do-not-load",
            Referral::RequestInformation => "request-information",
            Referral::HighRiskScreening => "high-risk-screening",
        }
    }
}

/// One signal raised by one indicator, with the evidence for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Hit {
    /// The indicator that raised it: `profile`, `screening`, `strategic_goods`, `embargo`, `aeo`, `history`,
    /// `model`, `random`, `validation`.
    pub indicator: Text,
    /// The id of the profile, list entry or rule.
    pub id: Text,
    /// The version of the profile, list or model.
    pub version: Text,
    /// The contribution to the score (negative for a benefit such as AEO status).
    pub weight: f64,
    /// The lane the hit asks for, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lane: Option<Lane>,
    /// The referrals the hit asks for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub referrals: Vec<Referral>,
    /// Whether the hit overrides benefits (a sanctions match or a do-not-load cannot be waived by AEO status).
    #[serde(default)]
    pub hard: bool,
    /// The fields and values that matched.
    pub evidence: Vec<Evidence>,
    /// A sentence an officer can read.
    pub reason: Text,
}

/// One field and the value that matched it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Evidence {
    /// The field path in the consignment (`goods[0].hs_code`) or the list field (`list:UN/QDi.001`).
    pub field: Text,
    /// The value, as text.
    pub value: Text,
}

/// The result of assessing one consignment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Assessment {
    /// The consignment's reference.
    pub reference: Reference,
    /// The risk score: the sum of hit weights, floored at zero.
    pub score: f64,
    /// The lane.
    pub lane: Lane,
    /// The referrals, sorted, without repeats.
    pub referrals: Vec<Referral>,
    /// Every hit, in a defined order (by indicator, then id).
    pub hits: Vec<Hit>,
    /// Validation findings on the consignment (e.g. failed business rules): a consignment can be invalid and still
    /// be risky, so both are reported.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Diagnostic>,
    /// The versions of profiles, lists and model used, by name. `Text`, not `String`: names and most versions fit
    /// inline, so building and dropping the map of every assessment allocates little.
    pub versions: BTreeMap<Text, Text>,
}
