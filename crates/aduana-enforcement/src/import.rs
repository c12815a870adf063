//! Reading historical seizures from CSV (the layout is in `docs/enforcement.md`): one case per row, a header row
//! naming the columns (any order; unknown columns are refused so that a misspelt one is not silently dropped).
//! Every problem is reported with its line and column name, all in one pass.

use std::io::Read;

use aduana_core::{ContainerNumber, CountryCode, HsCode, ImoNumber, LoCode, Location, LocationPath};
use chrono::NaiveDate;

use crate::case::{Case, CaseStatus, Company, Conveyance, Person, PersonRole, Quantity, Restriction, Route};
use crate::taxonomy::{CommodityArea, Concealment, DetectionMethod, Unit};

/// The columns of the layout; the first five are required.
pub const COLUMNS: &[&str] = &[
    "date",
    "office",
    "commodity_area",
    "commodity",
    "detection_method",
    "concealment",
    "locode",
    "hs_code",
    "quantity",
    "unit",
    "concealment_details",
    "departure",
    "transit",
    "destination",
    "vessel_imo",
    "vessel_name",
    "flight",
    "vehicle_plate",
    "containers",
    "persons",
    "companies",
    "status",
    "narrative",
];

const REQUIRED: usize = 5;

/// A problem in an import file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {message}")]
pub struct ImportError {
    /// File, line and column name.
    pub location: Location,
    /// What was expected and found.
    pub message: String,
}

fn error(source: &str, line: u64, field: Option<&str>, message: String) -> ImportError {
    ImportError {
        location: Location {
            file: Some(source.to_owned()),
            line: Some(line),
            column: None,
            path: field.map(|f| LocationPath::Field { field: f.to_owned() }),
        },
        message,
    }
}

