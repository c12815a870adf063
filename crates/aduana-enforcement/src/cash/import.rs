//! The CSV layout for importing cash declarations and detections (documented in `docs/cash.md`): one record per
//! row, a header row naming the columns (in any order; optional columns may be left out), amounts in one column as
//! `instrument CURRENCY value` items separated by `;`. Every problem in the file is reported at once, each with the
//! file, line and column and what was expected.

use std::collections::{BTreeMap, BTreeSet};

use aduana_core::{CountryCode, CurrencyCode, Decimal};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

use crate::cash::declaration::{
    Amount, CashRecord, Detection, Direction, Finding, Instrument, Movement, Party, Person, Route, TransportMode,
};

/// Every column, required ones first.
pub const COLUMNS: &[&str] = &[
    "reference",
    "record",
    "at",
    "office",
    "direction",
    "movement",
    "declarant_name",
    "transport_mode",
    "amounts",
    "declarant_date_of_birth",
    "declarant_nationality",
    "declarant_document_type",
    "declarant_document_number",
    "declarant_address",
    "declarant_phone",
    "owner_name",
    "owner_address",
    "recipient_name",
    "recipient_address",
    "conveyance",
    "from_country",
    "to_country",
    "provenance",
    "intended_use",
    "suspicion",
    "finding",
    "detained",
];

/// How many leading entries of [`COLUMNS`] are required.
const REQUIRED: usize = 9;

/// One problem in an import file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The 1-based line.
    pub line: u64,
    /// The column, or `-` for the row as a whole.
    pub column: String,
    /// What is wrong: what was expected and what was found.
    pub message: String,
}

/// Why an import file was refused: every problem found, located.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", render(.file, .problems))]
pub struct ImportError {
    /// The file name.
    pub file: String,
    /// The problems, in file order.
    pub problems: Vec<Problem>,
}

fn render(file: &str, problems: &[Problem]) -> String {
    let lines: Vec<String> =
        problems.iter().map(|p| format!("{file}:{}: column {}: {}", p.line, p.column, p.message)).collect();
    lines.join("\n")
}

/// The most problems reported for one file.
const MAX_PROBLEMS: usize = 100;

/// Parses a CSV file of cash records; `name` is used in error locations.
pub fn parse_csv(bytes: &[u8], name: &str) -> Result<Vec<CashRecord>, ImportError> {
    let mut problems = Vec::new();
    let mut reader = csv::ReaderBuilder::new().flexible(true).has_headers(false).from_reader(bytes);
    let mut rows = reader.records();
    let fail = |problems: Vec<Problem>| ImportError { file: name.to_owned(), problems };
    let header = match rows.next() {
        None => {
            return Err(fail(vec![problem(1, "-", "expected a header row naming the columns, found an empty file")]));
        }
        Some(Err(error)) => return Err(fail(vec![problem(1, "-", &format!("expected CSV, found {error}"))])),
        Some(Ok(header)) => header,
    };
    let mut index = BTreeMap::new();
    for (position, column) in header.iter().enumerate() {
        let column = column.trim().trim_start_matches('\u{feff}');
        if !COLUMNS.contains(&column) {
            problems.push(problem(1, column, &format!("unknown column; expected one of {}", COLUMNS.join(", "))));
        } else if index.insert(column, position).is_some() {
            problems.push(problem(1, column, "column named twice"));
        }
    }
    for required in &COLUMNS[..REQUIRED] {
        if !index.contains_key(required) {
            problems.push(problem(1, required, "required column missing from the header"));
        }
    }
    if !problems.is_empty() {
        return Err(fail(problems));
    }
    let mut records = Vec::new();
    let mut seen = BTreeSet::new();
    for row in rows {
        if problems.len() >= MAX_PROBLEMS {
            break;
        }
        let row = match row {
            Ok(row) => row,
            Err(error) => {
                let line = error.position().map_or(0, |p| p.line());
                problems.push(problem(line, "-", &format!("expected a CSV row, found {error}")));
                continue;
            }
        };
        let line = row.position().map_or(0, |p| p.line());
        if row.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if row.len() != header.len() {
            problems.push(problem(
                line,
                "-",
                &format!("expected {} fields as in the header, found {}", header.len(), row.len()),
            ));
            continue;
        }
        let mut fields = Row { row: &row, index: &index, line, problems: Vec::new() };
        let record = fields.record();
        problems.append(&mut fields.problems);
        if let Some(record) = record {
            if !seen.insert(record.reference.clone()) {
                problems.push(problem(
                    line,
                    "reference",
                    &format!("`{}` appears on an earlier line", record.reference),
                ));
            }
            records.push(record);
        }
    }
    if problems.is_empty() { Ok(records) } else { Err(fail(problems)) }
}

