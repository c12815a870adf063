//! Loading what the risk engine needs from files: a profiles directory (profiles, named lists, HS value norms),
//! the AEO register, and consignments in any format `aduana_formats` reads. The pure crate parses; this module
//! opens the files and adds the context of which file failed.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use aduana_core::{Consignment, Diagnostic};
use aduana_formats::{Collected, Format};
use aduana_risk::{AeoRegister, ProfileError, ProfileSet, ProfileSource, ReferenceData};
use anyhow::Context;

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
    let name = path.display().to_string();
    let mut input: Box<dyn BufRead> = if name == "-" {
        Box::new(BufReader::with_capacity(1 << 16, std::io::stdin()))
    } else {
        let file = File::open(path).with_context(|| format!("opening {name}"))?;
        Box::new(BufReader::with_capacity(1 << 16, file))
    };
    let mut head = Vec::with_capacity(8192);
    (&mut input).take(8192).read_to_end(&mut head).with_context(|| format!("reading {name}"))?;
    let format = aduana_formats::detect(&head);
    let mut input: Box<dyn BufRead> = Box::new(std::io::Cursor::new(head).chain(input));
    let mut collected = Collected::default();
    match format {
        Some(format) => {
            let limits = crate::limits::default_limits();
            aduana_formats::read(format, &mut input, &name, &limits, &mut collected)
                .with_context(|| format!("reading {name}"))?;
        }
        None => collected.diagnostics.push(Diagnostic::error(
            "unknown_format",
            format!(
                "expected one of the formats Aduana reads ({}), found content that is none of them",
                Format::ALL.iter().map(|f| f.name()).collect::<Vec<_>>().join(", ")
            ),
            aduana_core::Location::file(&name).at(1, 1),
        )),
    }
    Ok((collected.consignments, collected.diagnostics))
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
