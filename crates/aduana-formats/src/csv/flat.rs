//! The flat CSV layout for traders (`docs/formats/csv.md`): one row per goods item; consecutive rows with the same
//! `reference` form one consignment. Consignment columns repeat on every row of a consignment and must agree.
//! Header names are matched case-insensitively; unknown columns and missing mandatory ones are errors.

use std::io::BufRead;

use aduana_core::{
    Address, Consignment, CountryCode, CurrencyCode, Decimal, Diagnostic, Direction, DocumentKind, Equipment,
    EquipmentKind, GoodsItem, HsCode, LoCode, Money, Packages, Party, PartyRole, Place, Reference, Text, TransportMode,
};
use chrono::NaiveDate;

use crate::csv::{field_error, line_error, next_record};
use crate::{Limits, ReadError, Sink};

/// Columns that describe the whole consignment, in documentation order.
const CONSIGNMENT_COLUMNS: &[&str] = &[
    "reference",
    "direction",
    "document_kind",
    "mode_of_transport",
    "lodged_on",
    "customs_office",
    "consignor_name",
    "consignor_street",
    "consignor_city",
    "consignor_country",
    "consignee_name",
    "consignee_street",
    "consignee_city",
    "consignee_country",
    "carrier_name",
    "place_of_loading",
    "place_of_discharge",
    "country_of_dispatch",
    "country_of_destination",
];

/// Columns of one goods item.
const ITEM_COLUMNS: &[&str] = &[
    "hs_code",
    "description",
    "packages",
    "package_kind",
    "gross_mass_kg",
    "net_mass_kg",
    "value",
    "currency",
    "origin_country",
    "container",
];

const MANDATORY: &[&str] = &["reference", "direction", "hs_code"];

/// A header: for each known column, its index in the row.
struct Header {
    index: Vec<Option<usize>>,
    count: usize,
}

fn all_columns() -> impl Iterator<Item = &'static str> {
    CONSIGNMENT_COLUMNS.iter().chain(ITEM_COLUMNS).copied()
}

/// The consignment being assembled from consecutive rows.
struct Group {
    consignment: Consignment,
    /// The consignment columns' raw values on its first row, to check that later rows agree.
    first: Vec<String>,
    failed: bool,
}

/// Reads the flat CSV layout.
pub(crate) fn read_flat(
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
    match reader.read_byte_record(&mut record) {
        Ok(true) => {}
        Ok(false) => {
            let message = "expected a header line, found an empty file".to_owned();
            sink.diagnostic(line_error(source, 1, "missing_header", message));
            return Ok(());
        }
        Err(error) => return Err(io(error)),
    }
    let header = match header(&record) {
        Ok(header) => header,
        Err(message) => {
            sink.diagnostic(line_error(source, 1, "bad_header", message));
            return Ok(());
        }
    };
    let mut group: Option<Group> = None;
    while let Some(line) = next_record(&mut reader, &mut record, source, sink).map_err(io)? {
        if record.len() != header.count {
            let message = format!("expected {} fields as in the header, found {}", header.count, record.len());
            sink.diagnostic(line_error(source, line, "wrong_field_count", message));
            if let Some(g) = group.as_mut() {
                g.failed = true;
            }
            continue;
        }
        let cell = |name: &str| -> Result<&str, Box<Diagnostic>> {
            let position = all_columns().position(|c| c == name).unwrap_or(0);
            let Some(index) = header.index[position] else { return Ok("") };
            std::str::from_utf8(record.get(index).unwrap_or_default())
                .map(str::trim)
                .map_err(|_| Box::new(field_error(source, line, name, "encoding", "expected UTF-8 text".to_owned())))
        };
        let reference = match cell("reference") {
            Ok(r) => r.to_owned(),
            Err(d) => {
                sink.diagnostic(*d);
                continue;
            }
        };
        if group.as_ref().is_some_and(|g| g.consignment.reference.as_str() != reference) {
            finish(group.take(), sink);
        }
        match group.as_mut() {
            None => match start(&cell, source, line) {
                Ok(consignment) => {
                    let first = CONSIGNMENT_COLUMNS.iter().map(|c| cell(c).unwrap_or("").to_owned()).collect();
                    group = Some(Group { consignment, first, failed: false });
                }
                Err(d) => {
                    sink.diagnostic(*d);
                    continue;
                }
            },
            Some(g) => {
                let differing =
                    CONSIGNMENT_COLUMNS.iter().zip(&g.first).find(|(c, first)| cell(c).unwrap_or("") != first.as_str());
                if let Some((column, first)) = differing {
                    let message = format!(
                        "expected the same {column} on every row of consignment {reference} (`{first}`), found `{}`",
                        cell(column).unwrap_or("")
                    );
                    sink.diagnostic(field_error(source, line, column, "inconsistent_consignment", message));
                    g.failed = true;
                    continue;
                }
            }
        }
        let Some(g) = group.as_mut() else { continue };
        if g.consignment.goods.len() >= limits.max_items as usize {
            let message = format!("expected at most {} goods items in one consignment", limits.max_items);
            sink.diagnostic(line_error(source, line, "too_many_items", message));
            g.failed = true;
            continue;
        }
        let sequence = g.consignment.goods.len() as u32 + 1;
        match item(&cell, sequence, source, line) {
            Ok((item, container)) => {
                if let Some(id) = container
                    && !g.consignment.equipment.iter().any(|e| e.id == id)
                {
                    g.consignment.equipment.push(Equipment {
                        id,
                        kind: EquipmentKind::Container,
                        size_type: None,
                        seals: Vec::new(),
                        full: None,
                    });
                }
                g.consignment.goods.push(item);
            }
            Err(d) => {
                sink.diagnostic(*d);
                g.failed = true;
            }
        }
    }
    finish(group, sink);
    Ok(())
}

