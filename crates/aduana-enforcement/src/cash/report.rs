//! The report for the financial intelligence unit (Art. 9 of Regulation 2018/1672): every declaration and
//! detection of a period, one row each, with the total in euro, whether it reaches the threshold, and where it
//! stands with sharing. The same rows are written as CSV and JSON; the columns are documented in `docs/cash.md`.

use aduana_core::Decimal;
use chrono::NaiveDate;
use serde::Serialize;

use crate::cash::declaration::CashRecord;
use crate::cash::rates::{RateError, RateTable, Threshold};
use crate::cash::sharing::{SharingCalendar, SharingRecord, SharingStatus};

/// The version of the report layout, written in the JSON form.
pub const REPORT_VERSION: u32 = 1;

/// One record to report, with what the store knows about its sharing.
#[derive(Debug, Clone, Copy)]
pub struct ReportEntry<'a> {
    /// The stored record's id.
    pub id: i64,
    /// The record.
    pub record: &'a CashRecord,
    /// When it was shared, if it was.
    pub shared: Option<&'a SharingRecord>,
}

/// One row of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FiuRow {
    pub id: i64,
    pub reference: String,
    pub record: &'static str,
    pub finding: String,
    pub at: String,
    pub office: String,
    pub direction: &'static str,
    pub movement: &'static str,
    pub declarant_name: String,
    pub declarant_date_of_birth: String,
    pub declarant_nationality: String,
    pub declarant_document_type: String,
    pub declarant_document_number: String,
    pub declarant_address: String,
    pub owner_name: String,
    pub recipient_name: String,
    pub transport_mode: &'static str,
    pub conveyance: String,
    pub from_country: String,
    pub to_country: String,
    pub amounts: String,
    pub total_eur: Decimal,
    pub at_or_above_threshold: bool,
    pub provenance: String,
    pub intended_use: String,
    pub suspicion: bool,
    pub detained: bool,
    pub sharing_status: &'static str,
    pub sharing_due: String,
    pub shared_with: String,
    pub shared_at: String,
}

/// The report over a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FiuReport {
    /// The layout version.
    pub version: u32,
    /// The first day of the period.
    pub from: NaiveDate,
    /// The last day of the period.
    pub to: NaiveDate,
    /// The threshold in euro.
    pub threshold_eur: Decimal,
    /// Where the exchange rates came from.
    pub rates: String,
    /// The day sharing statuses were computed for.
    pub as_of: NaiveDate,
    /// The rows, oldest first.
    pub rows: Vec<FiuRow>,
}

/// What the report is computed with.
#[derive(Debug, Clone, Copy)]
pub struct ReportContext<'a> {
    /// The conversion into euro.
    pub rates: &'a RateTable,
    /// The threshold.
    pub threshold: Threshold,
    /// The sharing deadline and calendar.
    pub calendar: &'a SharingCalendar,
    /// The day statuses are computed for.
    pub today: NaiveDate,
}

fn text<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

impl FiuRow {
    /// Builds the row of one record.
    pub fn new(entry: &ReportEntry<'_>, context: &ReportContext<'_>) -> Result<FiuRow, RateError> {
        let record = entry.record;
        let total_eur = context.rates.total_eur(&record.amounts)?;
        let day = record.at.date_naive();
        let must_share = record.must_share();
        let status = context.calendar.status(must_share, day, entry.shared.is_some(), context.today);
        let person = &record.declarant;
        Ok(FiuRow {
            id: entry.id,
            reference: record.reference.clone(),
            record: record.kind(),
            finding: text(record.detection.as_ref().map(|d| d.finding.as_str())),
            at: record.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            office: record.office.clone(),
            direction: record.direction.as_str(),
            movement: record.movement.as_str(),
            declarant_name: person.name.clone(),
            declarant_date_of_birth: text(person.date_of_birth),
            declarant_nationality: text(person.nationality.as_ref()),
            declarant_document_type: text(person.document_type.as_ref()),
            declarant_document_number: text(person.document_number.as_ref()),
            declarant_address: text(person.address.as_ref()),
            owner_name: text(record.owner.as_ref().map(|p| &p.name)),
            recipient_name: text(record.recipient.as_ref().map(|p| &p.name)),
            transport_mode: record.route.mode.as_str(),
            conveyance: text(record.route.conveyance.as_ref()),
            from_country: text(record.route.from_country.as_ref()),
            to_country: text(record.route.to_country.as_ref()),
            amounts: record.amounts_text(),
            total_eur,
            at_or_above_threshold: context.threshold.is_reached_by(total_eur),
            provenance: text(record.provenance.as_ref()),
            intended_use: text(record.intended_use.as_ref()),
            suspicion: record.suspicion,
            detained: record.detained(),
            sharing_status: status.as_str(),
            sharing_due: if must_share { context.calendar.due_date(day).to_string() } else { String::new() },
            shared_with: text(entry.shared.map(|s| &s.with)),
            shared_at: text(entry.shared.map(|s| &s.at)),
        })
    }

    /// The sharing status as a value.
    pub fn status(&self) -> SharingStatus {
        match self.sharing_status {
            "due" => SharingStatus::Due,
            "overdue" => SharingStatus::Overdue,
            "shared" => SharingStatus::Shared,
            _ => SharingStatus::NotRequired,
        }
    }
}

