//! `CountryCode`: an ISO 3166-1 alpha-2 country code, plus the user-assigned codes customs systems use.

use crate::codes::{CodeError, CodeErrorKind, Inline, normalise, string_code};

/// Every officially assigned ISO 3166-1 alpha-2 code (249), sorted.
const ISO_3166_1: &[&str] = &[
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ", "BA", "BB", "BD",
    "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS", "BT", "BV", "BW", "BY", "BZ", "CA",
    "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN", "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE",
    "DJ", "DK", "DM", "DO", "DZ", "EC", "EE", "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA",
    "GB", "GD", "GE", "GF", "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK",
    "HM", "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM", "JO", "JP",
    "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC", "LI", "LK", "LR", "LS", "LT",
    "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK", "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS",
    "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA", "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ",
    "OM", "PA", "PE", "PF", "PG", "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS",
    "RU", "RW", "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS", "ST",
    "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO", "TR", "TT", "TV", "TW",
    "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI", "VN", "VU", "WF", "WS", "YE", "YT", "ZA",
    "ZM", "ZW",
];

/// Codes outside the official list that customs declarations use: `EU` (exceptionally reserved, used for EU
/// origin), and the user-assigned `XC` (Ceuta), `XI` (United Kingdom in respect of Northern Ireland), `XK`
/// (Kosovo), `XL` (Melilla), `XU` (United Kingdom excluding Northern Ireland). Sorted.
const CUSTOMS_ASSIGNED: &[&str] = &["EU", "XC", "XI", "XK", "XL", "XU"];

/// Every code of [`ISO_3166_1`] and [`CUSTOMS_ASSIGNED`] as a bit set: bit `b - 'A'` of entry `a - 'A'` is set
/// for the code `ab`.
const KNOWN: [u32; 26] = {
    let mut known = [0u32; 26];
    let lists = [ISO_3166_1, CUSTOMS_ASSIGNED];
    let mut l = 0;
    while l < lists.len() {
        let mut i = 0;
        while i < lists[l].len() {
            let code = lists[l][i].as_bytes();
            known[(code[0] - b'A') as usize] |= 1 << (code[1] - b'A');
            i += 1;
        }
        l += 1;
    }
    known
};

/// An ISO 3166-1 alpha-2 country code, or one of the few user-assigned codes that customs systems use
/// (see [`CountryCode::is_user_assigned`]). Input is upper-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CountryCode(Inline<2>);

string_code!(CountryCode, "ISO 3166-1 alpha-2 country code", "^[A-Z]{2}$");

impl CountryCode {
    /// Parses a two-letter country code, case-insensitively.
    pub fn parse(input: &str) -> Result<CountryCode, CodeError> {
        const WHAT: &str = "country code";
        // Fast path for the usual input, two capital letters: one table lookup.
        if let &[first @ b'A'..=b'Z', second @ b'A'..=b'Z'] = input.as_bytes() {
            if KNOWN[(first - b'A') as usize] & (1 << (second - b'A')) != 0 {
                return Ok(CountryCode(Inline::new(input)));
            }
        }
        let code = normalise(input);
        if code.chars().count() != 2 {
            let kind = CodeErrorKind::Length { expected: "2 letters", found: code.chars().count() };
            return Err(CodeError::new(WHAT, input, kind));
        }
        if let Some((position, found)) = code.chars().enumerate().find(|(_, c)| !c.is_ascii_uppercase()) {
            return Err(CodeError::new(
                WHAT,
                input,
                CodeErrorKind::Character { position, expected: "a letter", found },
            ));
        }
        if ISO_3166_1.binary_search(&code.as_str()).is_err() && CUSTOMS_ASSIGNED.binary_search(&code.as_str()).is_err()
        {
            return Err(CodeError::new(WHAT, input, CodeErrorKind::Unknown { list: "ISO 3166-1 alpha-2" }));
        }
        Ok(CountryCode(Inline::new(&code)))
    }

    /// Returns whether this is a user-assigned or reserved code rather than an officially assigned one.
    pub fn is_user_assigned(&self) -> bool {
        CUSTOMS_ASSIGNED.binary_search(&self.as_str()).is_ok()
    }

    /// Returns every officially assigned ISO 3166-1 alpha-2 code, sorted.
    pub fn all_official() -> &'static [&'static str] {
        ISO_3166_1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_path_agrees_with_the_lists_for_every_pair_of_letters() {
        for a in b'A'..=b'Z' {
            for b in b'A'..=b'Z' {
                let code = String::from_utf8(vec![a, b]).expect("ASCII");
                let listed = ISO_3166_1.binary_search(&code.as_str()).is_ok()
                    || CUSTOMS_ASSIGNED.binary_search(&code.as_str()).is_ok();
                assert_eq!(CountryCode::parse(&code).is_ok(), listed, "{code}");
            }
        }
    }

    #[test]
    fn country_list_is_sorted_and_complete() {
        assert_eq!(ISO_3166_1.len(), 249);
        assert!(ISO_3166_1.windows(2).all(|w| w[0] < w[1]));
        assert!(CUSTOMS_ASSIGNED.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn country_code_accepts_real_codes_in_any_case() {
        for input in ["GB", "cn", " kr ", "SS", "XI"] {
            assert!(CountryCode::parse(input).is_ok(), "case {input:?}");
        }
        assert_eq!(CountryCode::parse("de").expect("valid").as_str(), "DE");
        assert!(CountryCode::parse("XK").expect("valid").is_user_assigned());
    }

    #[test]
    fn country_code_not_in_the_list_is_rejected() {
        for input in ["UK", "XX", "ZZ", "GBR", "G", "", "1A", "É1"] {
            assert!(CountryCode::parse(input).is_err(), "case {input:?} should be rejected");
        }
    }
}