fn finish(group: Option<Group>, sink: &mut dyn Sink) {
    if let Some(group) = group.filter(|g| !g.failed) {
        sink.consignment(group.consignment);
    }
}

fn header(record: &csv::ByteRecord) -> Result<Header, String> {
    let mut index = vec![None; CONSIGNMENT_COLUMNS.len() + ITEM_COLUMNS.len()];
    let mut unknown = Vec::new();
    for (i, field) in record.iter().enumerate() {
        let field = if i == 0 { field.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(field) } else { field };
        let name = std::str::from_utf8(field).map_err(|_| format!("header field {} is not valid UTF-8", i + 1))?;
        let name = name.trim();
        match all_columns().position(|c| c.eq_ignore_ascii_case(name)) {
            Some(p) if index[p].is_some() => return Err(format!("column `{name}` appears twice")),
            Some(p) => index[p] = Some(i),
            None => unknown.push(name.to_owned()),
        }
    }
    if !unknown.is_empty() {
        return Err(format!("unknown columns: {} (see docs/formats/csv.md)", unknown.join(", ")));
    }
    let missing: Vec<&str> = MANDATORY
        .iter()
        .copied()
        .filter(|m| all_columns().position(|c| c == *m).and_then(|p| index[p]).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(format!("missing mandatory columns: {}", missing.join(", ")));
    }
    Ok(Header { index, count: record.len() })
}

type Cell<'a> = dyn Fn(&str) -> Result<&'a str, Box<Diagnostic>> + 'a;

/// Parses an optional cell with a parser; an empty cell is `None`.
fn optional<'a, T, E: std::fmt::Display>(
    cell: &Cell<'a>,
    column: &str,
    parse: impl Fn(&str) -> Result<T, E>,
    source: &str,
    line: u64,
) -> Result<Option<T>, Box<Diagnostic>> {
    let value = cell(column)?;
    if value.is_empty() {
        return Ok(None);
    }
    parse(value).map(Some).map_err(|e| Box::new(field_error(source, line, column, "bad_value", e.to_string())))
}

fn decimal(value: &str) -> Result<Decimal, String> {
    Decimal::from_str_exact(value).map_err(|_| format!("expected a decimal number, found `{value}`"))
}

fn text(cell: &Cell<'_>, column: &str) -> Result<Option<Text>, Box<Diagnostic>> {
    Ok(Some(Text::from(cell(column)?)).filter(|s| !s.is_empty()))
}

