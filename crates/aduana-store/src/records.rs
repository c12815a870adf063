//! The records the store keeps and the filters it answers, independent of the backend.

use std::fmt;
use std::str::FromStr;

use aduana_core::{Assessment, Consignment, Lane, Referral};
use serde::{Deserialize, Serialize};

/// A point in time, UTC. Stored as fixed-width RFC 3339 text (`2026-11-29T01:02:03.123456Z`), so that text order
/// is time order in both backends.
pub type Timestamp = chrono::DateTime<chrono::Utc>;

/// Returns the stored text form of a timestamp.
pub(crate) fn timestamp_text(at: Timestamp) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// What a user may do. Every HTTP endpoint names the roles it admits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Manages users and configuration.
    Administrator,
    /// Writes profiles, reads assessments and outcomes.
    Analyst,
    /// Works the queue: decides, orders and records examinations.
    Officer,
    /// Reads everything, exports the audit log, changes nothing.
    Auditor,
    /// A trader or carrier system: submits consignments and reads only its own.
    Submitter,
    /// Another administration's node in the exchange.
    Partner,
}

impl Role {
    /// Every role, in the order documentation lists them.
    pub const ALL: &'static [Role] =
        &[Role::Administrator, Role::Analyst, Role::Officer, Role::Auditor, Role::Submitter, Role::Partner];

    /// Returns the role's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Administrator => "administrator",
            Role::Analyst => "analyst",
            Role::Officer => "officer",
            Role::Auditor => "auditor",
            Role::Submitter => "submitter",
            Role::Partner => "partner",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Role, String> {
        Role::ALL.iter().copied().find(|r| r.as_str() == s).ok_or_else(|| {
            let names: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
            format!("expected a role ({}), found `{s}`", names.join(", "))
        })
    }
}

/// A user account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    /// Its id.
    pub id: i64,
    /// Its unique name.
    pub name: String,
    /// Its role.
    pub role: Role,
    /// When it was created.
    pub created_at: Timestamp,
}

/// A user to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// The unique name.
    pub name: String,
    /// The role.
    pub role: Role,
    /// The Argon2id password hash (PHC string), if the user may log in with a password.
    pub password_hash: Option<String>,
}

/// A stored consignment version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredConsignment {
    /// The id of this version.
    pub id: i64,
    /// The transport document reference.
    pub reference: String,
    /// The user who submitted it.
    pub submitter: String,
    /// The version: 1 for the first submission, +1 for each amendment.
    pub version: i64,
    /// When it was received.
    pub received_at: Timestamp,
    /// The consignment.
    pub consignment: Consignment,
}

/// A stored assessment of one consignment version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredAssessment {
    /// The assessment's id.
    pub id: i64,
    /// The consignment version it assesses.
    pub consignment_id: i64,
    /// The consignment's reference.
    pub reference: String,
    /// The consignment's submitter.
    pub submitter: String,
    /// The consignment's version.
    pub version: i64,
    /// When it was assessed.
    pub assessed_at: Timestamp,
    /// The assessment.
    pub assessment: Assessment,
}

/// What a submission did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SubmissionOutcome {
    /// A new reference: stored as version 1.
    Created,
    /// The same content as the latest stored version: nothing stored, the stored assessment returned.
    Unchanged,
    /// Different content for a known reference: stored as the next version and assessed anew.
    Amended,
}

/// The result of submitting one consignment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Submitted {
    /// What the submission did.
    pub outcome: SubmissionOutcome,
    /// The stored assessment (of the new version, or of the unchanged one).
    pub assessment: StoredAssessment,
}

/// Which consignments to list.
#[derive(Debug, Clone, Default)]
pub struct ConsignmentFilter {
    /// Only this reference.
    pub reference: Option<String>,
    /// Only this submitter's.
    pub submitter: Option<String>,
    /// Only those with an id below this (the cursor for the next page: the last id of the previous one).
    pub before_id: Option<i64>,
    /// At most this many (the store caps it at 1,000).
    pub limit: u32,
}

