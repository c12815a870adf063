//! Risk profiles: the analysts' rules, written as text (see `docs/profiles.md`), parsed with located errors,
//! compiled once into a [`ProfileSet`] whose index keeps the cost of assessing a consignment proportional to the
//! profiles that could match it.

mod eval;
mod field;
mod index;
mod lexer;
mod literals;
mod parser;
mod program;

use std::fmt;
use std::sync::Arc;

use aduana_core::{Lane, Referral};
use chrono::NaiveDate;

pub(crate) use eval::Env;
pub use field::{FIELD_NAMES, Field};
pub(crate) use index::ProfileIndex;
pub(crate) use program::{Facts, Programs, dedup_evidence};

/// One risk profile, as an analyst wrote it.
#[derive(Debug, Clone)]
pub struct Profile {
    /// A stable identifier, unique in a set (`UNDERVAL-PV-001`).
    pub id: String,
    /// A short title.
    pub title: String,
    /// Why the profile exists, shown to the officer.
    pub rationale: String,
    /// The unit or analyst who owns it.
    pub owner: String,
    /// The first day it applies.
    pub valid_from: NaiveDate,
    /// The last day it applies (inclusive), if it ends.
    pub valid_to: Option<NaiveDate>,
    /// The profile's version, as the analyst numbers it.
    pub version: String,
    /// Its contribution to the score when it selects a consignment.
    pub weight: f64,
    /// How serious a match is; `critical` makes a hit hard (AEO status cannot waive it).
    pub severity: Severity,
    /// The lane it asks for, if any.
    pub lane: Option<Lane>,
    /// The share of matching consignments it selects, in percent (0–100), chosen deterministically from the
    /// consignment reference and the profile id.
    pub select_percent: f64,
    /// The referrals it asks for.
    pub referrals: Vec<Referral>,
    /// The condition.
    pub condition: Expr,
    /// The file and line where it is defined.
    pub source: String,
}

/// How serious a profile's match is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Critical: the hit is hard.
    Critical,
}

impl Profile {
    /// Returns whether the profile applies on a date.
    pub fn is_valid_on(&self, date: NaiveDate) -> bool {
        date >= self.valid_from && self.valid_to.is_none_or(|to| date <= to)
    }
}

/// A condition over a consignment.
#[derive(Debug, Clone)]
pub enum Expr {
    /// Every part holds.
    And(Vec<Expr>),
    /// Some part holds.
    Or(Vec<Expr>),
    /// The part does not hold.
    Not(Box<Expr>),
    /// One test on one field.
    Test(Test),
}

/// One test on one field: `goods.hs_code prefix [2939, 2914]`.
#[derive(Debug, Clone)]
pub struct Test {
    /// The field.
    pub field: Field,
    /// The operator and its operand.
    pub op: Op,
}

/// A test's operator and operand.
#[derive(Debug, Clone)]
pub enum Op {
    /// Some value equals the operand (case-insensitive for text).
    Eq(String),
    /// No value equals the operand.
    Ne(String),
    /// Some value is in the set (sorted, upper-cased).
    In(Vec<String>),
    /// No value is in the set.
    NotIn(Vec<String>),
    /// Some value starts with one of the prefixes (HS codes, LOCODEs at any level).
    Prefix(Vec<String>),
    /// Some value contains the text (case-insensitive; stored lower-cased).
    Contains(String),
    /// Some value matches the regular expression. Shared: the profiles of a file that use the same pattern share one
    /// compiled program and one matching cache (a cloned `Regex` would get a cache of its own, built anew).
    Matches(Arc<regex::Regex>),
    /// Some value is on the named list of the reference data.
    InList(String),
    /// The field has a value.
    Exists,
    /// A numeric comparison.
    Cmp(Cmp, f64),
}

/// A numeric comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `=`
    Eq,
}

impl Cmp {
    fn holds(self, left: f64, right: f64) -> bool {
        match self {
            Cmp::Lt => left < right,
            Cmp::Le => left <= right,
            Cmp::Gt => left > right,
            Cmp::Ge => left >= right,
            Cmp::Eq => left == right,
        }
    }
}