fn start(cell: &Cell<'_>, source: &str, line: u64) -> Result<Consignment, Box<Diagnostic>> {
    let Some(reference) = optional(cell, "reference", Reference::parse, source, line)? else {
        return Err(Box::new(field_error(
            source,
            line,
            "reference",
            "missing_value",
            "expected a reference".to_owned(),
        )));
    };
    let direction = match cell("direction")?.to_ascii_lowercase().as_str() {
        "import" => Direction::Import,
        "export" => Direction::Export,
        "transit" => Direction::Transit,
        other => {
            let message = format!("expected import, export or transit, found `{other}`");
            return Err(Box::new(field_error(source, line, "direction", "bad_value", message)));
        }
    };
    let mut c = Consignment::new(reference, direction);
    c.document_kind = optional(cell, "document_kind", document_kind, source, line)?;
    c.mode_of_transport = optional(
        cell,
        "mode_of_transport",
        |v| TransportMode::from_rec19(v).ok_or_else(|| format!("expected a Rec. 19 code 1-9, found `{v}`")),
        source,
        line,
    )?;
    c.lodged_on = optional(
        cell,
        "lodged_on",
        |v| NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| format!("expected a date as YYYY-MM-DD, found `{v}`")),
        source,
        line,
    )?;
    c.customs_office = text(cell, "customs_office")?;
    for (prefix, role) in [("consignor", PartyRole::Consignor), ("consignee", PartyRole::Consignee)] {
        let name = text(cell, &format!("{prefix}_name"))?;
        let street = text(cell, &format!("{prefix}_street"))?;
        let city = text(cell, &format!("{prefix}_city"))?;
        let country = optional(cell, &format!("{prefix}_country"), CountryCode::parse, source, line)?;
        if name.is_none() && street.is_none() && city.is_none() && country.is_none() {
            continue;
        }
        let address = (street.is_some() || city.is_some() || country.is_some()).then(|| Address {
            street,
            city,
            country,
            ..Address::default()
        });
        c.parties.push(Party { role, name, address, identifiers: Vec::new(), contact: None });
    }
    if let Some(name) = text(cell, "carrier_name")? {
        c.parties.push(Party {
            role: PartyRole::Carrier,
            name: Some(name),
            address: None,
            identifiers: Vec::new(),
            contact: None,
        });
    }
    let place = |column: &str| -> Result<Option<Place>, Box<Diagnostic>> {
        Ok(optional(cell, column, LoCode::parse, source, line)?
            .map(|locode| Place { locode: Some(locode), ..Place::default() }))
    };
    c.itinerary.place_of_loading = place("place_of_loading")?;
    c.itinerary.place_of_discharge = place("place_of_discharge")?;
    c.itinerary.country_of_dispatch = optional(cell, "country_of_dispatch", CountryCode::parse, source, line)?;
    c.itinerary.country_of_destination = optional(cell, "country_of_destination", CountryCode::parse, source, line)?;
    Ok(c)
}

fn document_kind(value: &str) -> Result<DocumentKind, String> {
    serde_json::from_value(serde_json::Value::String(value.to_ascii_lowercase()))
        .map_err(|_| format!("expected a document kind such as master_bill or goods_declaration, found `{value}`"))
}

fn item(cell: &Cell<'_>, sequence: u32, source: &str, line: u64) -> Result<(GoodsItem, Option<Text>), Box<Diagnostic>> {
    let mut item = GoodsItem::new(sequence);
    item.hs_code = optional(cell, "hs_code", HsCode::parse, source, line)?;
    if item.hs_code.is_none() {
        return Err(Box::new(field_error(source, line, "hs_code", "missing_value", "expected an HS code".to_owned())));
    }
    item.description = text(cell, "description")?;
    let count = optional(
        cell,
        "packages",
        |v| v.parse::<u32>().map_err(|_| format!("expected a whole number, found `{v}`")),
        source,
        line,
    )?;
    let kind = text(cell, "package_kind")?;
    if count.is_some() || kind.is_some() {
        item.packages = Some(Packages { count, kind, marks: None });
    }
    item.gross_mass_kg = optional(cell, "gross_mass_kg", decimal, source, line)?;
    item.net_mass_kg = optional(cell, "net_mass_kg", decimal, source, line)?;
    let amount = optional(cell, "value", decimal, source, line)?;
    let currency = optional(cell, "currency", CurrencyCode::parse, source, line)?;
    item.value = match (amount, currency) {
        (Some(amount), Some(currency)) => Some(Money { amount, currency }),
        (None, None) => None,
        (Some(_), None) => {
            let message = "expected a currency with the value".to_owned();
            return Err(Box::new(field_error(source, line, "currency", "missing_value", message)));
        }
        (None, Some(_)) => {
            let message = "expected a value with the currency".to_owned();
            return Err(Box::new(field_error(source, line, "value", "missing_value", message)));
        }
    };
    item.origin_country = optional(cell, "origin_country", CountryCode::parse, source, line)?;
    let container = text(cell, "container")?;
    if let Some(id) = &container {
        item.equipment_ids.push(id.clone());
    }
    Ok((item, container))
}
