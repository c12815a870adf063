//! Watch lists: the entries screening matches against, read from the UN Security Council XML, OpenSanctions
//! FollowTheMoney JSON Lines or the documented CSV (see `docs/screening.md`), each with a version, and the diff
//! between two versions of a list.

mod csv_list;
mod diff;
mod ftm;
mod un_sc;

use std::fmt;

use aduana_core::Location;
use serde::Serialize;

pub use diff::{ListDiff, diff};

/// A versioned list of entries.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WatchList {
    /// The list's name, as given by the caller (usually the file name).
    pub name: String,
    /// The version: taken from the file where it says (the UN list's `dateGenerated`), else a content hash.
    pub version: String,
    /// The format it was read from.
    pub format: ListFormat,
    /// The entries, in file order.
    pub entries: Vec<Entry>,
}

/// The formats a list can be read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ListFormat {
    /// The UN Security Council consolidated list XML (`sc-sanctions.xsd`).
    UnScXml,
    /// OpenSanctions FollowTheMoney entities, one JSON object per line.
    FtmJsonLines,
    /// The CSV described in `docs/screening.md`.
    Csv,
}

/// One listed person, organisation or vessel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    /// The entry's id in its list (the UN reference number, the FtM id, the CSV `id`).
    pub id: String,
    /// What kind of thing is listed.
    pub kind: EntryKind,
    /// Every name: the primary name first, then aliases.
    pub names: Vec<Alias>,
    /// Dates of birth (persons).
    pub dates_of_birth: Vec<BirthDate>,
    /// Nationalities and countries, as written in the list (names or ISO codes).
    pub nationalities: Vec<String>,
    /// Addresses, as text.
    pub addresses: Vec<String>,
    /// Passport numbers, national ids, IMO numbers.
    pub identifiers: Vec<Identifier>,
}

/// What kind of thing an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// A natural person.
    Person,
    /// A company, organisation or other legal entity.
    Organisation,
    /// A ship.
    Vessel,
    /// The list does not say.
    Unknown,
}

/// A name of an entry and how much to trust it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alias {
    /// The name as listed.
    pub name: String,
    /// Its quality.
    pub quality: AliasQuality,
}

/// How good a name is, as the list says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AliasQuality {
    /// The entry's main name.
    Primary,
    /// A good-quality alias.
    Good,
    /// A low-quality alias (a weak alias, a nickname): weighted down in matching.
    Low,
}

/// A date of birth: a full date, a year, or a range of years.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BirthDate {
    /// The first possible year.
    pub year_from: i32,
    /// The last possible year (the same as `year_from` for a single year).
    pub year_to: i32,
    /// The month, when known.
    pub month: Option<u8>,
    /// The day, when known.
    pub day: Option<u8>,
}

impl BirthDate {
    /// Parses `YYYY`, `YYYY-MM`, `YYYY-MM-DD` (also with one-digit month or day), or `YYYY/YYYY` as a range.
    pub fn parse(text: &str) -> Option<BirthDate> {
        let text = text.trim();
        if let Some((from, to)) = text.split_once('/') {
            let (from, to) = (parse_year(from)?, parse_year(to)?);
            return (from <= to).then_some(BirthDate { year_from: from, year_to: to, month: None, day: None });
        }
        let mut parts = text.split('-');
        let year = parse_year(parts.next()?)?;
        let month = match parts.next() {
            Some(m) => Some(m.trim().parse::<u8>().ok().filter(|m| (1..=12).contains(m))?),
            None => None,
        };
        let day = match parts.next() {
            Some(d) => {
                Some(d.trim().get(..2.min(d.trim().len()))?.parse::<u8>().ok().filter(|d| (1..=31).contains(d))?)
            }
            None => None,
        };
        Some(BirthDate { year_from: year, year_to: year, month, day })
    }
}

impl fmt::Display for BirthDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.year_from != self.year_to {
            return write!(f, "{}/{}", self.year_from, self.year_to);
        }
        write!(f, "{:04}", self.year_from)?;
        if let Some(month) = self.month {
            write!(f, "-{month:02}")?;
            if let Some(day) = self.day {
                write!(f, "-{day:02}")?;
            }
        }
        Ok(())
    }
}

fn parse_year(text: &str) -> Option<i32> {
    let text = text.trim();
    (text.len() == 4).then(|| text.parse::<i32>().ok()).flatten().filter(|y| (1000..=2999).contains(y))
}

/// An identifier of an entry: a passport number, a national id, an IMO number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identifier {
    /// The kind, as the list names it (`passport`, `national_id`, `imo`, or the list's own words).
    pub kind: String,
    /// The number as listed.
    pub value: String,
}

/// A list that could not be read, with where and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {message}")]
pub struct ListError {
    /// Where the problem is.
    pub location: Location,
    /// What was expected and what was found.
    pub message: String,
}

impl ListError {
    pub(crate) fn new(location: Location, message: impl Into<String>) -> ListError {
        ListError { location, message: message.into() }
    }
}

/// Detects a list's format from its first bytes: XML, JSON Lines or CSV.
pub fn detect(bytes: &[u8]) -> ListFormat {
    let head = bytes.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(bytes);
    match head.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'<') => ListFormat::UnScXml,
        Some(b'{') => ListFormat::FtmJsonLines,
        _ => ListFormat::Csv,
    }
}

/// Reads a list of any supported format (detected from its content); `name` names it in errors and results.
///
/// # Errors
/// Returns every problem found (located) when the list cannot be read; a list with no entries is an error too.
pub fn parse_list(bytes: &[u8], name: &str) -> Result<WatchList, Vec<ListError>> {
    let format = detect(bytes);
    let (version, entries) = match format {
        ListFormat::UnScXml => un_sc::parse(bytes, name)?,
        ListFormat::FtmJsonLines => ftm::parse(bytes, name)?,
        ListFormat::Csv => csv_list::parse(bytes, name)?,
    };
    if entries.is_empty() {
        return Err(vec![ListError::new(Location::file(name), "expected at least one list entry, found none")]);
    }
    let version = version.unwrap_or_else(|| format!("sha-{:016x}", content_hash(bytes)));
    Ok(WatchList { name: name.to_owned(), version, format, entries })
}

/// FNV-1a 64: a stable content hash for versioning lists that carry no version of their own.
fn content_hash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |hash, &byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3))
}

/// Splits and trims a multi-valued text field (`;`-separated), dropping empty values.
pub(crate) fn split_values(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(';').map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
}
