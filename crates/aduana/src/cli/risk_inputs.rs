//! Loading what the risk engine needs from files: a profiles directory (profiles, named lists, HS value norms),
//! the AEO register, and consignments in any format `aduana_formats` reads. The pure crate parses; this module
//! opens the files and adds the context of which file failed.

use std::path::{Path, PathBuf};

use std::sync::Arc;

use aduana_core::{Consignment, Diagnostic};
use aduana_formats::Sink;
use aduana_risk::{
    AeoRegister, EmbargoIndicator, Indicator, Policy, ProfileError, ProfileSet, ProfileSource, ReferenceData,
    ScreeningIndicator, ScreeningWeights, StrategicGoodsIndicator,
};
use aduana_screening::{CorrelationTable, EmbargoList, ScreeningConfig, WatchList, parse_list};
use anyhow::{Context, format_err};

use crate::watch_lists::IndexedLists;

/// The files of a profiles directory, read into memory.
pub(crate) struct ProfileDir {
    pub(crate) profiles: Vec<(String, String)>,
    pub(crate) reference: ReferenceData,
}

/// Reads a profiles directory: `*.profile` files (or a single profile file), `*.list` named lists (named by file
/// stem) and `norms.csv`.
pub(crate) fn read_profile_dir(path: &Path) -> anyhow::Result<ProfileDir> {
    let mut reference = ReferenceData::default();
    let mut profiles = Vec::new();
    let entries: Vec<PathBuf> = if path.is_file() {
        vec![path.to_path_buf()]
    } else {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .with_context(|| format!("reading profiles directory {}", path.display()))?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()
            .with_context(|| format!("reading profiles directory {}", path.display()))?;
        entries.sort();
        entries
    };
    for entry in entries {
        let name = entry.display().to_string();
        let extension = entry.extension().and_then(|e| e.to_str()).unwrap_or("");
        let file_name = entry.file_name().and_then(|e| e.to_str()).unwrap_or("");
        if extension == "profile" {
            let text = std::fs::read_to_string(&entry).with_context(|| format!("reading profile file {name}"))?;
            profiles.push((name, text));
        } else if extension == "list" {
            let text = std::fs::read_to_string(&entry).with_context(|| format!("reading list {name}"))?;
            let stem = entry.file_stem().and_then(|s| s.to_str()).unwrap_or("").to_owned();
            reference.lists.insert(stem, aduana_risk::reference::parse_list(&text));
        } else if file_name == "norms.csv" {
            let bytes = std::fs::read(&entry).with_context(|| format!("reading norms {name}"))?;
            reference.norms = aduana_risk::reference::parse_norms(&bytes, &name).map_err(|errors| {
                anyhow::format_err!("{}", errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))
            })?;
        }
    }
    Ok(ProfileDir { profiles, reference })
}

impl ProfileDir {
    /// Compiles the profiles.
    pub(crate) fn compile(&self) -> Result<ProfileSet, Vec<ProfileError>> {
        let sources: Vec<ProfileSource<'_>> =
            self.profiles.iter().map(|(name, text)| ProfileSource { name, text }).collect();
        ProfileSet::compile(&sources)
    }
}

/// Reads the AEO register CSV.
pub(crate) fn read_aeo(path: &Path) -> anyhow::Result<AeoRegister> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).with_context(|| format!("reading AEO register {name}"))?;
    AeoRegister::parse_csv(&bytes, &name).map_err(|errors| {
        anyhow::format_err!("{}", errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))
    })
}

/// Reads the consignments of one file, detecting its format from the content.
pub(crate) fn read_consignments(path: &Path) -> anyhow::Result<(Vec<Consignment>, Vec<Diagnostic>)> {
    let read = read_for_assessment(path)?;
    let mut diagnostics = read.diagnostics;
    diagnostics.extend(read.findings.into_iter().flatten());
    Ok((read.consignments, diagnostics))
}

/// Consignments read from one input, each with the problems found in it that did not stop it being read (e.g.
/// failed ENS business rules), and the diagnostics that belong to no consignment.
#[derive(Debug, Default)]
pub(crate) struct ReadForAssessment {
    pub(crate) consignments: Vec<Consignment>,
    /// `findings[i]` belongs to `consignments[i]`.
    pub(crate) findings: Vec<Vec<Diagnostic>>,
    pub(crate) diagnostics: Vec<Diagnostic>,
}

impl Sink for ReadForAssessment {
    fn consignment(&mut self, consignment: Consignment) {
        self.consignment_with_findings(consignment, Vec::new());
    }
    fn diagnostic(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }
    fn consignment_with_findings(&mut self, consignment: Consignment, findings: Vec<Diagnostic>) {
        self.consignments.push(consignment);
        self.findings.push(findings);
    }
}

/// Reads every consignment of a file (format detected from content; `-` is standard input), keeping each
/// consignment's own findings beside it so that its assessment can report them.
pub(crate) fn read_for_assessment(path: &Path) -> anyhow::Result<ReadForAssessment> {
    let name = path.display().to_string();
    let (mut input, format) = crate::input::open(path, None)?;
    let mut read = ReadForAssessment::default();
    match format {
        Some(format) => {
            let limits = crate::limits::default_limits();
            aduana_formats::read(format, &mut input, &name, &limits, &mut read)
                .with_context(|| format!("reading {name}"))?;
        }
        None => read.diagnostics.push(crate::input::unknown_format(&name)),
    }
    Ok(read)
}

