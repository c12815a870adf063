//! The KCS declaration layout: 22 columns, one single-item import goods declaration per row, as in the
//! "Customs Import Declaration Datasets" (Korea Customs Service / IBS). Mapping, which the learned risk model
//! relies on:
//!
//! | column | field |
//! |---|---|
//! | Declaration ID | `reference` (document kind goods declaration, direction import) |
//! | Date | `lodged_on` (`YYYY-MM-DD`) |
//! | Office ID | `customs_office` |
//! | Mode of Transport | `mode_of_transport` (Rec. 19, first digit) and attribute `transport_mode_code` |
//! | Declarant / Importer / Seller / Courier ID | parties with one identifier `{scheme: "kcs"}` (seller and courier only when non-empty) |
//! | Country of Departure | `itinerary.country_of_dispatch` |
//! | HS6 Code, Country of Origin, Net Mass, Item Price, Tax Rate, Tax Type | goods item 1: `hs_code`, `origin_country`, `net_mass_kg`, `value` (KRW), `duty` |
//! | Process Type, Import Type, Import Use, Payment Type, Country of Origin Indicator | attributes `process_type`, `import_type`, `import_use`, `payment_type`, `origin_indicator` |
//! | Fraud, Critical Fraud (optional) | attributes `fraud`, `critical_fraud` |
//!
//! A country given as `ZZ` (ISO 3166 "unknown") leaves the model field empty and is kept as attribute
//! `country_of_departure` or `country_of_origin`.

use std::io::BufRead;

use aduana_core::{
    Consignment, CountryCode, CurrencyCode, Decimal, Diagnostic, Direction, DocumentKind, Duty, GoodsItem, HsCode,
    Money, Party, PartyIdentifier, PartyRole, Reference, TransportMode,
};
use chrono::NaiveDate;

use crate::csv::{field_error, line_error, next_record};
use crate::{Limits, ReadError, Sink};

/// The columns every KCS file has, in the order of the published files (the reader matches them by name).
const REQUIRED: [&str; 20] = [
    "Declaration ID",
    "Date",
    "Office ID",
    "Process Type",
    "Import Type",
    "Import Use",
    "Payment Type",
    "Mode of Transport",
    "Declarant ID",
    "Importer ID",
    "Seller ID",
    "Courier ID",
    "HS6 Code",
    "Country of Departure",
    "Country of Origin",
    "Tax Rate",
    "Tax Type",
    "Country of Origin Indicator",
    "Net Mass",
    "Item Price",
];

/// The label columns, present in training data and absent from data to be scored.
const LABELS: [(&str, &str); 2] = [("Fraud", "fraud"), ("Critical Fraud", "critical_fraud")];

/// Where each column sits in a file's rows.
struct Columns {
    required: [usize; 20],
    labels: [Option<usize>; 2],
    count: usize,
}

/// Reads a KCS CSV file row by row.
pub(crate) fn read_kcs(
    input: &mut dyn BufRead,
    source: &str,
    limits: &Limits,
    sink: &mut dyn Sink,
) -> Result<(), ReadError> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(input);
    let mut record = csv::ByteRecord::new();
    let io = |error: csv::Error| ReadError::Io {
        source_name: source.to_owned(),
        source: std::io::Error::other(error.to_string()),
    };
    let header = match reader.read_byte_record(&mut record) {
        Ok(true) => record.clone(),
        Ok(false) => {
            sink.diagnostic(line_error(
                source,
                1,
                "missing_header",
                "expected a header line, found an empty file".to_owned(),
            ));
            return Ok(());
        }
        Err(error) => return Err(io(error)),
    };
    let columns = match columns(&header) {
        Ok(columns) => columns,
        Err(message) => {
            sink.diagnostic(line_error(source, 1, "bad_header", message));
            return Ok(());
        }
    };
    loop {
        let Some(line) = next_record(&mut reader, &mut record, source, sink).map_err(io)? else { return Ok(()) };
        if record.len() as u64 > u64::from(limits.max_items).max(64) {
            sink.diagnostic(line_error(
                source,
                line,
                "too_many_items",
                format!("expected {} fields, found {}", columns.count, record.len()),
            ));
            continue;
        }
        match row(&record, &columns, source, line) {
            Ok(consignment) => sink.consignment(consignment),
            Err(diagnostic) => sink.diagnostic(*diagnostic),
        }
    }
}

