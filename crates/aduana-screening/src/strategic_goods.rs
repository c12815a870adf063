//! Strategic goods: a correlation table from HS codes (or prefixes) to entries of export-control and
//! non-proliferation lists (CWC schedules, Australia Group, NSG, MTCR, Wassenaar, EU dual-use Annex I), loaded from
//! CSV so that an administration can load its official correlation, and the check of a goods item against it.

use aduana_core::{Evidence, GoodsItem, Location, LocationPath};
use serde::Serialize;

use crate::watchlist::ListError;

/// The control regime a list entry belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Regime {
    /// Chemical Weapons Convention, Schedule 1.
    CwcSchedule1,
    /// Chemical Weapons Convention, Schedule 2.
    CwcSchedule2,
    /// Chemical Weapons Convention, Schedule 3.
    CwcSchedule3,
    /// Australia Group common control lists (chemical and biological).
    AustraliaGroup,
    /// Nuclear Suppliers Group (Trigger List and dual-use list).
    NuclearSuppliersGroup,
    /// Missile Technology Control Regime annex.
    Mtcr,
    /// Wassenaar Arrangement (dual-use and munitions lists).
    Wassenaar,
    /// Annex I of Regulation (EU) 2021/821 (dual-use items).
    EuDualUse,
    /// The Common High Priority List of HS codes (EU, US, UK, Japan).
    CommonHighPriority,
}

impl Regime {
    /// Returns the regime's snake_case name, as in the CSV.
    pub fn as_str(self) -> &'static str {
        match self {
            Regime::CwcSchedule1 => "cwc_schedule_1",
            Regime::CwcSchedule2 => "cwc_schedule_2",
            Regime::CwcSchedule3 => "cwc_schedule_3",
            Regime::AustraliaGroup => "australia_group",
            Regime::NuclearSuppliersGroup => "nuclear_suppliers_group",
            Regime::Mtcr => "mtcr",
            Regime::Wassenaar => "wassenaar",
            Regime::EuDualUse => "eu_dual_use",
            Regime::CommonHighPriority => "common_high_priority",
        }
    }

    const ALL: [Regime; 9] = [
        Regime::CwcSchedule1,
        Regime::CwcSchedule2,
        Regime::CwcSchedule3,
        Regime::AustraliaGroup,
        Regime::NuclearSuppliersGroup,
        Regime::Mtcr,
        Regime::Wassenaar,
        Regime::EuDualUse,
        Regime::CommonHighPriority,
    ];
}

/// How precisely an HS code identifies the controlled goods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Precision {
    /// The code covers only the controlled goods.
    Exact,
    /// The code also covers goods that are not controlled.
    Partial,
    /// The goods are often of concern; the code alone says little.
    Indicative,
}

/// One row of the table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Correlation {
    /// The HS code or prefix (digits only).
    pub hs_prefix: String,
    /// The regime.
    pub regime: Regime,
    /// The entry in the regime's list.
    pub entry_id: String,
    /// What the entry controls.
    pub description: String,
    /// How precise the link is.
    pub precision: Precision,
    /// Where the link comes from.
    pub source: String,
}

/// A correlation table with its version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CorrelationTable {
    /// The version (a content hash of the CSV).
    pub version: String,
    /// The rows, sorted by HS prefix.
    pub rows: Vec<Correlation>,
}

/// A goods item whose HS code falls under a controlled entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ControlMatch {
    /// The item's sequence number.
    pub item: u32,
    /// The item's HS code.
    pub hs_code: String,
    /// The correlation that matched.
    pub correlation: Correlation,
    /// The table's version.
    pub table_version: String,
    /// The id for a `Hit`: `<regime>/<entry_id>`.
    pub hit_id: String,
    /// The fields and values that matched.
    pub evidence: Vec<Evidence>,
    /// A sentence an officer can read.
    pub reason: String,
}

impl CorrelationTable {
    /// Returns the table shipped in `data/strategic-goods/correlation.csv`.
    ///
    /// # Panics
    /// Never in practice: the shipped table is checked by a unit test.
    pub fn builtin() -> CorrelationTable {
        CorrelationTable::parse(include_bytes!("../../../data/strategic-goods/correlation.csv"), "correlation.csv")
            .expect("the shipped correlation table is valid (checked by a unit test)")
    }

