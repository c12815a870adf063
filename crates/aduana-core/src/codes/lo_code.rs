//! `LoCode`: a UN/LOCODE location code (country + three-character location).

use crate::codes::{CodeError, CodeErrorKind, CountryCode, Inline, string_code};

/// A UN/LOCODE: an ISO 3166-1 country code followed by three characters from `A`–`Z` and `2`–`9`
/// (`GBFXT`, `USNYC`, `KRPUS`). Input may have a space between the parts (`GB FXT`). Only the shape is checked:
/// the code list itself is not shipped.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LoCode(Inline<5>);

string_code!(LoCode, "UN/LOCODE", "^[A-Z]{2}[A-Z2-9]{3}$");

impl LoCode {
    /// Parses a UN/LOCODE, case-insensitively, with an optional space after the country.
    pub fn parse(input: &str) -> Result<LoCode, CodeError> {
        const WHAT: &str = "UN/LOCODE";
        let code: String = input.trim().to_ascii_uppercase().chars().filter(|c| *c != ' ').collect();
        if code.chars().count() != 5 {
            let kind = CodeErrorKind::Length { expected: "5 characters", found: code.chars().count() };
            return Err(CodeError::new(WHAT, input, kind));
        }
        if !code.is_ascii() {
            let (position, found) = code.chars().enumerate().find(|(_, c)| !c.is_ascii()).expect("a non-ASCII char");
            let kind = CodeErrorKind::Character { position, expected: "an ASCII letter or digit", found };
            return Err(CodeError::new(WHAT, input, kind));
        }
        if CountryCode::parse(&code[..2]).is_err() {
            return Err(CodeError::new(WHAT, input, CodeErrorKind::Unknown { list: "ISO 3166-1 (country part)" }));
        }
        if let Some((position, found)) =
            code.chars().enumerate().skip(2).find(|(_, c)| !(c.is_ascii_uppercase() || ('2'..='9').contains(c)))
        {
            let kind = CodeErrorKind::Character { position, expected: "a letter or a digit 2-9", found };
            return Err(CodeError::new(WHAT, input, kind));
        }
        Ok(LoCode(Inline::new(&code)))
    }

    /// Returns the country part.
    pub fn country(&self) -> CountryCode {
        CountryCode::parse(&self.as_str()[..2]).expect("the country part was checked by the parser")
    }

    /// Returns the three-character location part.
    pub fn location(&self) -> &str {
        &self.as_str()[2..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locode_accepts_real_codes() {
        for (input, expected) in [("GBFXT", "GBFXT"), ("us nyc", "USNYC"), ("KRPUS", "KRPUS"), ("DEHAM", "DEHAM")] {
            assert_eq!(LoCode::parse(input).expect(input).as_str(), expected);
        }
        assert_eq!(LoCode::parse("NLRTM").expect("valid").country().as_str(), "NL");
    }

    #[test]
    fn locode_with_bad_country_or_characters_is_rejected() {
        for input in ["ZZABC", "GBFX1", "GBFX", "GBFXTT", "", "GB-FX"] {
            assert!(LoCode::parse(input).is_err(), "case {input:?} should be rejected");
        }
    }
}
