//! OpenSanctions FollowTheMoney entities, one JSON object per line:
//! `{"id", "schema", "properties": {"name": [..], "alias": [..], "weakAlias": [..], "birthDate": [..], ...}}`.
//! Entities that are not persons, organisations or vessels (sanctions, addresses, ...) are skipped.

use aduana_core::{Location, LocationPath};
use serde::Deserialize;

use crate::watchlist::{Alias, AliasQuality, BirthDate, Entry, EntryKind, Identifier, ListError};

#[derive(Deserialize)]
struct FtmEntity {
    id: String,
    schema: String,
    #[serde(default)]
    properties: std::collections::BTreeMap<String, Vec<serde_json::Value>>,
}

/// Parses the entities; FtM files carry no version of their own (the caller's content hash is used).
pub(crate) fn parse(bytes: &[u8], name: &str) -> Result<(Option<String>, Vec<Entry>), Vec<ListError>> {
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    for (index, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let line_number = index as u64 + 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let entity: FtmEntity = match serde_json::from_slice(line) {
            Ok(entity) => entity,
            Err(error) => {
                errors.push(ListError::new(
                    Location::file(name).at(line_number, error.column() as u64),
                    format!("expected a FollowTheMoney entity object: {error}"),
                ));
                continue;
            }
        };
        let kind = match entity.schema.as_str() {
            "Person" => EntryKind::Person,
            "Organization" | "Company" | "LegalEntity" | "PublicBody" => EntryKind::Organisation,
            "Vessel" => EntryKind::Vessel,
            _ => continue,
        };
        let values = |key: &str| -> Vec<String> {
            entity
                .properties
                .get(key)
                .map(|vs| {
                    vs.iter()
                        .filter_map(|v| v.as_str())
                        .map(str::trim)
                        .filter(|v| !v.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut names = Vec::new();
        for (i, n) in values("name").into_iter().enumerate() {
            names.push(Alias { name: n, quality: if i == 0 { AliasQuality::Primary } else { AliasQuality::Good } });
        }
        for key in ["alias", "previousName"] {
            names.extend(values(key).into_iter().map(|n| Alias { name: n, quality: AliasQuality::Good }));
        }
        names.extend(values("weakAlias").into_iter().map(|n| Alias { name: n, quality: AliasQuality::Low }));
        if names.is_empty() {
            errors.push(ListError::new(
                Location::file(name)
                    .at(line_number, 1)
                    .with_path(LocationPath::JsonPointer { pointer: "/properties/name".to_owned() }),
                format!("entity {}: expected at least one name, found none", entity.id),
            ));
            continue;
        }
        let mut identifiers = Vec::new();
        for (key, kind) in [
            ("passportNumber", "passport"),
            ("idNumber", "national_id"),
            ("imoNumber", "imo"),
            ("registrationNumber", "registration"),
        ] {
            identifiers.extend(values(key).into_iter().map(|value| Identifier { kind: kind.to_owned(), value }));
        }
        let mut nationalities = values("nationality");
        nationalities.extend(values("citizenship"));
        nationalities.extend(values("country"));
        nationalities.extend(values("jurisdiction"));
        nationalities.extend(values("flag"));
        entries.push(Entry {
            id: entity.id,
            kind,
            names,
            dates_of_birth: values("birthDate").iter().filter_map(|d| BirthDate::parse(d)).collect(),
            nationalities,
            addresses: values("address"),
            identifiers,
        });
    }
    if errors.is_empty() { Ok((None, entries)) } else { Err(errors) }
}
