//! `UnNumber`: a UN dangerous-goods number.

use crate::codes::{CodeError, CodeErrorKind, Inline, string_code};

/// A UN dangerous-goods number: four digits, 0004 to 3599 as assigned by the UN Model Regulations (input may
/// carry a `UN` prefix: `UN1203`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnNumber(Inline<4>);

string_code!(UnNumber, "UN dangerous-goods number (4 digits)", "^[0-9]{4}$");

impl UnNumber {
    /// Parses a UN number, with or without the `UN` prefix.
    pub fn parse(input: &str) -> Result<UnNumber, CodeError> {
        const WHAT: &str = "UN number";
        let trimmed = input.trim();
        let digits = trimmed.strip_prefix("UN").or_else(|| trimmed.strip_prefix("un")).unwrap_or(trimmed).trim_start();
        if digits.chars().count() != 4 {
            let kind = CodeErrorKind::Length { expected: "4 digits", found: digits.chars().count() };
            return Err(CodeError::new(WHAT, input, kind));
        }
        if let Some((position, found)) = digits.chars().enumerate().find(|(_, c)| !c.is_ascii_digit()) {
            return Err(CodeError::new(WHAT, input, CodeErrorKind::Character { position, expected: "a digit", found }));
        }
        if !(4..=3599).contains(&digits.parse::<u32>().expect("four ASCII digits")) {
            return Err(CodeError::new(
                WHAT,
                input,
                CodeErrorKind::Unknown { list: "UN Model Regulations (0004-3599)" },
            ));
        }
        Ok(UnNumber(Inline::new(digits)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn un_number_accepts_real_numbers() {
        for input in ["1203", "UN1203", "UN 3480", "0004"] {
            assert!(UnNumber::parse(input).is_ok(), "case {input:?}");
        }
    }

    #[test]
    fn un_number_out_of_range_or_malformed_is_rejected() {
        for input in ["0000", "9999", "120", "12034", "UNXXXX", ""] {
            assert!(UnNumber::parse(input).is_err(), "case {input:?} should be rejected");
        }
    }
}
