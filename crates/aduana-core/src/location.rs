//! `Location`: where in an input something is — file, line and column, and a path in the format's own terms
//! (XPath for XML, JSON Pointer for JSON, segment position and tag for EDIFACT, a field path for the domain model).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::consignment::Text;

/// Where in an input a diagnostic or a piece of evidence points. Every part is optional because formats know
/// different things: a JSON syntax error has a line and column, a rule failure in an XML document an XPath.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Location {
    /// The file or source name, as given by the caller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The 1-based line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// The 1-based column (in characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u64>,
    /// The path inside the document, in the format's own notation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<LocationPath>,
}

/// A path inside a document, in the notation of its format.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum LocationPath {
    /// An XPath with positional predicates, e.g. `/ie:CC315A[1]/TRACONCE1[1]/CitCE124[1]`.
    XPath { xpath: String },
    /// A JSON Pointer (RFC 6901), e.g. `/goods/0/hs_code`.
    JsonPointer { pointer: String },
    /// An EDIFACT segment: its 1-based position in the message or interchange, tag, and optionally the data
    /// element (1-based) and component (1-based) inside it, and the data element's directory tag.
    Segment {
        position: u64,
        tag: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        element: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        component: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        data_element: Option<String>,
    },
    /// A field of a flat record, e.g. a CSV column name.
    Field { field: String },
    /// A path in the domain model, e.g. `goods[2].hs_code`.
    Model { path: Text },
}

impl Location {
    /// Returns a location naming only a file (or source).
    pub fn file(name: &str) -> Location {
        Location { file: Some(name.to_owned()), ..Location::default() }
    }

    /// Returns a location in the domain model, e.g. `parties[0].name`.
    pub fn model(path: impl Into<Text>) -> Location {
        Location { path: Some(LocationPath::Model { path: path.into() }), ..Location::default() }
    }

    /// Returns this location with a line and column.
    pub fn at(mut self, line: u64, column: u64) -> Location {
        self.line = Some(line);
        self.column = Some(column);
        self
    }

    /// Returns this location with a path.
    pub fn with_path(mut self, path: LocationPath) -> Location {
        self.path = Some(path);
        self
    }

    /// Returns this location with the file name set, keeping the rest.
    pub fn in_file(mut self, name: &str) -> Location {
        self.file = Some(name.to_owned());
        self
    }

    /// Returns the short form that machine output shows in its `location` field: the path where there is one
    /// (the XPath exactly, a JSON Pointer, `segment 12 TDT element 8 (8028)`), else `line:column`, else the line.
    pub fn short(&self) -> String {
        let position = match (self.line, self.column) {
            (Some(line), Some(column)) => Some(format!("{line}:{column}")),
            (Some(line), None) => Some(format!("{line}")),
            _ => None,
        };
        match (&self.path, position) {
            (Some(LocationPath::XPath { xpath }), _) => xpath.clone(),
            (Some(path), Some(position)) if !matches!(path, LocationPath::Segment { .. }) => {
                format!("{position} {path}")
            }
            (Some(path), _) => path.to_string(),
            (None, Some(position)) => position,
            (None, None) => String::new(),
        }
    }
}

impl fmt::Display for LocationPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LocationPath::XPath { xpath } => f.write_str(xpath),
            LocationPath::JsonPointer { pointer } => write!(f, "{}", if pointer.is_empty() { "/" } else { pointer }),
            LocationPath::Segment { position, tag, element, component, data_element } => {
                write!(f, "segment {position} {tag}")?;
                if let Some(element) = element {
                    write!(f, " element {element}")?;
                }
                if let Some(component) = component {
                    write!(f, " component {component}")?;
                }
                if let Some(data_element) = data_element {
                    write!(f, " ({data_element})")?;
                }
                Ok(())
            }
            LocationPath::Field { field } => write!(f, "field {field}"),
            LocationPath::Model { path } => f.write_str(path),
        }
    }
}

/// Renders `file:line:column: path` with whichever parts are known, as human-readable output prints it.
impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        let mut head = self.file.clone().unwrap_or_default();
        if let Some(line) = self.line {
            if !head.is_empty() {
                head.push(':');
            }
            head.push_str(&line.to_string());
            if let Some(column) = self.column {
                head.push_str(&format!(":{column}"));
            }
        }
        if !head.is_empty() {
            parts.push(head);
        }
        if let Some(path) = &self.path {
            parts.push(path.to_string());
        }
        f.write_str(&parts.join(": "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_form_prefers_the_path_in_the_formats_own_notation() {
        let xpath = Location::file("a.xml").at(3, 5).with_path(LocationPath::XPath { xpath: "/ie:CC315A[1]".into() });
        assert_eq!(xpath.short(), "/ie:CC315A[1]");
        let pointer =
            Location::file("a.jsonl").at(7, 1).with_path(LocationPath::JsonPointer { pointer: "/goods/0".into() });
        assert_eq!(pointer.short(), "7:1 /goods/0");
        let segment = LocationPath::Segment {
            position: 12,
            tag: "TDT".into(),
            element: Some(8),
            component: None,
            data_element: Some("8028".into()),
        };
        assert_eq!(Location::default().with_path(segment).short(), "segment 12 TDT element 8 (8028)");
        assert_eq!(Location::file("x").at(2, 9).short(), "2:9");
    }

    #[test]
    fn display_reads_file_line_column_then_path() {
        let location = Location::file("m.edi").at(4, 2).with_path(LocationPath::Field { field: "hs_code".into() });
        assert_eq!(location.to_string(), "m.edi:4:2: field hs_code");
    }
}