/// Finds every column by name; an unknown or missing column is an error naming it.
fn columns(header: &csv::ByteRecord) -> Result<Columns, String> {
    let mut names = Vec::with_capacity(header.len());
    for (index, field) in header.iter().enumerate() {
        let field = if index == 0 { field.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(field) } else { field };
        let name = std::str::from_utf8(field).map_err(|_| format!("header field {} is not valid UTF-8", index + 1))?;
        names.push(name.trim().to_owned());
    }
    let find = |wanted: &str| names.iter().position(|n| n.eq_ignore_ascii_case(wanted));
    let mut required = [0; 20];
    let mut missing = Vec::new();
    for (slot, wanted) in required.iter_mut().zip(REQUIRED) {
        match find(wanted) {
            Some(index) => *slot = index,
            None => missing.push(wanted),
        }
    }
    if !missing.is_empty() {
        return Err(format!("expected the KCS columns, missing: {}", missing.join(", ")));
    }
    let labels = [find(LABELS[0].0), find(LABELS[1].0)];
    let unknown: Vec<&str> = names
        .iter()
        .filter(|n| !REQUIRED.iter().chain(LABELS.iter().map(|(c, _)| c)).any(|k| k.eq_ignore_ascii_case(n)))
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        return Err(format!("unknown columns: {}", unknown.join(", ")));
    }
    Ok(Columns { required, labels, count: names.len() })
}

type RowResult<T> = Result<T, Box<Diagnostic>>;

