//! `ContainerNumber`: an ISO 6346 freight container identification with its check digit.

use crate::codes::{CodeError, CodeErrorKind, Inline, string_code};

/// An ISO 6346 container number: three-letter owner code, equipment category (`U` freight container, `J`
/// detachable equipment, `Z` trailer or chassis), six-digit serial and a check digit that must match
/// (`CSQU3054383`). Spaces and hyphens in the input are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ContainerNumber(Inline<11>);

string_code!(ContainerNumber, "ISO 6346 container number with check digit", "^[A-Z]{3}[UJZ][0-9]{7}$");

impl ContainerNumber {
    /// Parses a container number and verifies its check digit.
    pub fn parse(input: &str) -> Result<ContainerNumber, CodeError> {
        const WHAT: &str = "container number";
        let code: String =
            input.trim().chars().filter(|c| !matches!(c, ' ' | '-')).map(|c| c.to_ascii_uppercase()).collect();
        if code.chars().count() != 11 {
            let kind = CodeErrorKind::Length { expected: "11 characters", found: code.chars().count() };
            return Err(CodeError::new(WHAT, input, kind));
        }
        for (position, c) in code.chars().enumerate() {
            let (ok, expected) = match position {
                0..=2 => (c.is_ascii_uppercase(), "a letter (owner code)"),
                3 => (matches!(c, 'U' | 'J' | 'Z'), "an equipment category U, J or Z"),
                _ => (c.is_ascii_digit(), "a digit"),
            };
            if !ok {
                return Err(CodeError::new(WHAT, input, CodeErrorKind::Character { position, expected, found: c }));
            }
        }
        let expected = check_digit(&code[..10]);
        let found = u32::from(code.as_bytes()[10] - b'0');
        if expected != found {
            return Err(CodeError::new(WHAT, input, CodeErrorKind::CheckDigit { expected, found }));
        }
        Ok(ContainerNumber(Inline::new(&code)))
    }

    /// Returns the owner code (first three letters).
    pub fn owner(&self) -> &str {
        &self.as_str()[..3]
    }
}

/// ISO 6346 letter values A..Z: 10 upwards, skipping the multiples of 11 (11, 22, 33).
const LETTER_VALUES: [u32; 26] =
    [10, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 34, 35, 36, 37, 38];

/// Computes the ISO 6346 check digit of the first ten characters: letters take the values 10..38 skipping
/// multiples of 11, each position is weighted by 2^position, and the sum modulo 11 (10 counting as 0) is the digit.
fn check_digit(first_ten: &str) -> u32 {
    let sum: u32 = first_ten
        .bytes()
        .enumerate()
        .map(|(i, b)| {
            let value = match b {
                b'0'..=b'9' => u32::from(b - b'0'),
                _ => LETTER_VALUES[usize::from(b - b'A')],
            };
            value << i
        })
        .sum();
    sum % 11 % 10
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letter_values_skip_multiples_of_eleven() {
        assert!(LETTER_VALUES.iter().all(|v| v % 11 != 0));
        assert!(LETTER_VALUES.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn container_number_with_right_check_digit_is_accepted() {
        // The ISO 6346 reference example, a Maersk box, and the one container in the public CBP ACE
        // samples whose check digit is right; spaces and hyphens are tolerated.
        for input in ["CSQU3054383", "MSKU9070323", "ICGU0251151", "CSQU 305438 3", "ICGU-025115-1"] {
            let result = ContainerNumber::parse(input);
            assert!(result.is_ok(), "case {input:?}: {result:?}");
        }
    }

    #[test]
    fn container_number_with_wrong_check_digit_is_rejected() {
        let error = ContainerNumber::parse("CSQU3054384").expect_err("corrupted check digit");
        assert_eq!(error.kind, CodeErrorKind::CheckDigit { expected: 3, found: 4 });
        // A transposition of two serial digits is caught too.
        assert!(ContainerNumber::parse("CSQU3045383").is_err());
        // Most container numbers in the CBP ACE samples are made up and fail the check.
        assert!(ContainerNumber::parse("CONU1234567").is_err());
    }

    #[test]
    fn container_number_with_bad_shape_is_rejected() {
        for input in ["CSQX3054383", "CS1U3054383", "CSQU305438", "CSQU30543833", ""] {
            assert!(ContainerNumber::parse(input).is_err(), "case {input:?} should be rejected");
        }
    }
}
