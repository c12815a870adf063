//! `HsCode`: a Harmonized System code of 2, 4, 6, 8 or 10 digits (chapter, heading, subheading, national lines).

use crate::codes::{CodeError, CodeErrorKind, Inline, string_code};
use crate::hs::{HsEdition, Nomenclature};

/// A Harmonized System code: 2, 4, 6, 8 or 10 digits whose chapter is 01 to 99. Dots and spaces in the
/// input (`8541.40`, `8541 40 10`) are removed. Whether the code exists in an edition of the nomenclature
/// is a separate question, answered by [`HsCode::exists_in`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HsCode(Inline<10>);

string_code!(HsCode, "Harmonized System code: 2, 4, 6, 8 or 10 digits", "^[0-9]{2}([0-9]{2}){0,4}$");

impl HsCode {
    /// Parses an HS code, accepting dots and spaces between digit groups.
    pub fn parse(input: &str) -> Result<HsCode, CodeError> {
        const WHAT: &str = "HS code";
        let mut digits = String::with_capacity(10);
        for (position, c) in input.trim().chars().enumerate() {
            match c {
                '0'..='9' => digits.push(c),
                '.' | ' ' => {}
                _ => {
                    return Err(CodeError::new(
                        WHAT,
                        input,
                        CodeErrorKind::Character { position, expected: "a digit", found: c },
                    ));
                }
            }
        }
        if !matches!(digits.len(), 2 | 4 | 6 | 8 | 10) {
            let kind = CodeErrorKind::Length { expected: "2, 4, 6, 8 or 10 digits", found: digits.len() };
            return Err(CodeError::new(WHAT, input, kind));
        }
        if &digits[..2] == "00" {
            return Err(CodeError::new(WHAT, input, CodeErrorKind::Unknown { list: "HS chapter" }));
        }
        Ok(HsCode(Inline::new(&digits)))
    }

    /// Returns the number of digits (2, 4, 6, 8 or 10).
    pub fn level(&self) -> usize {
        self.as_str().len()
    }

    /// Returns the two-digit chapter.
    pub fn chapter(&self) -> &str {
        &self.as_str()[..2]
    }

    /// Returns the first `digits` digits (2, 4 or 6), or `None` when the code is shorter.
    pub fn prefix(&self, digits: usize) -> Option<&str> {
        let code = self.as_str();
        (digits <= code.len()).then(|| &code[..digits])
    }

    /// Returns the internationally harmonised part: the first six digits, or the whole code when shorter.
    pub fn international(&self) -> &str {
        let code = self.as_str();
        &code[..code.len().min(6)]
    }

    /// Returns whether the code's internationally harmonised part exists in the given edition of the nomenclature.
    /// National subdivisions (8 and 10 digits) cannot be checked against the international nomenclature, so a
    /// 10-digit code exists when its 6-digit subheading does.
    pub fn exists_in(&self, edition: HsEdition) -> bool {
        Nomenclature::builtin(edition).get(self.international()).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hs_code_accepts_real_codes_at_every_level() {
        for (input, expected) in [
            ("85", "85"),
            ("8541", "8541"),
            ("854140", "854140"),
            ("8541.40", "854140"),
            ("8541 40 10 00", "8541401000"),
        ] {
            assert_eq!(HsCode::parse(input).expect(input).as_str(), expected, "case {input}");
        }
    }

    #[test]
    fn hs_code_with_odd_length_or_letters_is_rejected() {
        for input in ["8", "85414", "8541400", "85414X", "", "00", "0000"] {
            assert!(HsCode::parse(input).is_err(), "case {input:?} should be rejected");
        }
    }

    #[test]
    fn hs_code_knows_which_edition_it_exists_in() {
        // 854140 (photosensitive devices incl. solar cells) was split in HS 2022 into 854141..854149.
        let solar = HsCode::parse("854140").expect("valid shape");
        assert!(solar.exists_in(HsEdition::Hs2017));
        assert!(!solar.exists_in(HsEdition::Hs2022));
        let led = HsCode::parse("854141").expect("valid shape");
        assert!(!led.exists_in(HsEdition::Hs2017));
        assert!(led.exists_in(HsEdition::Hs2022));
        // Horses, pure-bred breeding: unchanged in both editions; a national 10-digit line inherits that.
        let horses = HsCode::parse("0101210010").expect("valid shape");
        assert!(horses.exists_in(HsEdition::Hs2017) && horses.exists_in(HsEdition::Hs2022));
        assert!(!HsCode::parse("999998").expect("valid shape").exists_in(HsEdition::Hs2022));
    }
}