/// Parses one record from named fields (a web form): the same columns and rules as a CSV row. Problems carry the
/// column and message; their line is 1.
pub fn parse_fields(fields: &[(&str, &str)]) -> Result<CashRecord, Vec<Problem>> {
    let mut index = BTreeMap::new();
    let mut values = Vec::new();
    let mut problems = Vec::new();
    for (name, value) in fields {
        match COLUMNS.iter().find(|c| **c == *name) {
            Some(column) => {
                index.insert(*column, values.len());
                values.push(*value);
            }
            None => problems.push(problem(1, name, "unknown field")),
        }
    }
    let row = csv::StringRecord::from(values);
    let mut reader = Row { row: &row, index: &index, line: 1, problems };
    let record = reader.record();
    match record {
        Some(record) if reader.problems.is_empty() => Ok(record),
        _ => Err(reader.problems),
    }
}

fn problem(line: u64, column: &str, message: &str) -> Problem {
    Problem { line, column: column.to_owned(), message: message.to_owned() }
}

/// One data row being read, collecting its problems.
struct Row<'a> {
    row: &'a csv::StringRecord,
    index: &'a BTreeMap<&'a str, usize>,
    line: u64,
    problems: Vec<Problem>,
}

impl Row<'_> {
    /// The trimmed text of a column, `None` when absent or empty.
    fn text(&self, column: &str) -> Option<String> {
        let value = self.index.get(column).and_then(|i| self.row.get(*i)).map(str::trim)?;
        (!value.is_empty()).then(|| value.to_owned())
    }

    fn expected(&mut self, column: &str, expected: &str, found: &str) {
        self.problems.push(problem(self.line, column, &format!("expected {expected}, found `{found}`")));
    }

    fn required(&mut self, column: &str) -> Option<String> {
        let value = self.text(column);
        if value.is_none() {
            self.problems.push(problem(self.line, column, "expected a value, found empty"));
        }
        value
    }

    fn choice<T: Copy>(&mut self, column: &str, options: &[(&str, T)]) -> Option<T> {
        let value = self.required(column)?;
        let found = options.iter().find(|(name, _)| name.eq_ignore_ascii_case(&value)).map(|(_, v)| *v);
        if found.is_none() {
            let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
            self.expected(column, &format!("one of {}", names.join(", ")), &value);
        }
        found
    }

    fn yes_no(&mut self, column: &str) -> bool {
        match self.text(column).map(|v| v.to_ascii_lowercase()).as_deref() {
            None | Some("no" | "false" | "n" | "0") => false,
            Some("yes" | "true" | "y" | "1") => true,
            Some(other) => {
                let other = other.to_owned();
                self.expected(column, "yes or no", &other);
                false
            }
        }
    }

    fn country(&mut self, column: &str) -> Option<CountryCode> {
        let value = self.text(column)?;
        let parsed = CountryCode::parse(&value).ok();
        if parsed.is_none() {
            self.expected(column, "an ISO 3166 alpha-2 country code", &value);
        }
        parsed
    }

    fn date(&mut self, column: &str) -> Option<NaiveDate> {
        let value = self.text(column)?;
        let parsed = NaiveDate::parse_from_str(&value, "%Y-%m-%d").ok();
        if parsed.is_none() {
            self.expected(column, "a date YYYY-MM-DD", &value);
        }
        parsed
    }

    fn at(&mut self) -> Option<DateTime<Utc>> {
        let value = self.required("at")?;
        let parsed = DateTime::parse_from_rfc3339(&value)
            .map(|t| t.with_timezone(&Utc))
            .ok()
            .or_else(|| NaiveDateTime::parse_from_str(&value, "%Y-%m-%d %H:%M").ok().map(|t| t.and_utc()));
        if parsed.is_none() {
            self.expected("at", "a time as RFC 3339 (2025-03-01T10:15:00Z) or `YYYY-MM-DD HH:MM` (UTC)", &value);
        }
        parsed
    }

    fn amounts(&mut self) -> Option<Vec<Amount>> {
        let value = self.required("amounts")?;
        let mut amounts = Vec::new();
        let mut ok = true;
        for item in value.split(';').map(str::trim).filter(|i| !i.is_empty()) {
            match parse_amount(item) {
                Ok(amount) => amounts.push(amount),
                Err(expected) => {
                    self.expected("amounts", expected, item);
                    ok = false;
                }
            }
        }
        if ok && amounts.is_empty() {
            self.expected("amounts", "at least one `instrument CURRENCY value`", &value);
            ok = false;
        }
        ok.then_some(amounts)
    }

    fn person(&mut self) -> Option<Person> {
        let name = self.required("declarant_name")?;
        Some(Person {
            name,
            date_of_birth: self.date("declarant_date_of_birth"),
            nationality: self.country("declarant_nationality"),
            document_type: self.text("declarant_document_type"),
            document_number: self.text("declarant_document_number"),
            address: self.text("declarant_address"),
            phone: self.text("declarant_phone"),
        })
    }

    fn party(&self, prefix: &str) -> Option<Party> {
        let name = self.text(&format!("{prefix}_name"))?;
        Some(Party { name, address: self.text(&format!("{prefix}_address")) })
    }

    fn record(&mut self) -> Option<CashRecord> {
        let reference = self.required("reference");
        let is_detection = self.choice("record", &[("declaration", false), ("detection", true)]);
        let at = self.at();
        let office = self.required("office");
        let direction = self.choice("direction", &[("entering", Direction::Entering), ("leaving", Direction::Leaving)]);
        let movement = self
            .choice("movement", &[("accompanied", Movement::Accompanied), ("unaccompanied", Movement::Unaccompanied)]);
        let declarant = self.person();
        let modes: Vec<(&str, TransportMode)> = TransportMode::ALL.iter().map(|m| (m.as_str(), *m)).collect();
        let mode = self.choice("transport_mode", &modes);
        let from_country = self.country("from_country");
        let to_country = self.country("to_country");
        let amounts = self.amounts();
        let suspicion = self.yes_no("suspicion");
        let detained = self.yes_no("detained");
        let finding = self.text("finding");
        let detection = match (is_detection, finding) {
            (Some(true), None) => {
                self.problems.push(problem(
                    self.line,
                    "finding",
                    "expected undeclared or incorrect for a detection, found empty",
                ));
                None
            }
            (Some(true), Some(text)) => {
                let finding = match text.to_ascii_lowercase().as_str() {
                    "undeclared" => Some(Finding::Undeclared),
                    "incorrect" => Some(Finding::Incorrect),
                    _ => {
                        self.expected("finding", "one of undeclared, incorrect", &text);
                        None
                    }
                };
                finding.map(|finding| Detection { finding, detained })
            }
            (Some(false), Some(text)) => {
                self.expected("finding", "empty for a declaration (findings belong to detections)", &text);
                None
            }
            (_, _) => {
                if detained && is_detection == Some(false) {
                    self.expected("detained", "no for a declaration (detention follows a detection)", "yes");
                }
                None
            }
        };
        if !self.problems.is_empty() {
            return None;
        }
        Some(CashRecord {
            reference: reference?,
            at: at?,
            office: office?,
            direction: direction?,
            movement: movement?,
            declarant: declarant?,
            owner: self.party("owner"),
            recipient: self.party("recipient"),
            route: Route { mode: mode?, conveyance: self.text("conveyance"), from_country, to_country },
            amounts: amounts?,
            provenance: self.text("provenance"),
            intended_use: self.text("intended_use"),
            suspicion,
            detection,
        })
    }
}

