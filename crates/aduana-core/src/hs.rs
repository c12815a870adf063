//! The Harmonized System nomenclature (HS 2017 and HS 2022): descriptions and the chapter/heading/subheading tree.
//!
//! The nomenclature ships inside the binary (compiled in from `data/harmonized-system/`), so checking whether a
//! code exists needs no file at run time.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// An edition of the Harmonized System.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema)]
#[non_exhaustive]
pub enum HsEdition {
    /// HS 2017, in force from 1 January 2017 to 31 December 2021.
    #[serde(rename = "HS2017")]
    Hs2017,
    /// HS 2022, in force from 1 January 2022.
    #[serde(rename = "HS2022")]
    Hs2022,
}

impl HsEdition {
    /// Every edition Aduana knows, oldest first.
    pub const ALL: [HsEdition; 2] = [HsEdition::Hs2017, HsEdition::Hs2022];

    /// Returns the edition in force on a date (HS 2017 before 2022, HS 2022 from then on).
    pub fn in_force_on(date: NaiveDate) -> HsEdition {
        if date < NaiveDate::from_ymd_opt(2022, 1, 1).expect("a valid date") {
            HsEdition::Hs2017
        } else {
            HsEdition::Hs2022
        }
    }

    /// Returns the edition's name as written in documents, e.g. `HS 2022`.
    pub fn name(self) -> &'static str {
        match self {
            HsEdition::Hs2017 => "HS 2017",
            HsEdition::Hs2022 => "HS 2022",
        }
    }
}

/// One row of the nomenclature: a chapter, heading or subheading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HsEntry {
    /// The code: 2, 4 or 6 digits.
    pub code: String,
    /// The short description (UN Comtrade's, not the WCO legal text).
    pub description: String,
    /// The parent's code; `None` for chapters.
    pub parent: Option<String>,
    /// The section, as a Roman numeral (`XVI`); `None` where the source has no section (chapter 99).
    pub section: Option<String>,
}

/// A loaded edition of the nomenclature, indexed by code.
#[derive(Debug, Clone)]
pub struct Nomenclature {
    edition: HsEdition,
    entries: BTreeMap<String, HsEntry>,
}

/// Why a nomenclature file could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{source_name}:{line}: {message}")]
pub struct NomenclatureError {
    /// The name of the file or source being read.
    pub source_name: String,
    /// The 1-based line of the problem.
    pub line: u64,
    /// What was wrong.
    pub message: String,
}

static BUILTIN_2017: OnceLock<Nomenclature> = OnceLock::new();
static BUILTIN_2022: OnceLock<Nomenclature> = OnceLock::new();