/// Reads every row of a seizures CSV; returns the cases, or every problem found (nothing is half-read).
///
/// # Errors
/// Each located problem: a missing or unknown column, an unparsable value, a CSV syntax error.
pub fn read_seizures(reader: impl Read, source: &str) -> Result<Vec<Case>, Vec<ImportError>> {
    let mut csv = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(reader);
    let mut records = csv.records();
    let header = match records.next() {
        Some(Ok(header)) => header,
        Some(Err(e)) => return Err(vec![error(source, 1, None, format!("expected a CSV header row: {e}"))]),
        None => return Err(vec![error(source, 1, None, "expected a header row, found an empty file".to_owned())]),
    };
    let mut errors = Vec::new();
    let mut index = vec![None; COLUMNS.len()];
    for (position, name) in header.iter().enumerate() {
        let name = name.trim().trim_start_matches('\u{feff}');
        match COLUMNS.iter().position(|c| *c == name) {
            Some(column) => index[column] = Some(position),
            None => errors.push(error(
                source,
                1,
                Some(name),
                format!("unknown column; expected one of {}", COLUMNS.join(", ")),
            )),
        }
    }
    for (column, found) in index.iter().enumerate().take(REQUIRED) {
        if found.is_none() {
            errors.push(error(
                source,
                1,
                Some(COLUMNS[column]),
                "expected this required column in the header".to_owned(),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut cases = Vec::new();
    for record in records {
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                errors.push(error(source, line, None, format!("malformed CSV: {e}")));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let row = Row { source, line, record: &record, index: &index };
        match row.case() {
            Ok(case) => cases.push(case),
            Err(mut row_errors) => errors.append(&mut row_errors),
        }
    }
    if errors.is_empty() { Ok(cases) } else { Err(errors) }
}

/// One data row being read.
struct Row<'a> {
    source: &'a str,
    line: u64,
    record: &'a csv::StringRecord,
    index: &'a [Option<usize>],
}

impl Row<'_> {
    fn get(&self, column: &str) -> &str {
        let position = COLUMNS.iter().position(|c| *c == column).and_then(|c| self.index[c]);
        position.and_then(|p| self.record.get(p)).unwrap_or("").trim()
    }

    fn optional(&self, column: &str) -> Option<String> {
        let value = self.get(column);
        (!value.is_empty()).then(|| value.to_owned())
    }

    fn list(&self, column: &str) -> Vec<&str> {
        self.get(column).split(';').map(str::trim).filter(|v| !v.is_empty()).collect()
    }

    fn parse<T, E: std::fmt::Display>(
        &self,
        errors: &mut Vec<ImportError>,
        column: &str,
        value: &str,
        parse: impl Fn(&str) -> Result<T, E>,
    ) -> Option<T> {
        match parse(value) {
            Ok(v) => Some(v),
            Err(e) => {
                errors.push(error(self.source, self.line, Some(column), e.to_string()));
                None
            }
        }
    }

    fn optional_code<T, E: std::fmt::Display>(
        &self,
        errors: &mut Vec<ImportError>,
        column: &str,
        parse: impl Fn(&str) -> Result<T, E>,
    ) -> Option<T> {
        let value = self.get(column);
        if value.is_empty() { None } else { self.parse(errors, column, value, parse) }
    }

    fn required<T, E: std::fmt::Display>(
        &self,
        errors: &mut Vec<ImportError>,
        column: &str,
        parse: impl Fn(&str) -> Result<T, E>,
    ) -> Option<T> {
        let value = self.get(column);
        if value.is_empty() {
            errors.push(error(
                self.source,
                self.line,
                Some(column),
                "expected a value, found an empty field".to_owned(),
            ));
            return None;
        }
        self.parse(errors, column, value, parse)
    }

    fn case(&self) -> Result<Case, Vec<ImportError>> {
        let mut errors = Vec::new();
        let e = &mut errors;
        let date = self.required(e, "date", |v| {
            NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| format!("expected a date as YYYY-MM-DD, found `{v}`"))
        });
        let office = self.required(e, "office", |v| Ok::<_, String>(v.to_owned()));
        let commodity_area = self.required(e, "commodity_area", CommodityArea::parse);
        let commodity = self.required(e, "commodity", |v| Ok::<_, String>(v.to_owned()));
        let detection_method = self.required(e, "detection_method", DetectionMethod::parse);
        let concealment = self.optional_code(e, "concealment", Concealment::parse).unwrap_or(Concealment::Other);
        let locode = self.optional_code(e, "locode", LoCode::parse);
        let hs_code = self.optional_code(e, "hs_code", HsCode::parse);
        let amount = self.optional_code(e, "quantity", |v| match v.parse::<f64>() {
            Ok(a) if a.is_finite() && a > 0.0 => Ok(a),
            _ => Err(format!("expected a positive number, found `{v}`")),
        });
        let unit = self.optional_code(e, "unit", Unit::parse);
        let quantities = match (amount, unit) {
            (Some(amount), Some(unit)) => vec![Quantity { amount, unit }],
            (Some(_), None) if self.get("unit").is_empty() => {
                e.push(error(self.source, self.line, Some("unit"), "expected the unit of the quantity".to_owned()));
                Vec::new()
            }
            _ => Vec::new(),
        };
        let country = |v: &str| CountryCode::parse(v);
        let departure = self.optional_code(e, "departure", country);
        let transit = self.list("transit").into_iter().filter_map(|v| self.parse(e, "transit", v, country)).collect();
        let destination = self.optional_code(e, "destination", country);
        let vessel_imo = self.optional_code(e, "vessel_imo", ImoNumber::parse);
        let containers = self
            .list("containers")
            .into_iter()
            .filter_map(|v| self.parse(e, "containers", v, ContainerNumber::parse))
            .collect();
        let status = self
            .optional_code(e, "status", |v| {
                serde_json::from_value::<CaseStatus>(serde_json::Value::String(v.to_owned())).map_err(|_| {
                    format!("expected a status (open, under_investigation, referred, closed), found `{v}`")
                })
            })
            .unwrap_or(CaseStatus::Closed);
        let persons = self
            .list("persons")
            .into_iter()
            .map(|name| Person {
                name: name.to_owned(),
                role: PersonRole::Suspect,
                date_of_birth: None,
                nationality: None,
                documents: Vec::new(),
                addresses: Vec::new(),
                phones: Vec::new(),
            })
            .collect();
        let companies = self
            .list("companies")
            .into_iter()
            .map(|name| Company {
                name: name.to_owned(),
                identifier: None,
                country: None,
                addresses: Vec::new(),
                phones: Vec::new(),
            })
            .collect();
        let (Some(date), Some(office), Some(commodity_area), Some(commodity), Some(detection_method)) =
            (date, office, commodity_area, commodity, detection_method)
        else {
            return Err(errors);
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Case {
            date,
            office,
            locode,
            detection_method,
            commodity_area,
            commodity,
            hs_code,
            quantities,
            concealment,
            concealment_details: self.get("concealment_details").to_owned(),
            conveyance: Conveyance {
                vessel_imo,
                vessel_name: self.optional("vessel_name"),
                flight: self.optional("flight"),
                vehicle_plate: self.optional("vehicle_plate"),
                containers,
            },
            route: Route { departure, transit, destination },
            persons,
            companies,
            consignment_ids: Vec::new(),
            examination_ids: Vec::new(),
            status,
            restriction: Restriction::default(),
            narrative: self.get("narrative").to_owned(),
            investigation: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "\
date,office,commodity_area,commodity,detection_method,concealment,locode,quantity,unit,departure,transit,destination,containers,persons,companies
2019-05-02,Antwerp,drugs,cocaine,x_ray,container_structure,BEANR,250,kg,CO,PA;ES,BE,CSQU3054383,Pedro Alvarez;Ana Ruiz,Frutas SA
2019-06-10,Schiphol,tobacco,cigarettes,dog,baggage,NLAMS,12000,sticks,AE,,NL,,,
";

    #[test]
    fn a_good_file_reads_into_cases() {
        let cases = read_seizures(GOOD.as_bytes(), "seizures.csv").expect("good rows");
        assert_eq!(cases.len(), 2);
        assert_eq!(cases[0].persons.len(), 2);
        assert_eq!(cases[0].route.label().as_deref(), Some("CO>PA>ES>BE"));
        assert_eq!(cases[1].quantities[0].unit, Unit::Sticks);
        assert_eq!(cases[1].status, CaseStatus::Closed);
    }

    #[test]
    fn every_bad_field_is_reported_with_its_line_and_column() {
        let input = "\
date,office,commodity_area,commodity,detection_method,containers,quantity
2019-13-01,Antwerp,drugs,cocaine,x_ray,,
2019-05-02,,diamonds,cocaine,x_ray,CSQU3054384,-3
";
        let errors = read_seizures(input.as_bytes(), "bad.csv").expect_err("bad rows");
        let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            messages,
            [
                "bad.csv:2: field date: expected a date as YYYY-MM-DD, found `2019-13-01`",
                "bad.csv:3: field office: expected a value, found an empty field",
                "bad.csv:3: field commodity_area: expected a commodity area (drugs, tobacco, alcohol, ipr, weapons, \
                 cites, cultural_goods, currency, precursors, strategic_goods, environment, revenue, other), found \
                 `diamonds`",
                "bad.csv:3: field quantity: expected a positive number, found `-3`",
                "bad.csv:3: field containers: invalid container number: \"CSQU3054384\": check digit is 4, expected 3",
            ]
        );
    }

    #[test]
    fn a_header_with_unknown_or_missing_columns_is_refused() {
        let errors = read_seizures("date,ofice,commodity_area,commodity,detection_method\n".as_bytes(), "h.csv")
            .expect_err("a bad header");
        let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert!(
            messages[0].starts_with("h.csv:1: field ofice: unknown column; expected one of date, office"),
            "{messages:?}"
        );
        assert_eq!(messages[1], "h.csv:1: field office: expected this required column in the header");
        let empty = read_seizures("".as_bytes(), "e.csv").expect_err("empty");
        assert_eq!(empty[0].to_string(), "e.csv:1: expected a header row, found an empty file");
    }
}