/// A profile file's text and the name to report errors against.
#[derive(Debug, Clone, Copy)]
pub struct ProfileSource<'a> {
    /// The file name, as errors should show it.
    pub name: &'a str,
    /// The file's text.
    pub text: &'a str,
}

/// An error in a profile file, located by file, line and column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {kind}")]
pub struct ProfileError {
    /// The file.
    pub file: String,
    /// The 1-based line.
    pub line: u32,
    /// The 1-based column.
    pub column: u32,
    /// What was wrong.
    pub kind: ProfileErrorKind,
}

impl ProfileError {
    pub(crate) fn new(file: &str, line: u32, column: u32, kind: ProfileErrorKind) -> ProfileError {
        ProfileError { file: file.to_owned(), line, column, kind }
    }
}

/// What was wrong in a profile file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProfileErrorKind {
    /// The text did not follow the grammar.
    #[error("expected {expected}, found {found}")]
    Expected {
        /// What the grammar allows here.
        expected: String,
        /// What the file has.
        found: String,
    },
    /// A key or field name is not known; the nearest known name is suggested.
    #[error("unknown {what} `{name}`{}", suggestion.as_ref().map(|s| format!(", did you mean `{s}`?")).unwrap_or_default())]
    Unknown {
        /// `key`, `field`, `lane`, `severity` or `referral`.
        what: &'static str,
        /// The name found.
        name: String,
        /// The nearest known name, if one is close.
        suggestion: Option<String>,
    },
    /// A required key is missing from a profile.
    #[error("profile `{profile}` has no `{key}`")]
    Missing {
        /// The profile id.
        profile: String,
        /// The missing key.
        key: &'static str,
    },
    /// A key appears twice in one profile.
    #[error("`{key}` is given twice")]
    Duplicate {
        /// The key.
        key: String,
    },
    /// Two profiles share an id.
    #[error("profile id `{id}` is already defined at {first}")]
    DuplicateId {
        /// The id.
        id: String,
        /// Where it was first defined.
        first: String,
    },
    /// An operator does not apply to a field (e.g. `<` on a country).
    #[error("operator `{op}` does not apply to `{field}` ({allowed})")]
    OperatorMismatch {
        /// The operator.
        op: String,
        /// The field.
        field: String,
        /// The operators that do apply.
        allowed: &'static str,
    },
    /// A value is out of range or malformed (a bad date, regular expression or percentage).
    #[error("invalid {what}: {message}")]
    Invalid {
        /// What kind of value.
        what: &'static str,
        /// What is wrong with it.
        message: String,
    },
}

/// Returns the known name nearest to `name`, if it is close enough to be a likely typo.
pub(crate) fn suggest<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Option<String> {
    known
        .into_iter()
        .map(|k| (strsim::jaro_winkler(name, k), k))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k.to_owned())
}

/// A compiled set of profiles: parsed, checked and indexed. Build one with [`ProfileSet::compile`]; replace the
/// active set with [`ProfileSet::reload`], which keeps the set unchanged when the new files have errors.
#[derive(Debug, Clone)]
pub struct ProfileSet {
    profiles: Arc<[Profile]>,
    index: Arc<ProfileIndex>,
    /// Every profile's condition compiled to a flat program.
    programs: Arc<Programs>,
    /// Per profile, the parts of its hits that do not depend on the consignment.
    hit_texts: Arc<[crate::indicator::HitText]>,
    version: String,
}

impl ProfileSet {
    /// Returns a set with no profiles.
    pub fn empty() -> ProfileSet {
        ProfileSet::from_profiles(Vec::new())
    }