impl FiuReport {
    /// Builds the report of the records of a period (the caller selects them; they are ordered by time here).
    pub fn build(
        from: NaiveDate,
        to: NaiveDate,
        entries: &[ReportEntry<'_>],
        context: &ReportContext<'_>,
    ) -> Result<FiuReport, RateError> {
        let mut rows = entries.iter().map(|e| FiuRow::new(e, context)).collect::<Result<Vec<_>, _>>()?;
        rows.sort_by(|a, b| (&a.at, &a.reference).cmp(&(&b.at, &b.reference)));
        Ok(FiuReport {
            version: REPORT_VERSION,
            from,
            to,
            threshold_eur: context.threshold.eur(),
            rates: context.rates.source_name().to_owned(),
            as_of: context.today,
            rows,
        })
    }

    /// The rows as CSV with a header row.
    ///
    /// # Panics
    /// Never: writing CSV into memory cannot fail and the rows hold only strings, numbers and booleans.
    pub fn to_csv(&self) -> String {
        let mut writer = csv::Writer::from_writer(Vec::new());
        if self.rows.is_empty() {
            // serde writes the header with the first row; an empty report still gets its header.
            writer.write_record(COLUMNS).expect("writing CSV into memory");
        }
        for row in &self.rows {
            writer.serialize(row).expect("writing CSV into memory");
        }
        let bytes = writer.into_inner().expect("flushing CSV into memory");
        String::from_utf8(bytes).expect("CSV of UTF-8 strings is UTF-8")
    }
}

/// The report's columns, in order (the fields of [`FiuRow`]).
pub const COLUMNS: &[&str] = &[
    "id",
    "reference",
    "record",
    "finding",
    "at",
    "office",
    "direction",
    "movement",
    "declarant_name",
    "declarant_date_of_birth",
    "declarant_nationality",
    "declarant_document_type",
    "declarant_document_number",
    "declarant_address",
    "owner_name",
    "recipient_name",
    "transport_mode",
    "conveyance",
    "from_country",
    "to_country",
    "amounts",
    "total_eur",
    "at_or_above_threshold",
    "provenance",
    "intended_use",
    "suspicion",
    "detained",
    "sharing_status",
    "sharing_due",
    "shared_with",
    "shared_at",
];

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::cash::import::parse_csv;

    fn records() -> Vec<CashRecord> {
        let csv = "reference,record,at,office,direction,movement,declarant_name,transport_mode,amounts,finding,detained\n\
                   CD-1,declaration,2025-03-03T10:00:00Z,Madrid,entering,accompanied,Ana Ruiz,air,currency USD 12000,,\n\
                   DT-1,detection,2025-03-04T10:00:00Z,Madrid,leaving,accompanied,Luis Gil,air,currency EUR 30000,undeclared,yes\n";
        parse_csv(csv.as_bytes(), "r.csv").expect("valid")
    }

    #[test]
    fn report_rows_have_totals_threshold_and_sharing_status() {
        let records = records();
        let shared =
            SharingRecord { with: "FIU-ES".to_owned(), at: "2025-03-05T09:00:00Z".to_owned(), by: "o1".to_owned() };
        let entries = [
            ReportEntry { id: 1, record: &records[0], shared: None },
            ReportEntry { id: 2, record: &records[1], shared: None },
        ];
        let calendar = SharingCalendar { deadline_working_days: 15, holidays: BTreeSet::new() };
        let rates = RateTable::builtin();
        let threshold = Threshold::new(Threshold::EU_DEFAULT_EUR).expect("positive");
        let today = NaiveDate::from_ymd_opt(2025, 3, 26).expect("date");
        let context = ReportContext { rates: &rates, threshold, calendar: &calendar, today };
        let from = NaiveDate::from_ymd_opt(2025, 3, 1).expect("date");
        let report = FiuReport::build(from, today, &entries, &context).expect("rates");
        assert_eq!(report.rows[0].total_eur, "11209.72".parse::<Decimal>().expect("decimal"));
        assert!(report.rows[0].at_or_above_threshold);
        assert_eq!(report.rows[0].sharing_status, "not_required");
        // Tue 4 March + 15 working days = Tue 25 March; on the 26th it is overdue.
        assert_eq!(report.rows[1].sharing_due, "2025-03-25");
        assert_eq!(report.rows[1].sharing_status, "overdue");
        assert!(report.rows[1].detained);
        let csv = report.to_csv();
        assert_eq!(csv.lines().next(), Some(COLUMNS.join(",").as_str()));
        assert_eq!(csv.lines().count(), 3);

        let entries = [ReportEntry { id: 2, record: &records[1], shared: Some(&shared) }];
        let report = FiuReport::build(from, today, &entries, &context).expect("rates");
        assert_eq!(report.rows[0].sharing_status, "shared");
        assert_eq!(report.rows[0].shared_with, "FIU-ES");
    }

    #[test]
    fn an_empty_report_still_has_its_header() {
        let calendar = SharingCalendar { deadline_working_days: 15, holidays: BTreeSet::new() };
        let rates = RateTable::builtin();
        let threshold = Threshold::new(Threshold::EU_DEFAULT_EUR).expect("positive");
        let day = NaiveDate::from_ymd_opt(2025, 3, 1).expect("date");
        let context = ReportContext { rates: &rates, threshold, calendar: &calendar, today: day };
        let report = FiuReport::build(day, day, &[], &context).expect("rates");
        assert_eq!(report.to_csv(), format!("{}\n", COLUMNS.join(",")));
    }
}
