//! The register of authorised economic operators (AEO): who holds which programme's authorisation, its status
//! and validity, and whether this administration recognises it (its own programme, or a partner's under a mutual
//! recognition agreement). Read from CSV (see `docs/aeo-register.md`).

use aduana_core::PartyIdentifier;
use chrono::NaiveDate;

/// An operator's authorisation status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AeoStatus {
    /// In force.
    Valid,
    /// Suspended pending review: no benefit.
    Suspended,
    /// Revoked: no benefit.
    Revoked,
}

impl AeoStatus {
    /// Returns the status's name as the CSV writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            AeoStatus::Valid => "valid",
            AeoStatus::Suspended => "suspended",
            AeoStatus::Revoked => "revoked",
        }
    }
}

/// One authorised operator.
#[derive(Debug, Clone, PartialEq)]
pub struct AeoOperator {
    /// The identifier (EORI, TIN or a partner programme's number), upper case.
    pub identifier: String,
    /// The operator's name.
    pub name: String,
    /// The programme (`EU-AEOF`, `US-CTPAT`, `CN-AEO`…).
    pub programme: String,
    /// The status.
    pub status: AeoStatus,
    /// The first day of validity.
    pub valid_from: NaiveDate,
    /// The last day of validity, if it ends.
    pub valid_to: Option<NaiveDate>,
    /// Under what this administration recognises the programme: `national` or the name of a mutual recognition
    /// agreement; `None` when it does not recognise it.
    pub recognised_under: Option<String>,
}

impl AeoOperator {
    /// Returns whether the operator gets the AEO benefit on a date.
    pub fn benefits_on(&self, date: NaiveDate) -> bool {
        self.status == AeoStatus::Valid
            && self.recognised_under.is_some()
            && date >= self.valid_from
            && self.valid_to.is_none_or(|to| date <= to)
    }
}

/// The AEO register.
#[derive(Debug, Clone, Default)]
pub struct AeoRegister {
    /// The register's version (the number of operators and a fingerprint of the content).
    pub version: String,
    operators: Vec<AeoOperator>,
}

/// An error in an AEO register file, located by line and column name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{source_name}:{line}: column `{column}`: {message}")]
pub struct AeoError {
    /// The source name.
    pub source_name: String,
    /// The 1-based line.
    pub line: u64,
    /// The column name.
    pub column: String,
    /// What was expected and found.
    pub message: String,
}

const COLUMNS: &[&str] = &["identifier", "name", "programme", "status", "valid_from", "valid_to", "recognised_under"];

impl AeoRegister {
    /// Builds a register from operators.
    pub fn new(version: impl Into<String>, mut operators: Vec<AeoOperator>) -> AeoRegister {
        operators.sort_by(|a, b| a.identifier.cmp(&b.identifier).then(a.programme.cmp(&b.programme)));
        AeoRegister { version: version.into(), operators }
    }

    /// Parses a register from CSV with the header `identifier,name,programme,status,valid_from,valid_to,
    /// recognised_under` (column order free; `#` lines are comments); reports every bad cell.
    pub fn parse_csv(bytes: &[u8], source_name: &str) -> Result<AeoRegister, Vec<AeoError>> {
        let error = |line: u64, column: &str, message: String| AeoError {
            source_name: source_name.to_owned(),
            line,
            column: column.to_owned(),
            message,
        };
        let mut reader = csv::ReaderBuilder::new().comment(Some(b'#')).flexible(false).from_reader(bytes);
        let headers = match reader.headers() {
            Ok(h) => h.clone(),
            Err(e) => return Err(vec![error(1, "", format!("expected a CSV header, found {e}"))]),
        };
        let position = |name: &str| headers.iter().position(|h| h.trim() == name);
        let mut errors = Vec::new();
        let mut columns = [0usize; 7];
        for (slot, name) in columns.iter_mut().zip(COLUMNS) {
            match position(name) {
                Some(p) => *slot = p,
                None => errors.push(error(1, name, format!("expected a `{name}` column in the header"))),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut operators = Vec::new();
        let mut hash = crate::selection::Fnv::new();
        for record in reader.records() {
            let record = match record {
                Ok(r) => r,
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    errors.push(error(line, "", format!("expected {} fields, found {e}", COLUMNS.len())));
                    continue;
                }
            };
            let line = record.position().map_or(0, |p| p.line());
            let cell = |i: usize| record.get(columns[i]).unwrap_or("").trim();
            for i in 0..COLUMNS.len() {
                hash.write(cell(i).as_bytes());
                hash.write(b",");
            }
            let mut required = |i: usize| {
                let value = cell(i);
                if value.is_empty() {
                    errors.push(error(line, COLUMNS[i], "expected a value, found an empty cell".to_owned()));
                }
                value.to_owned()
            };
            let identifier = required(0).to_uppercase();
            let name = required(1);
            let programme = required(2);
            let status = match cell(3) {
                "valid" => Some(AeoStatus::Valid),
                "suspended" => Some(AeoStatus::Suspended),
                "revoked" => Some(AeoStatus::Revoked),
                other => {
                    let message = format!("expected valid, suspended or revoked, found `{other}`");
                    errors.push(error(line, "status", message));
                    None
                }
            };
            let mut date = |i: usize, optional: bool| {
                let value = cell(i);
                if optional && value.is_empty() {
                    return None;
                }
                let parsed = NaiveDate::parse_from_str(value, "%Y-%m-%d").ok();
                if parsed.is_none() {
                    errors.push(error(line, COLUMNS[i], format!("expected a date YYYY-MM-DD, found `{value}`")));
                }
                parsed
            };
            let valid_from = date(4, false);
            let valid_to = date(5, true);
            let recognised_under = Some(cell(6).to_owned()).filter(|s| !s.is_empty());
            if let (Some(status), Some(valid_from)) = (status, valid_from) {
                operators.push(AeoOperator {
                    identifier,
                    name,
                    programme,
                    status,
                    valid_from,
                    valid_to,
                    recognised_under,
                });
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let version = format!("{}:{:016x}", operators.len(), hash.finish());
        Ok(AeoRegister::new(version, operators))
    }

    /// Returns the register's entries for an identifier.
    pub fn lookup<'a>(&'a self, identifier: &PartyIdentifier) -> impl Iterator<Item = &'a AeoOperator> + 'a {
        let wanted = identifier.value.trim().to_uppercase();
        let start = self.operators.partition_point(|o| o.identifier < wanted);
        self.operators[start..].iter().take_while(move |o| o.identifier == wanted)
    }

    /// Returns the operators.
    pub fn operators(&self) -> &[AeoOperator] {
        &self.operators
    }
}
