//! `Reference`: the transport document reference that keys a consignment.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::consignment::Text;

/// The longest reference accepted: EDIFACT's an..70, the widest of the formats Aduana reads.
const MAX_CHARS: usize = 70;

/// A transport document reference: 1 to 70 printable characters after trimming.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(try_from = "String", into = "String")]
#[schemars(with = "String")]
pub struct Reference(Text);

/// Why a string is not a usable reference.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReferenceError {
    /// The reference is empty or only whitespace.
    #[error("expected a transport document reference, found an empty value")]
    Empty,
    /// The reference is longer than 70 characters.
    #[error("expected at most {MAX_CHARS} characters, found {0}")]
    TooLong(usize),
    /// The reference contains a control character.
    #[error("expected printable characters, found a control character")]
    Control,
}

impl Reference {
    /// Parses a reference, trimming surrounding whitespace.
    pub fn parse(input: &str) -> Result<Reference, ReferenceError> {
        let trimmed = input.trim();
        check(trimmed)?;
        Ok(Reference(Text::from(trimmed)))
    }

    /// Returns the reference as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Checks an already-trimmed reference.
fn check(trimmed: &str) -> Result<(), ReferenceError> {
    let chars = trimmed.chars().count();
    if chars == 0 {
        return Err(ReferenceError::Empty);
    }
    if chars > MAX_CHARS {
        return Err(ReferenceError::TooLong(chars));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(ReferenceError::Control);
    }
    Ok(())
}

impl TryFrom<String> for Reference {
    type Error = ReferenceError;
    /// Takes the string as it is when it needs no trimming, so that bulk intake does not copy every reference.
    fn try_from(s: String) -> Result<Reference, ReferenceError> {
        if s.trim().len() == s.len() {
            check(&s)?;
            Ok(Reference(Text::from(s)))
        } else {
            Reference::parse(&s)
        }
    }
}

impl From<Reference> for String {
    fn from(r: Reference) -> String {
        r.0.into()
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_is_trimmed_and_bounded() {
        assert_eq!(Reference::parse("  MAEU1234 ").expect("valid").as_str(), "MAEU1234");
        assert_eq!(Reference::parse(" "), Err(ReferenceError::Empty));
        assert_eq!(Reference::parse(&"X".repeat(71)), Err(ReferenceError::TooLong(71)));
        assert_eq!(Reference::parse("A\u{0}B"), Err(ReferenceError::Control));
    }
}
