//! Typed fields read from elements of an [`XmlDocument`], each failure reported as a diagnostic located by XPath
//! and line/column. Shared by the XML formats so that they treat numbers, masses, codes and text alike:
//! a value of the wrong shape (letters in a count, an HS code of 5 digits) is an error; a well-formed code that is
//! not in its list (country `ZG`, HS chapter `00`) is a warning, and the value is kept by the caller in
//! `attributes`.

use std::str::FromStr;

use aduana_core::{CodeErrorKind, Consignment, CountryCode, CurrencyCode, Decimal, Diagnostic, HsCode, Money, Text};

use crate::Limits;
use crate::xml::{ElementId, XmlDocument};

/// Reads fields from a document and collects the diagnostics.
#[derive(Debug)]
pub(crate) struct Fields<'a> {
    /// The document read.
    pub(crate) doc: &'a XmlDocument,
    /// Everything found wanting so far.
    pub(crate) diagnostics: Vec<Diagnostic>,
}

/// Kilograms per pound (exact, by the international yard and pound agreement of 1959).
const KG_PER_LB: &str = "0.45359237";

impl<'a> Fields<'a> {
    pub(crate) fn new(doc: &'a XmlDocument) -> Fields<'a> {
        Fields { doc, diagnostics: Vec::new() }
    }

    /// Returns whether an error has been reported.
    pub(crate) fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    pub(crate) fn error(&mut self, code: &str, message: String, at: ElementId) {
        self.diagnostics.push(Diagnostic::error(code, message, self.doc.location(at)));
    }

    pub(crate) fn warning(&mut self, code: &str, message: String, at: ElementId) {
        self.diagnostics.push(Diagnostic::warning(code, message, self.doc.location(at)));
    }

    /// Returns the element reached by following local names from `id`.
    pub(crate) fn find(&self, id: ElementId, path: &[&str]) -> Option<ElementId> {
        let mut current = id;
        for name in path {
            current = self.doc.child(current, name)?;
        }
        Some(current)
    }

    /// Returns the children of `id` with a local name.
    pub(crate) fn all(&self, id: ElementId, name: &'a str) -> Vec<ElementId> {
        self.doc.children_named(id, name).collect()
    }

    /// Returns an element's text with every run of whitespace (including line breaks and the indentation of
    /// continuation lines) collapsed to one space; `None` when empty.
    pub(crate) fn text_of(&self, id: ElementId) -> Option<Text> {
        let trimmed = self.doc.element(id).text.trim();
        if trimmed.is_empty() {
            return None;
        }
        // Most values are one line with single spaces: copy them as they are.
        let mut previous_space = false;
        let plain = trimmed.chars().all(|c| {
            let ok = c == ' ' && !previous_space || !c.is_whitespace();
            previous_space = c == ' ';
            ok
        });
        if plain {
            return Some(Text::from(trimmed));
        }
        let mut collapsed = Text::with_capacity(trimmed.len());
        for word in trimmed.split_whitespace() {
            if !collapsed.is_empty() {
                collapsed.push(' ');
            }
            collapsed.push_str(word);
        }
        Some(collapsed)
    }

    /// Returns the collapsed text at a path below `id`.
    pub(crate) fn text(&self, id: ElementId, path: &[&str]) -> Option<Text> {
        self.find(id, path).and_then(|e| self.text_of(e))
    }

    /// Returns the element at a path with its collapsed, non-empty text.
    pub(crate) fn located(&self, id: ElementId, path: &[&str]) -> Option<(ElementId, Text)> {
        let at = self.find(id, path)?;
        self.text_of(at).map(|t| (at, t))
    }

    /// Reports a mandatory element that is missing or empty below `parent`.
    pub(crate) fn require(&mut self, parent: ElementId, path: &[&str], what: &str) -> Option<(ElementId, Text)> {
        let found = self.located(parent, path);
        if found.is_none() {
            let message = format!("expected {what} in <{}>, found none", path.join("/"));
            self.error("missing_element", message, parent);
        }
        found
    }

    /// Reads a decimal number (`1042.0`, `-3`); reports `invalid_number` otherwise.
    pub(crate) fn decimal(&mut self, at: ElementId) -> Option<Decimal> {
        let text = self.text_of(at)?;
        match Decimal::from_str(&text) {
            Ok(value) => Some(value),
            Err(_) => {
                let name = self.doc.element(at).local_name().to_owned();
                self.error("invalid_number", format!("expected a decimal number in <{name}>, found {text:?}"), at);
                None
            }
        }
    }

    /// Reads a count: a non-negative whole number (`3`, `3.0` is not accepted).
    pub(crate) fn count(&mut self, at: ElementId) -> Option<u32> {
        let text = self.text_of(at)?;
        match text.parse::<u32>() {
            Ok(value) => Some(value),
            Err(_) => {
                let name = self.doc.element(at).local_name().to_owned();
                self.error("invalid_number", format!("expected a whole number in <{name}>, found {text:?}"), at);
                None
            }
        }
    }

    /// Reads a mass and converts it to kilograms from its `unitCode` (UN/ECE Rec. 20: `KGM`, `LBR`, `GRM`, `TNE`);
    /// an absent unit means `default_unit`. An unknown unit is an error.
    pub(crate) fn mass_kg(&mut self, at: ElementId, default_unit: Option<&str>) -> Option<Decimal> {
        let value = self.decimal(at)?;
        let unit = self.doc.element(at).attribute("unitCode").map(str::trim).or(default_unit);
        let factor = match unit.map(str::to_ascii_uppercase).as_deref() {
            Some("KGM" | "K" | "KG") => Decimal::ONE,
            Some("LBR" | "L" | "LB") => Decimal::from_str(KG_PER_LB).expect("a decimal literal"),
            Some("GRM") => Decimal::new(1, 3),
            Some("TNE") => Decimal::new(1000, 0),
            Some(other) => {
                let name = self.doc.element(at).local_name().to_owned();
                let message =
                    format!("expected a mass unit code (KGM, LBR, GRM, TNE) in <{name}> unitCode, found {other:?}");
                self.error("unknown_unit", message, at);
                return None;
            }
            None => {
                let name = self.doc.element(at).local_name().to_owned();
                self.error("missing_unit", format!("expected a unitCode attribute on <{name}>, found none"), at);
                return None;
            }
        };
        match value.checked_mul(factor) {
            Some(kg) => Some(kg.normalize()),
            None => {
                self.error("invalid_number", format!("expected a mass that fits, found {value}"), at);
                None
            }
        }
    }

    /// Reads an amount with its `currencyID` attribute (or `default_currency` when absent).
    pub(crate) fn money(&mut self, at: ElementId, default_currency: Option<&CurrencyCode>) -> Option<Money> {
        let amount = self.decimal(at)?;
        let currency = match self.doc.element(at).attribute("currencyID").map(str::trim) {
            Some(code) => match CurrencyCode::parse(code) {
                Ok(currency) => currency,
                Err(error) => {
                    self.error(error.error_code(), error.to_string(), at);
                    return None;
                }
            },
            None => default_currency?.clone(),
        };
        Some(Money { amount, currency })
    }

    /// Reads a country code. A malformed code is an error; a two-letter code outside ISO 3166-1 (and the customs
    /// codes `XI`, `EU`…) is a warning and gives `None`.
    pub(crate) fn country(&mut self, at: ElementId) -> Option<CountryCode> {
        let text = self.text_of(at)?;
        match CountryCode::parse(&text) {
            Ok(code) => Some(code),
            Err(error) if matches!(error.kind, CodeErrorKind::Unknown { .. }) => {
                self.warning("unknown_country_code", error.to_string(), at);
                None
            }
            Err(error) => {
                self.error(error.error_code(), error.to_string(), at);
                None
            }
        }
    }

    /// Reads the country at a path below `id`.
    pub(crate) fn country_at(&mut self, id: ElementId, path: &[&str]) -> Option<CountryCode> {
        let at = self.find(id, path)?;
        self.country(at)
    }

    /// Parses an HS code found at `at` (the text may be assembled from several elements). A malformed code is an
    /// error; a well-formed code in chapter `00`, which the HS does not have (placeholders such as `000111`), is a
    /// warning and gives `None`.
    pub(crate) fn hs_code(&mut self, text: &str, at: ElementId) -> Option<HsCode> {
        match HsCode::parse(text) {
            Ok(code) => Some(code),
            Err(error) if matches!(error.kind, CodeErrorKind::Unknown { .. }) => {
                self.warning("unknown_hs_code", format!("{error}; kept as an attribute"), at);
                None
            }
            Err(error) => {
                self.error(error.error_code(), error.to_string(), at);
                None
            }
        }
    }
}

/// Reports consignments with more repeated items than the limits allow.
pub(crate) fn within_limits(fields: &mut Fields<'_>, c: &Consignment, limits: &Limits, root: ElementId) -> bool {
    let max = limits.max_items as usize;
    for (what, n) in [("goods items", c.goods.len()), ("parties", c.parties.len()), ("equipment", c.equipment.len())] {
        if n > max {
            fields.error("too_many_items", format!("expected at most {max} {what}, found {n}"), root);
            return false;
        }
    }
    true
}

/// Adds a value to an attribute, joining repeated values with `; `.
pub(crate) fn append(c: &mut Consignment, key: &str, value: &str) {
    c.attributes
        .entry(key.into())
        .and_modify(|v| {
            v.push_str("; ");
            v.push_str(value);
        })
        .or_insert_with(|| value.into());
}
