//! The UN Security Council consolidated list XML (`CONSOLIDATED_LIST` of `INDIVIDUAL` and `ENTITY` records, as in
//! `sc-sanctions.xsd`). Read as a stream of events; entities other than the five predefined ones are never expanded
//! and DTDs are ignored.

use aduana_core::{Location, LocationPath};
use quick_xml::Reader;
use quick_xml::events::Event;

use crate::watchlist::{Alias, AliasQuality, BirthDate, Entry, EntryKind, Identifier, ListError};

/// Parses the list; returns its `dateGenerated` as the version and the entries.
pub(crate) fn parse(bytes: &[u8], name: &str) -> Result<(Option<String>, Vec<Entry>), Vec<ListError>> {
    let mut reader = Reader::from_reader(bytes);
    let mut stack: Vec<String> = Vec::new();
    let mut text = String::new();
    let mut version = None;
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    let mut record: Option<Record> = None;
    let mut seen_root = false;
    loop {
        let position = reader.buffer_position();
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(error) => {
                errors.push(located(bytes, position, name, &stack, format!("malformed XML: {error}")));
                break;
            }
        };
        match event {
            Event::Start(start) => {
                let tag = String::from_utf8_lossy(start.name().as_ref()).into_owned();
                if stack.is_empty() {
                    if tag != "CONSOLIDATED_LIST" {
                        errors.push(located(
                            bytes,
                            position,
                            name,
                            &stack,
                            format!("expected the root element CONSOLIDATED_LIST, found {tag}"),
                        ));
                        break;
                    }
                    seen_root = true;
                    version = start
                        .attributes()
                        .flatten()
                        .find(|a| a.key.as_ref() == b"dateGenerated")
                        .map(|a| String::from_utf8_lossy(&a.value).into_owned());
                }
                if tag == "INDIVIDUAL" || tag == "ENTITY" {
                    record = Some(Record::new(
                        if tag == "INDIVIDUAL" { EntryKind::Person } else { EntryKind::Organisation },
                        position,
                    ));
                }
                if let Some(r) = record.as_mut() {
                    r.open(&tag);
                }
                stack.push(tag);
                text.clear();
            }
            Event::Empty(empty) if stack.is_empty() => {
                let tag = String::from_utf8_lossy(empty.name().as_ref()).into_owned();
                if tag != "CONSOLIDATED_LIST" {
                    let message = format!("expected the root element CONSOLIDATED_LIST, found {tag}");
                    errors.push(located(bytes, position, name, &stack, message));
                    break;
                }
                seen_root = true;
            }
            Event::Empty(_) => {}
            Event::Text(t) => match t.unescape() {
                Ok(t) => text.push_str(&t),
                Err(error) => {
                    errors.push(located(bytes, position, name, &stack, format!("bad character data: {error}")))
                }
            },
            Event::CData(t) => text.push_str(&String::from_utf8_lossy(&t)),
            Event::End(_) => {
                let Some(tag) = stack.pop() else { break };
                let parent = stack.last().map(String::as_str).unwrap_or("");
                if tag == "INDIVIDUAL" || tag == "ENTITY" {
                    if let Some(done) = record.take() {
                        match done.finish() {
                            Ok(entry) => entries.push(entry),
                            Err(message) => errors.push(ListError::new(
                                Location::file(name).at(line_of(bytes, message.0), 1).with_path(LocationPath::XPath {
                                    xpath: format!("/CONSOLIDATED_LIST/{parent}/{tag}"),
                                }),
                                message.1,
                            )),
                        }
                    }
                } else if let Some(r) = record.as_mut() {
                    r.field(parent, &tag, text.trim());
                }
                text.clear();
            }
            Event::DocType(_) => {
                errors.push(located(
                    bytes,
                    position,
                    name,
                    &stack,
                    "document type declarations are not accepted".to_owned(),
                ));
                break;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !seen_root && errors.is_empty() {
        errors
            .push(ListError::new(Location::file(name), "expected a CONSOLIDATED_LIST document, found no root element"));
    }
    if errors.is_empty() { Ok((version, entries)) } else { Err(errors) }
}

fn line_of(bytes: &[u8], position: u64) -> u64 {
    let end = usize::try_from(position).unwrap_or(usize::MAX).min(bytes.len());
    1 + bytes[..end].iter().filter(|&&b| b == b'\n').count() as u64
}

fn located(bytes: &[u8], position: u64, name: &str, stack: &[String], message: String) -> ListError {
    let xpath = format!("/{}", stack.join("/"));
    ListError::new(
        Location::file(name).at(line_of(bytes, position), 1).with_path(LocationPath::XPath { xpath }),
        message,
    )
}

/// One record being read.
struct Record {
    kind: EntryKind,
    position: u64,
    reference: String,
    data_id: String,
    name_parts: [String; 4],
    entry: Entry,
    alias: (String, String),
    date: DateParts,
    document: (String, String),
    address: Vec<String>,
}

#[derive(Default)]
struct DateParts {
    date: String,
    year: String,
    from_year: String,
    to_year: String,
}

impl Record {
    fn new(kind: EntryKind, position: u64) -> Record {
        Record {
            kind,
            position,
            reference: String::new(),
            data_id: String::new(),
            name_parts: Default::default(),
            entry: Entry {
                id: String::new(),
                kind,
                names: Vec::new(),
                dates_of_birth: Vec::new(),
                nationalities: Vec::new(),
                addresses: Vec::new(),
                identifiers: Vec::new(),
            },
            alias: Default::default(),
            date: DateParts::default(),
            document: Default::default(),
            address: Vec::new(),
        }
    }

    /// Starts a repeated group.
    fn open(&mut self, tag: &str) {
        match tag {
            "INDIVIDUAL_ALIAS" | "ENTITY_ALIAS" => self.alias = Default::default(),
            "INDIVIDUAL_DATE_OF_BIRTH" => self.date = DateParts::default(),
            "INDIVIDUAL_DOCUMENT" => self.document = Default::default(),
            "INDIVIDUAL_ADDRESS" | "ENTITY_ADDRESS" => self.address.clear(),
            _ => {}
        }
    }

    fn field(&mut self, parent: &str, tag: &str, value: &str) {
        match (parent, tag) {
            (_, "DATAID") => self.data_id = value.to_owned(),
            (_, "REFERENCE_NUMBER") => self.reference = value.to_owned(),
            ("INDIVIDUAL" | "ENTITY", "FIRST_NAME") => self.name_parts[0] = value.to_owned(),
            ("INDIVIDUAL" | "ENTITY", "SECOND_NAME") => self.name_parts[1] = value.to_owned(),
            ("INDIVIDUAL" | "ENTITY", "THIRD_NAME") => self.name_parts[2] = value.to_owned(),
            ("INDIVIDUAL" | "ENTITY", "FOURTH_NAME") => self.name_parts[3] = value.to_owned(),
            ("INDIVIDUAL" | "ENTITY", "NAME_ORIGINAL_SCRIPT") if !value.is_empty() => {
                self.entry.names.push(Alias { name: value.to_owned(), quality: AliasQuality::Good });
            }
            ("NATIONALITY", "VALUE") if !value.is_empty() => self.entry.nationalities.push(value.to_owned()),
            ("INDIVIDUAL_ALIAS" | "ENTITY_ALIAS", "QUALITY") => self.alias.0 = value.to_owned(),
            ("INDIVIDUAL_ALIAS" | "ENTITY_ALIAS", "ALIAS_NAME") => self.alias.1 = value.to_owned(),
            (_, "INDIVIDUAL_ALIAS" | "ENTITY_ALIAS") => {
                let (quality, alias) = std::mem::take(&mut self.alias);
                if !alias.is_empty() {
                    let quality =
                        if quality.eq_ignore_ascii_case("low") { AliasQuality::Low } else { AliasQuality::Good };
                    self.entry.names.push(Alias { name: alias, quality });
                }
            }
            ("INDIVIDUAL_DATE_OF_BIRTH", "DATE") => self.date.date = value.to_owned(),
            ("INDIVIDUAL_DATE_OF_BIRTH", "YEAR") => self.date.year = value.to_owned(),
            ("INDIVIDUAL_DATE_OF_BIRTH", "FROM_YEAR") => self.date.from_year = value.to_owned(),
            ("INDIVIDUAL_DATE_OF_BIRTH", "TO_YEAR") => self.date.to_year = value.to_owned(),
            (_, "INDIVIDUAL_DATE_OF_BIRTH") => {
                let d = std::mem::take(&mut self.date);
                let parsed = if !d.date.is_empty() {
                    BirthDate::parse(&d.date)
                } else if !d.year.is_empty() {
                    BirthDate::parse(&d.year)
                } else if !d.from_year.is_empty() && !d.to_year.is_empty() {
                    BirthDate::parse(&format!("{}/{}", d.from_year, d.to_year))
                } else {
                    None
                };
                self.entry.dates_of_birth.extend(parsed);
            }
            ("INDIVIDUAL_DOCUMENT", "TYPE_OF_DOCUMENT") => self.document.0 = value.to_owned(),
            ("INDIVIDUAL_DOCUMENT", "NUMBER") => self.document.1 = value.to_owned(),
            (_, "INDIVIDUAL_DOCUMENT") => {
                let (kind, number) = std::mem::take(&mut self.document);
                if !number.is_empty() {
                    let lower = kind.to_lowercase();
                    let kind =
                        if lower.contains("passport") || lower.contains("passeport") || lower.contains("pasaporte") {
                            "passport".to_owned()
                        } else if kind.is_empty() {
                            "document".to_owned()
                        } else {
                            lower.trim().to_owned()
                        };
                    self.entry.identifiers.push(Identifier { kind, value: number });
                }
            }
            ("INDIVIDUAL_ADDRESS" | "ENTITY_ADDRESS", _) if !value.is_empty() => self.address.push(value.to_owned()),
            (_, "INDIVIDUAL_ADDRESS" | "ENTITY_ADDRESS") if !self.address.is_empty() => {
                self.entry.addresses.push(self.address.join(", "));
                self.address.clear();
            }
            _ => {}
        }
    }

    fn finish(mut self) -> Result<Entry, (u64, String)> {
        let id = if self.reference.is_empty() { self.data_id.clone() } else { self.reference.clone() };
        if id.is_empty() {
            return Err((self.position, "expected a REFERENCE_NUMBER or DATAID, found neither".to_owned()));
        }
        let primary = self.name_parts.iter().map(|p| p.trim()).filter(|p| !p.is_empty()).collect::<Vec<_>>().join(" ");
        if primary.is_empty() {
            return Err((self.position, format!("record {id}: expected a name in FIRST_NAME, found none")));
        }
        self.entry.id = id;
        self.entry.kind = self.kind;
        self.entry.names.insert(0, Alias { name: primary, quality: AliasQuality::Primary });
        Ok(self.entry)
    }
}
