//! `AirWaybillNumber`: an IATA air waybill number (airline prefix, serial, mod-7 check digit).

use crate::codes::{CodeError, CodeErrorKind, Inline, string_code};

/// An IATA air waybill number: a three-digit airline prefix and an eight-digit serial whose last digit is the
/// first seven modulo 7. Canonical form `888-11111111`; input may omit the hyphen or use a space.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AirWaybillNumber(Inline<12>);

string_code!(AirWaybillNumber, "IATA air waybill number: prefix-serial, mod-7 check digit", "^[0-9]{3}-[0-9]{8}$");

impl AirWaybillNumber {
    /// Parses an air waybill number and verifies its check digit.
    pub fn parse(input: &str) -> Result<AirWaybillNumber, CodeError> {
        const WHAT: &str = "air waybill number";
        let digits: String = input.trim().chars().filter(|c| !matches!(c, '-' | ' ')).collect();
        if digits.chars().count() != 11 {
            let kind =
                CodeErrorKind::Length { expected: "11 digits (3 prefix + 8 serial)", found: digits.chars().count() };
            return Err(CodeError::new(WHAT, input, kind));
        }
        if let Some((position, found)) = digits.chars().enumerate().find(|(_, c)| !c.is_ascii_digit()) {
            return Err(CodeError::new(WHAT, input, CodeErrorKind::Character { position, expected: "a digit", found }));
        }
        let serial: u32 = digits[3..10].parse().expect("seven ASCII digits fit in u32");
        let expected = serial % 7;
        let found = u32::from(digits.as_bytes()[10] - b'0');
        if expected != found {
            return Err(CodeError::new(WHAT, input, CodeErrorKind::CheckDigit { expected, found }));
        }
        Ok(AirWaybillNumber(Inline::new(&format!("{}-{}", &digits[..3], &digits[3..]))))
    }

    /// Returns the three-digit airline prefix.
    pub fn prefix(&self) -> &str {
        &self.as_str()[..3]
    }

    /// Returns the eight-digit serial number including the check digit.
    pub fn serial(&self) -> &str {
        &self.as_str()[4..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn air_waybill_number_with_right_check_digit_is_accepted() {
        // 888-11111111 from the IATA Cargo-XML samples; 176-12345675 (Emirates prefix, 1234567 mod 7 = 5).
        for (input, canonical) in
            [("888-11111111", "888-11111111"), ("88811111111", "888-11111111"), ("176 12345675", "176-12345675")]
        {
            assert_eq!(AirWaybillNumber::parse(input).expect(input).as_str(), canonical);
        }
        assert_eq!(AirWaybillNumber::parse("020-12345675").expect("valid").prefix(), "020");
    }

    #[test]
    fn air_waybill_number_with_wrong_check_digit_is_rejected() {
        let error = AirWaybillNumber::parse("888-11111112").expect_err("corrupted");
        assert_eq!(error.kind, CodeErrorKind::CheckDigit { expected: 1, found: 2 });
    }

    #[test]
    fn air_waybill_number_with_bad_shape_is_rejected() {
        for input in ["888-1111111", "888-111111111", "88A-11111111", ""] {
            assert!(AirWaybillNumber::parse(input).is_err(), "case {input:?} should be rejected");
        }
    }
}
