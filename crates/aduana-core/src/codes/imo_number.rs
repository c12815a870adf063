//! `ImoNumber`: an IMO ship identification number with its check digit.

use crate::codes::{CodeError, CodeErrorKind, Inline, string_code};

/// An IMO ship identification number: seven digits whose last is the check digit (the sum of the first six
/// multiplied by 7, 6, 5, 4, 3, 2, modulo 10). Input may carry an `IMO` prefix (`IMO 9074729`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ImoNumber(Inline<7>);

string_code!(ImoNumber, "IMO ship identification number (7 digits, check digit last)", "^[0-9]{7}$");

impl ImoNumber {
    /// Parses an IMO number, with or without the `IMO` prefix, and verifies its check digit.
    pub fn parse(input: &str) -> Result<ImoNumber, CodeError> {
        const WHAT: &str = "IMO number";
        let trimmed = input.trim();
        let digits = trimmed
            .strip_prefix("IMO")
            .or_else(|| trimmed.strip_prefix("imo"))
            .unwrap_or(trimmed)
            .trim_start_matches([' ', ':']);
        if digits.chars().count() != 7 {
            let kind = CodeErrorKind::Length { expected: "7 digits", found: digits.chars().count() };
            return Err(CodeError::new(WHAT, input, kind));
        }
        if let Some((position, found)) = digits.chars().enumerate().find(|(_, c)| !c.is_ascii_digit()) {
            return Err(CodeError::new(WHAT, input, CodeErrorKind::Character { position, expected: "a digit", found }));
        }
        let d: Vec<u32> = digits.bytes().map(|b| u32::from(b - b'0')).collect();
        let expected = d[..6].iter().zip([7, 6, 5, 4, 3, 2]).map(|(digit, weight)| digit * weight).sum::<u32>() % 10;
        if expected != d[6] {
            return Err(CodeError::new(WHAT, input, CodeErrorKind::CheckDigit { expected, found: d[6] }));
        }
        Ok(ImoNumber(Inline::new(digits)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imo_number_of_real_ships_is_accepted() {
        // 9074729 (the IMO's own worked example), 9321483 (Emma Maersk), 9811000 (Ever Given).
        for input in ["9074729", "IMO 9074729", "IMO9321483", "9811000"] {
            assert!(ImoNumber::parse(input).is_ok(), "case {input:?}");
        }
        assert_eq!(ImoNumber::parse("IMO 9074729").expect("valid").as_str(), "9074729");
    }

    #[test]
    fn imo_number_with_wrong_check_digit_is_rejected() {
        let error = ImoNumber::parse("9074728").expect_err("corrupted");
        assert_eq!(error.kind, CodeErrorKind::CheckDigit { expected: 9, found: 8 });
        assert!(ImoNumber::parse("9321484").is_err());
    }

    #[test]
    fn imo_number_with_bad_shape_is_rejected() {
        for input in ["907472", "90747290", "90747A9", ""] {
            assert!(ImoNumber::parse(input).is_err(), "case {input:?} should be rejected");
        }
    }
}
