//! The CSV format for national watch lists (documented in `docs/screening.md`): a header row with `id` and `name`
//! required, and optionally `kind`, `aliases`, `weak_aliases`, `dates_of_birth`, `nationalities`, `addresses`,
//! `passports`, `imo_numbers`, `version`. Multi-valued cells are `;`-separated.

use aduana_core::{Location, LocationPath};

use crate::watchlist::{Alias, AliasQuality, BirthDate, Entry, EntryKind, Identifier, ListError, split_values};

/// Parses the rows; the version is the `version` column where one is given (the same on every row).
pub(crate) fn parse(bytes: &[u8], name: &str) -> Result<(Option<String>, Vec<Entry>), Vec<ListError>> {
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(bytes);
    let header_error = |message: String| vec![ListError::new(Location::file(name).at(1, 1), message)];
    let headers = reader.headers().map_err(|e| header_error(format!("expected a CSV header row: {e}")))?.clone();
    let column = |key: &str| headers.iter().position(|h| h.trim().eq_ignore_ascii_case(key));
    let (Some(id_col), Some(name_col)) = (column("id"), column("name")) else {
        return Err(header_error(format!(
            "expected a header with the columns `id` and `name`, found `{}`",
            headers.iter().collect::<Vec<_>>().join(",")
        )));
    };
    let optional = |key: &str| column(key);
    let (kind_col, aliases_col, weak_col, dob_col, nat_col, addr_col, passport_col, imo_col, version_col) = (
        optional("kind"),
        optional("aliases"),
        optional("weak_aliases"),
        optional("dates_of_birth"),
        optional("nationalities"),
        optional("addresses"),
        optional("passports"),
        optional("imo_numbers"),
        optional("version"),
    );
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    let mut version = None;
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                let line = error.position().map_or(0, |p| p.line());
                errors.push(ListError::new(Location::file(name).at(line, 1), format!("malformed CSV row: {error}")));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let at =
            |field: &str| Location::file(name).at(line, 1).with_path(LocationPath::Field { field: field.to_owned() });
        let cell = |col: Option<usize>| col.and_then(|c| record.get(c)).unwrap_or("").trim();
        let id = cell(Some(id_col));
        let primary = cell(Some(name_col));
        if id.is_empty() || primary.is_empty() {
            errors.push(ListError::new(at(if id.is_empty() { "id" } else { "name" }), "expected a value, found empty"));
            continue;
        }
        let kind = match cell(kind_col).to_ascii_lowercase().as_str() {
            "person" | "individual" => EntryKind::Person,
            "organisation" | "organization" | "company" | "entity" => EntryKind::Organisation,
            "vessel" => EntryKind::Vessel,
            "" => EntryKind::Unknown,
            other => {
                errors.push(ListError::new(
                    at("kind"),
                    format!("expected person, organisation or vessel, found `{other}`"),
                ));
                continue;
            }
        };
        let mut dates_of_birth = Vec::new();
        for value in split_values(cell(dob_col)) {
            match BirthDate::parse(&value) {
                Some(date) => dates_of_birth.push(date),
                None => errors.push(ListError::new(
                    at("dates_of_birth"),
                    format!("expected YYYY, YYYY-MM-DD or YYYY/YYYY, found `{value}`"),
                )),
            }
        }
        if let Some(v) = version_col.map(|c| cell(Some(c))).filter(|v| !v.is_empty()) {
            version = Some(v.to_owned());
        }
        let mut names = vec![Alias { name: primary.to_owned(), quality: AliasQuality::Primary }];
        names.extend(split_values(cell(aliases_col)).map(|n| Alias { name: n, quality: AliasQuality::Good }));
        names.extend(split_values(cell(weak_col)).map(|n| Alias { name: n, quality: AliasQuality::Low }));
        let mut identifiers: Vec<Identifier> =
            split_values(cell(passport_col)).map(|value| Identifier { kind: "passport".to_owned(), value }).collect();
        identifiers.extend(split_values(cell(imo_col)).map(|value| Identifier { kind: "imo".to_owned(), value }));
        entries.push(Entry {
            id: id.to_owned(),
            kind,
            names,
            dates_of_birth,
            nationalities: split_values(cell(nat_col)).collect(),
            addresses: split_values(cell(addr_col)).collect(),
            identifiers,
        });
    }
    if errors.is_empty() { Ok((version, entries)) } else { Err(errors) }
}