    /// Reads a table from CSV (`hs_prefix,regime,entry_id,description,precision,source`).
    ///
    /// # Errors
    /// Returns every bad row, located by line and column name.
    pub fn parse(bytes: &[u8], name: &str) -> Result<CorrelationTable, Vec<ListError>> {
        let mut reader = csv::Reader::from_reader(bytes);
        let headers = reader
            .headers()
            .map_err(|e| vec![ListError::new(Location::file(name).at(1, 1), format!("expected a CSV header: {e}"))])?
            .clone();
        let expected = ["hs_prefix", "regime", "entry_id", "description", "precision", "source"];
        if headers.iter().map(str::trim).ne(expected) {
            return Err(vec![ListError::new(
                Location::file(name).at(1, 1),
                format!(
                    "expected the header `{}`, found `{}`",
                    expected.join(","),
                    headers.iter().collect::<Vec<_>>().join(",")
                ),
            )]);
        }
        let mut rows = Vec::new();
        let mut errors = Vec::new();
        for record in reader.records() {
            let record = match record {
                Ok(r) => r,
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    errors.push(ListError::new(Location::file(name).at(line, 1), format!("malformed CSV row: {e}")));
                    continue;
                }
            };
            let line = record.position().map_or(0, |p| p.line());
            let at = |field: &str| {
                Location::file(name).at(line, 1).with_path(LocationPath::Field { field: field.to_owned() })
            };
            let cell = |i: usize| record.get(i).unwrap_or("").trim();
            let prefix: String = cell(0).chars().filter(|c| !matches!(c, '.' | ' ')).collect();
            if !(2..=10).contains(&prefix.len()) || !prefix.bytes().all(|b| b.is_ascii_digit()) {
                errors.push(ListError::new(at("hs_prefix"), format!("expected 2 to 10 digits, found `{}`", cell(0))));
                continue;
            }
            let Some(regime) = Regime::ALL.into_iter().find(|r| r.as_str() == cell(1)) else {
                let names: Vec<&str> = Regime::ALL.iter().map(|r| r.as_str()).collect();
                errors.push(ListError::new(
                    at("regime"),
                    format!("expected one of {}, found `{}`", names.join(", "), cell(1)),
                ));
                continue;
            };
            let precision = match cell(4) {
                "exact" => Precision::Exact,
                "partial" => Precision::Partial,
                "indicative" => Precision::Indicative,
                other => {
                    errors.push(ListError::new(
                        at("precision"),
                        format!("expected exact, partial or indicative, found `{other}`"),
                    ));
                    continue;
                }
            };
            for (i, field) in [(2, "entry_id"), (5, "source")] {
                if cell(i).is_empty() {
                    errors.push(ListError::new(at(field), "expected a value, found empty"));
                }
            }
            rows.push(Correlation {
                hs_prefix: prefix,
                regime,
                entry_id: cell(2).to_owned(),
                description: cell(3).to_owned(),
                precision,
                source: cell(5).to_owned(),
            });
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        rows.sort_by(|a, b| a.hs_prefix.cmp(&b.hs_prefix).then(a.regime.cmp(&b.regime)));
        let hash =
            bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
        Ok(CorrelationTable { version: format!("sha-{hash:016x}"), rows })
    }
}

/// Returns the control-list entries a goods item's HS code falls under (by prefix), most precise first.
pub fn strategic_goods(item: &GoodsItem, table: &CorrelationTable) -> Vec<ControlMatch> {
    let Some(code) = item.hs_code.as_ref() else { return Vec::new() };
    let digits = code.as_str();
    let mut found: Vec<ControlMatch> = table
        .rows
        .iter()
        .filter(|row| digits.starts_with(&row.hs_prefix))
        .map(|row| ControlMatch {
            item: item.sequence,
            hs_code: digits.to_owned(),
            correlation: row.clone(),
            table_version: table.version.clone(),
            hit_id: format!("{}/{}", row.regime.as_str(), row.entry_id),
            evidence: vec![
                Evidence { field: format!("goods[seq={}].hs_code", item.sequence).into(), value: digits.into() },
                Evidence {
                    field: format!("correlation:{}", row.hs_prefix).into(),
                    value: format!("{} {}", row.regime.as_str(), row.entry_id).into(),
                },
            ],
            reason: format!(
                "HS {digits} falls under {} entry {} ({}); the link is {}: {}",
                row.regime.as_str(),
                row.entry_id,
                row.description,
                match row.precision {
                    Precision::Exact => "exact",
                    Precision::Partial => "partial, a licence check is needed",
                    Precision::Indicative => "indicative",
                },
                row.source
            ),
        })
        .collect();
    found.sort_by(|a, b| {
        a.correlation
            .precision
            .cmp(&b.correlation.precision)
            .then(b.correlation.hs_prefix.len().cmp(&a.correlation.hs_prefix.len()))
    });
    found
}

#[cfg(test)]
mod tests {
    use aduana_core::HsCode;

    use super::*;

    fn item(code: &str) -> GoodsItem {
        let mut item: GoodsItem = serde_json::from_str(r#"{"sequence": 1}"#).expect("minimal goods item");
        item.hs_code = Some(HsCode::parse(code).expect("valid code"));
        item
    }

    #[test]
    fn shipped_table_loads_and_every_row_has_a_source() {
        let table = CorrelationTable::builtin();
        assert!(table.rows.len() > 40);
        assert!(table.rows.iter().all(|r| !r.source.is_empty()));
    }

    #[test]
    fn thiodiglycol_is_a_schedule_2_chemical_and_a_national_subheading_inherits_it() {
        let table = CorrelationTable::builtin();
        let found = strategic_goods(&item("2930700010"), &table);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].hit_id, "cwc_schedule_2/2.B.13");
        assert!(
            found[0].reason.contains("HS 2930700010 falls under cwc_schedule_2 entry 2.B.13"),
            "{}",
            found[0].reason
        );
    }

    #[test]
    fn an_uncontrolled_code_matches_nothing() {
        assert!(strategic_goods(&item("0101210010"), &CorrelationTable::builtin()).is_empty());
    }

    #[test]
    fn a_table_with_bad_rows_reports_each_with_line_and_column() {
        let csv = "hs_prefix,regime,entry_id,description,precision,source\n29X1,cwc_schedule_2,2.B.4,x,exact,s\n293141,cwc_schedule_9,2.B.4,x,exact,s\n293141,cwc_schedule_2,2.B.4,x,maybe,s\n";
        let errors = CorrelationTable::parse(csv.as_bytes(), "t.csv").expect_err("bad rows");
        let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(shown.len(), 3, "{shown:?}");
        assert!(shown[0].starts_with("t.csv:2:1: field hs_prefix: expected 2 to 10 digits"), "{shown:?}");
        assert!(shown[1].contains("field regime"), "{shown:?}");
        assert!(shown[2].contains("expected exact, partial or indicative, found `maybe`"), "{shown:?}");
    }
}