/// Which assessments to list.
#[derive(Debug, Clone, Default)]
pub struct AssessmentFilter {
    /// Only this lane.
    pub lane: Option<Lane>,
    /// Only those with this referral.
    pub referral: Option<Referral>,
    /// Only those scoring at least this.
    pub min_score: Option<f64>,
    /// Only those assessed at or after this time.
    pub from: Option<Timestamp>,
    /// Only those assessed before this time.
    pub to: Option<Timestamp>,
    /// Only this submitter's.
    pub submitter: Option<String>,
    /// Only those with an id below this (the cursor for the next page: the last id of the previous one).
    pub before_id: Option<i64>,
    /// At most this many (the store caps it at 1,000).
    pub limit: u32,
}

/// What an officer decides about a consignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    /// Release the goods.
    Release,
    /// Check the documents.
    DocumentaryCheck,
    /// Examine the goods physically.
    Examine,
    /// Tell the carrier not to load.
    DoNotLoad,
    /// Ask the filer for more information.
    RequestInformation,
}

impl DecisionKind {
    /// Every kind.
    pub const ALL: &'static [DecisionKind] = &[
        DecisionKind::Release,
        DecisionKind::DocumentaryCheck,
        DecisionKind::Examine,
        DecisionKind::DoNotLoad,
        DecisionKind::RequestInformation,
    ];

    /// Returns the kind's name.
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionKind::Release => "release",
            DecisionKind::DocumentaryCheck => "documentary_check",
            DecisionKind::Examine => "examine",
            DecisionKind::DoNotLoad => "do_not_load",
            DecisionKind::RequestInformation => "request_information",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<DecisionKind> {
        DecisionKind::ALL.iter().copied().find(|k| k.as_str() == s)
    }
}

/// A decision to record.
#[derive(Debug, Clone)]
pub struct NewDecision {
    /// The consignment version decided on.
    pub consignment_id: i64,
    /// What was decided.
    pub kind: DecisionKind,
    /// Why (mandatory, non-empty).
    pub justification: String,
    /// The officer's user name.
    pub officer: String,
}

/// A recorded decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    /// Its id.
    pub id: i64,
    /// The consignment version decided on.
    pub consignment_id: i64,
    /// What was decided.
    pub kind: DecisionKind,
    /// Why.
    pub justification: String,
    /// The officer's user name.
    pub officer: String,
    /// When.
    pub decided_at: Timestamp,
}

/// An examination to order.
#[derive(Debug, Clone)]
pub struct NewExaminationOrder {
    /// The consignment version to examine.
    pub consignment_id: i64,
    /// The ordering officer's user name.
    pub ordered_by: String,
    /// What to look for and how.
    pub instructions: String,
}

/// Whether an examination found anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExaminationOutcome {
    /// Something irregular was found.
    Found,
    /// Nothing irregular was found.
    NotFound,
}

impl ExaminationOutcome {
    /// Returns the outcome's name.
    pub fn as_str(self) -> &'static str {
        match self {
            ExaminationOutcome::Found => "found",
            ExaminationOutcome::NotFound => "not_found",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<ExaminationOutcome> {
        match s {
            "found" => Some(ExaminationOutcome::Found),
            "not_found" => Some(ExaminationOutcome::NotFound),
            _ => None,
        }
    }
}

/// The result of an examination, to record.
#[derive(Debug, Clone)]
pub struct NewExaminationResult {
    /// Found or not.
    pub outcome: ExaminationOutcome,
    /// What was found (or checked), in the officer's words.
    pub findings: String,
    /// The recording officer's user name.
    pub recorded_by: String,
}

/// A recorded examination result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExaminationResult {
    /// Found or not.
    pub outcome: ExaminationOutcome,
    /// What was found.
    pub findings: String,
    /// Who recorded it.
    pub recorded_by: String,
    /// When.
    pub recorded_at: Timestamp,
}

/// An examination order, with its result once recorded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExaminationOrder {
    /// Its id.
    pub id: i64,
    /// The consignment version to examine.
    pub consignment_id: i64,
    /// Who ordered it.
    pub ordered_by: String,
    /// What to look for.
    pub instructions: String,
    /// When it was ordered.
    pub ordered_at: Timestamp,
    /// The result, once recorded.
    pub result: Option<ExaminationResult>,
}