/// Maps one row to a consignment, or says what is wrong with its first bad field.
fn row(record: &csv::ByteRecord, columns: &Columns, source: &str, line: u64) -> RowResult<Consignment> {
    if record.len() != columns.count {
        let message = format!("expected {} fields as in the header, found {}", columns.count, record.len());
        return Err(Box::new(line_error(source, line, "wrong_field_count", message)));
    }
    let text = |column: usize| -> RowResult<&str> {
        let index = columns.required[column];
        let bytes = record.get(index).unwrap_or_default();
        std::str::from_utf8(bytes).map(str::trim).map_err(|_| {
            Box::new(field_error(source, line, REQUIRED[column], "encoding", "expected UTF-8 text".to_owned()))
        })
    };
    let bad = |column: usize, code: &str, message: String| {
        Box::new(field_error(source, line, REQUIRED[column], code, message))
    };
    let non_empty = |column: usize| -> RowResult<&str> {
        let value = text(column)?;
        if value.is_empty() {
            return Err(bad(column, "missing_value", "expected a value, found an empty field".to_owned()));
        }
        Ok(value)
    };
    let decimal = |column: usize| -> RowResult<Decimal> {
        let value = non_empty(column)?;
        Decimal::from_str_exact(value)
            .or_else(|_| Decimal::from_scientific(value))
            .map_err(|_| bad(column, "bad_decimal", format!("expected a decimal number, found `{value}`")))
    };
    // `ZZ` is the ISO 3166 user-assigned code for "unknown"; the KCS data uses it, so it is kept as an attribute
    // rather than rejected, and the model field stays empty.
    let country = |column: usize| -> RowResult<Option<CountryCode>> {
        let value = non_empty(column)?;
        if value.eq_ignore_ascii_case("ZZ") {
            return Ok(None);
        }
        CountryCode::parse(value).map(Some).map_err(|e| bad(column, "bad_code", e.to_string()))
    };

    let reference_text = non_empty(0)?;
    let reference = Reference::parse(reference_text).map_err(|e| bad(0, "bad_reference", e.to_string()))?;
    let date_text = non_empty(1)?;
    let date = NaiveDate::parse_from_str(date_text, "%Y-%m-%d")
        .map_err(|_| bad(1, "bad_date", format!("expected a date as YYYY-MM-DD, found `{date_text}`")))?;
    let mode_code = non_empty(7)?;
    let mode = TransportMode::from_rec19(mode_code)
        .ok_or_else(|| bad(7, "bad_code", format!("expected a numeric mode of transport, found `{mode_code}`")))?;
    let hs_text = non_empty(12)?;
    if hs_text.len() != 6 {
        return Err(bad(12, "bad_code", format!("expected a 6-digit HS subheading, found `{hs_text}`")));
    }
    let hs_code = HsCode::parse(hs_text).map_err(|e| bad(12, "bad_code", e.to_string()))?;
    let dispatch = country(13)?;
    let origin = country(14)?;
    let (dispatch_known, origin_known) = (dispatch.is_some(), origin.is_some());
    let rate = decimal(15)?;
    let net_mass = decimal(18)?;
    let price = decimal(19)?;
    let krw = CurrencyCode::parse("KRW").map_err(|e| bad(19, "bad_code", e.to_string()))?;

    let mut consignment = Consignment::new(reference, Direction::Import);
    consignment.document_kind = Some(DocumentKind::GoodsDeclaration);
    consignment.lodged_on = Some(date);
    consignment.customs_office = Some(non_empty(2)?.into());
    consignment.mode_of_transport = Some(mode);
    for (column, role, required) in [
        (8, PartyRole::Declarant, true),
        (9, PartyRole::Importer, true),
        (10, PartyRole::Seller, false),
        (11, PartyRole::Courier, false),
    ] {
        let id = if required { non_empty(column)? } else { text(column)? };
        if !id.is_empty() {
            consignment.parties.push(kcs_party(role, id));
        }
    }
    consignment.itinerary.country_of_dispatch = dispatch;
    let mut item = GoodsItem::new(1);
    item.hs_code = Some(hs_code);
    item.origin_country = origin;
    item.net_mass_kg = Some(net_mass);
    item.value = Some(Money { amount: price, currency: krw });
    item.duty = Some(Duty { rate_percent: Some(rate), tariff_type: Some(non_empty(16)?.into()) });
    consignment.goods.push(item);
    for (column, key) in [
        (3, "process_type"),
        (4, "import_type"),
        (5, "import_use"),
        (6, "payment_type"),
        (7, "transport_mode_code"),
        (17, "origin_indicator"),
    ] {
        consignment.attributes.insert(key.into(), text(column)?.into());
    }
    for (column, key, known) in [(13, "country_of_departure", dispatch_known), (14, "country_of_origin", origin_known)]
    {
        if known {
            continue;
        }
        consignment.attributes.insert(key.into(), text(column)?.into());
    }
    for ((column, key), index) in LABELS.iter().zip(columns.labels) {
        let Some(index) = index else { continue };
        let value = std::str::from_utf8(record.get(index).unwrap_or_default()).map(str::trim).unwrap_or("\u{FFFD}");
        let allowed: &[&str] = if *key == "fraud" { &["0", "1"] } else { &["0", "1", "2"] };
        if !allowed.contains(&value) {
            let message = format!("expected one of {}, found `{value}`", allowed.join(", "));
            return Err(Box::new(field_error(source, line, column, "bad_label", message)));
        }
        consignment.attributes.insert((*key).into(), value.into());
    }
    Ok(consignment)
}

fn kcs_party(role: PartyRole, id: &str) -> Party {
    Party {
        role,
        name: None,
        address: None,
        identifiers: vec![PartyIdentifier { scheme: "kcs".into(), value: id.into() }],
        contact: None,
    }
}