impl Nomenclature {
    /// Returns the nomenclature shipped with Aduana for an edition, parsed on first use.
    ///
    /// # Panics
    ///
    /// Panics if the compiled-in data file is malformed; a unit test parses both, so this is a build defect.
    pub fn builtin(edition: HsEdition) -> &'static Nomenclature {
        let (cell, text) = match edition {
            HsEdition::Hs2017 => {
                (&BUILTIN_2017, include_str!("../../../data/harmonized-system/harmonized-system-hs2017.csv"))
            }
            HsEdition::Hs2022 => (&BUILTIN_2022, include_str!("../../../data/harmonized-system/harmonized-system.csv")),
        };
        cell.get_or_init(|| {
            Nomenclature::parse(text.as_bytes(), "harmonized-system.csv", edition)
                .expect("the compiled-in HS nomenclature is well formed (checked by a unit test)")
        })
    }

    /// Parses a nomenclature CSV with the columns `section,hscode,description,parent,level` (UTF-8, optional BOM).
    pub fn parse(bytes: &[u8], source_name: &str, edition: HsEdition) -> Result<Nomenclature, NomenclatureError> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(bytes);
        let error =
            |line: u64, message: String| NomenclatureError { source_name: source_name.to_owned(), line, message };
        let headers = reader.headers().map_err(|e| error(1, e.to_string()))?.clone();
        let column = |name: &str| {
            headers.iter().position(|h| h == name).ok_or_else(|| error(1, format!("expected a column {name:?}")))
        };
        let (section, code, description, parent) =
            (column("section")?, column("hscode")?, column("description")?, column("parent")?);
        let mut entries = BTreeMap::new();
        for record in reader.records() {
            let record = record.map_err(|e| error(e.position().map_or(0, |p| p.line()), e.to_string()))?;
            let line = record.position().map_or(0, |p| p.line());
            let field = |i: usize| record.get(i).unwrap_or("").trim();
            let hs = field(code);
            if hs.is_empty() || hs == "TOTAL" {
                continue; // The synthetic root row and the trailing blank record of the 2017 file.
            }
            if !matches!(hs.len(), 2 | 4 | 6) || !hs.bytes().all(|b| b.is_ascii_digit()) {
                return Err(error(line, format!("expected an HS code of 2, 4 or 6 digits, found {hs:?}")));
            }
            let parent = Some(field(parent)).filter(|p| !p.is_empty() && *p != "TOTAL").map(str::to_owned);
            let section = Some(field(section)).filter(|s| !s.is_empty() && *s != "TOTAL").map(str::to_owned);
            let entry = HsEntry { code: hs.to_owned(), description: field(description).to_owned(), parent, section };
            entries.insert(hs.to_owned(), entry);
        }
        Ok(Nomenclature { edition, entries })
    }

    /// Returns the edition this nomenclature is.
    pub fn edition(&self) -> HsEdition {
        self.edition
    }

    /// Returns the entry for a 2-, 4- or 6-digit code.
    pub fn get(&self, code: &str) -> Option<&HsEntry> {
        self.entries.get(code)
    }

    /// Returns the entry and its ancestors, from the entry itself up to its chapter.
    pub fn lineage(&self, code: &str) -> Vec<&HsEntry> {
        let mut out = Vec::new();
        let mut next = self.entries.get(code);
        while let Some(entry) = next {
            out.push(entry);
            next = entry.parent.as_deref().and_then(|p| self.entries.get(p));
        }
        out
    }

    /// Returns the number of entries (chapters, headings and subheadings).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Returns whether the nomenclature has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Returns every entry, ordered by code.
    pub fn entries(&self) -> impl Iterator<Item = &HsEntry> {
        self.entries.values()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_editions_have_the_documented_counts() {
        for (edition, chapters, headings, subheadings) in
            [(HsEdition::Hs2017, 97, 1223, 5388), (HsEdition::Hs2022, 97, 1229, 5613)]
        {
            let n = Nomenclature::builtin(edition);
            let count = |len| n.entries().filter(|e| e.code.len() == len).count();
            assert_eq!((count(2), count(4), count(6)), (chapters, headings, subheadings), "{edition:?}");
        }
    }

    #[test]
    fn lineage_walks_from_subheading_to_chapter() {
        let n = Nomenclature::builtin(HsEdition::Hs2022);
        let codes: Vec<&str> = n.lineage("854141").iter().map(|e| e.code.as_str()).collect();
        assert_eq!(codes, ["854141", "8541", "85"]);
        assert_eq!(n.get("85").and_then(|e| e.section.as_deref()), Some("XVI"));
    }

    #[test]
    fn edition_follows_the_declaration_date() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("valid");
        assert_eq!(HsEdition::in_force_on(day(2021, 12, 31)), HsEdition::Hs2017);
        assert_eq!(HsEdition::in_force_on(day(2022, 1, 1)), HsEdition::Hs2022);
    }

    #[test]
    fn malformed_nomenclature_reports_the_line() {
        let text = "section,hscode,description,parent,level\nI,01,Animals,TOTAL,2\nI,01X1,Bad,01,4\n";
        let error = Nomenclature::parse(text.as_bytes(), "hs.csv", HsEdition::Hs2022).expect_err("bad code");
        assert_eq!(error.to_string(), "hs.csv:3: expected an HS code of 2, 4 or 6 digits, found \"01X1\"");
        let error = Nomenclature::parse(b"code,desc\n", "hs.csv", HsEdition::Hs2022).expect_err("bad header");
        assert!(error.to_string().contains("expected a column \"section\""), "{error}");
    }
}