/// The name a list file is read under (and seeded into the store under): its file name.
pub(crate) fn list_name(path: &Path) -> String {
    path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// Reads a watch list (UN consolidated list XML, FollowTheMoney JSON Lines or the national CSV).
pub(crate) fn read_list(path: &Path) -> anyhow::Result<WatchList> {
    let bytes = std::fs::read(path).with_context(|| format!("reading list {}", path.display()))?;
    parse_list_file(path, &bytes)
}

/// Parses the bytes of the list file at `path`.
pub(crate) fn parse_list_file(path: &Path, bytes: &[u8]) -> anyhow::Result<WatchList> {
    parse_list(bytes, &list_name(path)).map_err(|errors| {
        let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
        format_err!("list {} cannot be read:\n  {}", path.display(), lines.join("\n  "))
    })
}

/// Reads and indexes the list files.
pub(crate) fn index_lists(lists: &[PathBuf]) -> anyhow::Result<IndexedLists> {
    let lists = lists.iter().map(|path| read_list(path)).collect::<anyhow::Result<Vec<WatchList>>>()?;
    Ok(IndexedLists::of(&lists))
}

/// The distinct parties (name and country) whose screening results an indicator remembers: about 100 bytes each
/// plus their matches, so at most ~7 MB; enough for the regular traders of a large office (see
/// `docs/benchmarks.md`, "Whole assessments").
const SCREENING_MEMO_PARTIES: usize = 65_536;

/// Returns the list-based indicators: party screening against `lists` (none when there are none), searching
/// their index (shared with whoever else holds it), and the built-in strategic-goods correlation and UN arms
/// embargoes, weighted against the policy's lane thresholds.
pub(crate) fn screening_indicators_for(lists: &IndexedLists, policy: &Policy) -> Vec<Arc<dyn Indicator>> {
    let weights = ScreeningWeights {
        party_match: policy.red_threshold * 1.5,
        strategic_goods: policy.yellow_threshold,
        embargo: policy.yellow_threshold,
    };
    let controls = CorrelationTable::builtin();
    let mut indicators: Vec<Arc<dyn Indicator>> = vec![
        Arc::new(StrategicGoodsIndicator::new(controls.clone(), weights.strategic_goods)),
        Arc::new(EmbargoIndicator::new(EmbargoList::builtin(), controls, weights.embargo)),
    ];
    if !lists.versions.is_empty() {
        let version = lists.versions.join(",");
        let screening =
            ScreeningIndicator::new(Arc::clone(&lists.index), ScreeningConfig::recommended(), weights, version)
                .memoised(SCREENING_MEMO_PARTIES);
        indicators.insert(0, Arc::new(screening));
    }
    indicators
}

/// Parses `--as-of`: a date (midnight) or a date and time; without it, the current time.
pub(crate) fn as_of(value: Option<&str>) -> anyhow::Result<chrono::NaiveDateTime> {
    match value {
        Some(text) => chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S")
            .or_else(|_| {
                chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").map(|d| d.and_time(chrono::NaiveTime::MIN))
            })
            .map_err(|_| anyhow::format_err!("--as-of: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS, found `{text}`")),
        None => {
            let seconds = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .context("reading the system clock")?
                .as_secs();
            chrono::DateTime::from_timestamp(i64::try_from(seconds).unwrap_or(i64::MAX), 0)
                .map(|t| t.naive_utc())
                .context("reading the system clock")
        }
    }
}

/// The scoring policy the binary uses: the one documented place for its defaults (see `docs/profiles.md`).
pub(crate) fn default_policy() -> aduana_risk::Policy {
    aduana_risk::Policy {
        version: "default-2026.1".to_owned(),
        yellow_threshold: 30.0,
        red_threshold: 60.0,
        max_hits_green: 0,
        random_percent: aduana_risk::LaneRates { yellow: 2.0, red: 1.0 },
        random_seed: 2026,
        aeo_weight: -30.0,
        finding_weight: 5.0,
        max_finding_weight: 20.0,
        capacity_percent: aduana_risk::LaneRates { yellow: 15.0, red: 5.0 },
    }
}

/// Returns the learned-model indicator for a model file written by `aduana train`: it asks for a documentary check
/// from a fraud probability of 0.5 and an examination from 0.8, weighing the probability against the red threshold.
pub(crate) fn model_indicator(path: &Path, policy: &Policy) -> anyhow::Result<Arc<dyn Indicator>> {
    let bytes = std::fs::read(path).with_context(|| format!("reading model {}", path.display()))?;
    let model = aduana_learn::Model::load(&bytes).with_context(|| format!("loading model {}", path.display()))?;
    let model_policy = aduana_risk::ModelPolicy { weight: policy.red_threshold, yellow_at: 0.5, red_at: 0.8 };
    Ok(Arc::new(aduana_risk::ModelIndicator::new(model, model_policy)))
}