/// Parses `instrument CURRENCY value`; the error says what was expected.
fn parse_amount(item: &str) -> Result<Amount, &'static str> {
    const EXPECTED: &str = "`instrument CURRENCY value` with instrument one of currency, travellers_cheques, \
                            negotiable_instruments, prepaid_cards, commodities";
    let parts: Vec<&str> = item.split_whitespace().collect();
    let [instrument, currency, value] = parts.as_slice() else { return Err(EXPECTED) };
    let instrument = Instrument::parse(&instrument.to_ascii_lowercase()).ok_or(EXPECTED)?;
    let currency =
        CurrencyCode::parse(currency).map_err(|_| "an ISO 4217 currency code in `instrument CURRENCY value`")?;
    let value: Decimal = value
        .replace('_', "")
        .parse()
        .ok()
        .filter(|v: &Decimal| *v > Decimal::ZERO)
        .ok_or("a positive amount such as 9500 or 9500.50 in `instrument CURRENCY value`")?;
    Ok(Amount { instrument, currency, value })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "reference,record,at,office,direction,movement,declarant_name,declarant_document_number,\
                          transport_mode,conveyance,amounts,finding,detained";

    #[test]
    fn a_declaration_and_a_detection_are_read() {
        let csv = format!(
            "{HEADER}\nCD-1,declaration,2025-03-01T10:15:00Z,Madrid-Barajas,entering,accompanied,Ana Ruiz,PA1,air,\
             IB6000,currency EUR 9500; commodities USD 2000,,\nCD-2,detection,2025-03-02 11:00,Algeciras,leaving,\
             accompanied,Luis Gil,,sea,,currency EUR 25000,undeclared,yes\n"
        );
        let records = parse_csv(csv.as_bytes(), "cash.csv").expect("a valid file");
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].amounts_text(), "currency EUR 9500; commodities USD 2000");
        assert_eq!(records[0].kind(), "declaration");
        assert_eq!(records[1].detection, Some(Detection { finding: Finding::Undeclared, detained: true }));
        assert_eq!(records[1].route.mode, TransportMode::Sea);
        assert!(records[1].must_share() && !records[0].must_share());
    }

    #[test]
    fn every_problem_is_reported_with_line_column_and_expectation() {
        let csv = format!(
            "{HEADER}\nCD-1,declaration,yesterday,Madrid,in,accompanied,Ana Ruiz,PA1,plane,IB6000,cash EUR 10,,\n\
             CD-2,detection,2025-03-02 11:00,Algeciras,leaving,accompanied,,,sea,,currency XYZ 5; currency EUR -3,,maybe\n\
             CD-3,declaration,2025-03-02 11:00,Algeciras\n"
        );
        let error = parse_csv(csv.as_bytes(), "cash.csv").expect_err("a bad file");
        let expected = [
            "cash.csv:2: column at: expected a time as RFC 3339 (2025-03-01T10:15:00Z) or `YYYY-MM-DD HH:MM` (UTC), found `yesterday`",
            "cash.csv:2: column direction: expected one of entering, leaving, found `in`",
            "cash.csv:2: column transport_mode: expected one of air, sea, road, rail, post, courier, other, found `plane`",
            "cash.csv:2: column amounts: expected `instrument CURRENCY value` with instrument one of currency, travellers_cheques, negotiable_instruments, prepaid_cards, commodities, found `cash EUR 10`",
            "cash.csv:3: column declarant_name: expected a value, found empty",
            "cash.csv:3: column amounts: expected an ISO 4217 currency code in `instrument CURRENCY value`, found `currency XYZ 5`",
            "cash.csv:3: column amounts: expected a positive amount such as 9500 or 9500.50 in `instrument CURRENCY value`, found `currency EUR -3`",
            "cash.csv:3: column detained: expected yes or no, found `maybe`",
            "cash.csv:3: column finding: expected undeclared or incorrect for a detection, found empty",
            "cash.csv:4: column -: expected 13 fields as in the header, found 4",
        ];
        assert_eq!(error.to_string(), expected.join("\n"));
    }

    #[test]
    fn header_problems_are_reported_before_any_row() {
        let error = parse_csv(b"reference,colour\nX,red\n", "h.csv").expect_err("a bad header");
        let text = error.to_string();
        assert!(
            text.starts_with("h.csv:1: column colour: unknown column; expected one of reference, record"),
            "{text}"
        );
        assert!(text.contains("h.csv:1: column amounts: required column missing from the header"), "{text}");
        assert_eq!(
            parse_csv(b"", "e.csv").expect_err("empty").to_string(),
            "e.csv:1: column -: expected a header row naming the columns, found an empty file"
        );
    }

    #[test]
    fn form_fields_are_read_with_the_csv_rules() {
        let mut fields = vec![
            ("reference", "W-1"),
            ("record", "declaration"),
            ("at", "2025-03-03 10:00"),
            ("office", "Madrid"),
            ("direction", "entering"),
            ("movement", "accompanied"),
            ("declarant_name", "Ana Ruiz"),
            ("transport_mode", "air"),
            ("amounts", "currency EUR 9500"),
            ("finding", ""),
        ];
        let record = parse_fields(&fields).expect("valid fields");
        assert_eq!(record.reference, "W-1");
        fields[8] = ("amounts", "");
        fields.push(("colour", "red"));
        let problems = parse_fields(&fields).expect_err("bad fields");
        let columns: Vec<&str> = problems.iter().map(|p| p.column.as_str()).collect();
        assert_eq!(columns, ["colour", "amounts"]);
    }

    #[test]
    fn a_repeated_reference_is_refused() {
        let row =
            "CD-1,declaration,2025-03-01T10:15:00Z,Madrid,entering,accompanied,Ana Ruiz,PA1,air,IB1,currency EUR 5,,";
        let csv = format!("{HEADER}\n{row}\n{row}\n");
        let error = parse_csv(csv.as_bytes(), "d.csv").expect_err("a duplicate");
        assert_eq!(error.to_string(), "d.csv:3: column reference: `CD-1` appears on an earlier line");
    }
}