    /// Parses and compiles profile files; returns every error found (each file is parsed up to its first error,
    /// and duplicate ids across files are reported).
    pub fn compile(sources: &[ProfileSource<'_>]) -> Result<ProfileSet, Vec<ProfileError>> {
        let mut profiles: Vec<Profile> = Vec::new();
        let mut errors = Vec::new();
        for source in sources {
            match parser::parse(source.text, source.name) {
                Ok(parsed) => profiles.extend(parsed),
                Err(error) => errors.push(error),
            }
        }
        let mut seen: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
        for profile in &profiles {
            if let Some(first) = seen.insert(&profile.id, &profile.source) {
                let (file, line, column) = split_source(&profile.source);
                errors.push(ProfileError::new(
                    file,
                    line,
                    column,
                    ProfileErrorKind::DuplicateId { id: profile.id.clone(), first: first.to_owned() },
                ));
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(ProfileSet::from_profiles(profiles))
    }

    /// Builds a set from already parsed profiles (e.g. generated ones), indexing them.
    pub fn from_profiles(mut profiles: Vec<Profile>) -> ProfileSet {
        profiles.sort_by(|a, b| a.id.cmp(&b.id));
        let programs = Programs::build(&profiles);
        let index = ProfileIndex::build(&profiles, &programs);
        let mut hash = crate::selection::Fnv::new();
        for p in &profiles {
            hash.write(p.id.as_bytes());
            hash.write(b"@");
            hash.write(p.version.as_bytes());
            hash.write(b";");
        }
        let version = format!("{}:{:016x}", profiles.len(), hash.finish());
        // Each profile is copied into fresh allocations, followed by its hit record, one profile after another: a
        // hit reads only its record (id, version, reasons, weight, lane in one record and one text allocation),
        // which then sits in a few neighbouring cache lines instead of wherever parsing happened to leave it.
        let mut hit_texts = Vec::with_capacity(profiles.len());
        let profiles: Vec<Profile> = profiles
            .iter()
            .map(|profile| {
                let profile = profile.clone();
                hit_texts.push(crate::indicator::HitText::of(&profile));
                profile
            })
            .collect();
        ProfileSet {
            profiles: profiles.into(),
            index: Arc::new(index),
            programs: Arc::new(programs),
            hit_texts: hit_texts.into(),
            version,
        }
    }

    /// Replaces this set with one compiled from `sources`; on error the set stays as it was and the errors are
    /// returned, so a bad edit never leaves the engine without profiles.
    pub fn reload(&mut self, sources: &[ProfileSource<'_>]) -> Result<(), Vec<ProfileError>> {
        *self = ProfileSet::compile(sources)?;
        Ok(())
    }

    /// Returns the profiles, sorted by id.
    pub fn profiles(&self) -> &[Profile] {
        &self.profiles
    }

    /// Returns the set's version: the number of profiles and a fingerprint of their ids and versions.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Returns the number of profiles.
    pub fn len(&self) -> usize {
        self.profiles.len()
    }

    /// Returns whether the set has no profiles.
    pub fn is_empty(&self) -> bool {
        self.profiles.is_empty()
    }

    /// Returns how many profiles have no discriminating test and so are evaluated for every consignment.
    pub fn fallback_len(&self) -> usize {
        self.index.fallback_len()
    }

    /// Returns how many profiles the index picks as candidates for a consignment (those it evaluates): a measure
    /// of how well the set is indexed.
    pub fn candidate_count(&self, consignment: &aduana_core::Consignment) -> usize {
        let mut out = Vec::new();
        Facts::with(consignment, |facts| self.index.candidates(facts, &mut out));
        out.len()
    }

    pub(crate) fn index(&self) -> &ProfileIndex {
        &self.index
    }

    pub(crate) fn programs(&self) -> &Programs {
        &self.programs
    }

    /// Returns the set with every validity period opened up: a back-test asks what the rules would have selected
    /// in the history, whatever dates they are scheduled for.
    pub fn timeless(&self) -> ProfileSet {
        let profiles = self
            .profiles
            .iter()
            .cloned()
            .map(|mut p| {
                p.valid_from = NaiveDate::MIN;
                p.valid_to = None;
                p
            })
            .collect();
        ProfileSet::from_profiles(profiles)
    }

    pub(crate) fn hit_text(&self, i: usize) -> &crate::indicator::HitText {
        &self.hit_texts[i]
    }
}

/// A date as a day number, for compact validity checks.
pub(crate) fn day_number(date: NaiveDate) -> i32 {
    chrono::Datelike::num_days_from_ce(&date)
}

fn split_source(source: &str) -> (&str, u32, u32) {
    let mut parts = source.rsplitn(3, ':');
    let column = parts.next().and_then(|c| c.parse().ok()).unwrap_or(0);
    let line = parts.next().and_then(|l| l.parse().ok()).unwrap_or(0);
    (parts.next().unwrap_or(source), line, column)
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        })
    }
}
