//! `Diagnostic`: one problem found in an input — a stable code, a readable message, where it is and which rule
//! says so. Parsers, the completeness check and business rules all report through this one type.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::consignment::Text;
use crate::location::Location;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The input is usable, but something is missing or odd (e.g. an absent SAFE data element).
    Warning,
    /// The input, or this part of it, is invalid.
    Error,
}

/// One problem found in an input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Diagnostic {
    /// How serious it is.
    pub severity: Severity,
    /// A stable snake_case code (`invalid_hs_code`, `missing_element`, `syntax`) or, for business rules, the
    /// rule owner's error number (`8634`).
    pub code: Text,
    /// A readable sentence: what was expected and what was found.
    pub message: Text,
    /// Where the problem is.
    pub location: Location,
    /// The rule that says so, where one does (`PLACI-3`, `SAFE-1.4`, `R007`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<Text>,
}

impl Diagnostic {
    /// Returns an error diagnostic.
    pub fn error(code: impl Into<Text>, message: impl Into<Text>, location: Location) -> Diagnostic {
        Diagnostic { severity: Severity::Error, code: code.into(), message: message.into(), location, rule: None }
    }

    /// Returns a warning diagnostic.
    pub fn warning(code: impl Into<Text>, message: impl Into<Text>, location: Location) -> Diagnostic {
        Diagnostic { severity: Severity::Warning, code: code.into(), message: message.into(), location, rule: None }
    }

    /// Returns this diagnostic with the rule that raised it.
    pub fn with_rule(mut self, rule: impl Into<Text>) -> Diagnostic {
        self.rule = Some(rule.into());
        self
    }

    /// Returns whether this diagnostic makes the input invalid.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Renders `file:line:column: path: error[code]: message (rule R)`.
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let location = self.location.to_string();
        if !location.is_empty() {
            write!(f, "{location}: ")?;
        }
        let severity = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        write!(f, "{severity}[{}]: {}", self.code, self.message)?;
        if let Some(rule) = &self.rule {
            write!(f, " (rule {rule})")?;
        }
        Ok(())
    }
}
