//! `CurrencyCode`: an ISO 4217 alphabetic currency code.

use crate::codes::{CodeError, CodeErrorKind, Inline, normalise, string_code};

/// ISO 4217 alphabetic codes: the current list plus recently withdrawn codes still seen in trade data
/// (HRK, SLL, ZWL, VEF, MRO, STD, BYR, CUC). Sorted.
const ISO_4217: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT", "BGN", "BHD", "BIF",
    "BMD", "BND", "BOB", "BOV", "BRL", "BSD", "BTN", "BWP", "BYN", "BYR", "BZD", "CAD", "CDF", "CHE", "CHF", "CHW",
    "CLF", "CLP", "CNY", "COP", "COU", "CRC", "CUC", "CUP", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD", "EGP", "ERN",
    "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HRK", "HTG",
    "HUF", "IDR", "ILS", "INR", "IQD", "IRR", "ISK", "JMD", "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW",
    "KWD", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP",
    "MRO", "MRU", "MUR", "MVR", "MWK", "MXN", "MXV", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "OMR",
    "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR", "SDG",
    "SEK", "SGD", "SHP", "SLE", "SLL", "SOS", "SRD", "SSP", "STD", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT",
    "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "USN", "UYI", "UYU", "UYW", "UZS", "VED", "VEF",
    "VES", "VND", "VUV", "WST", "XAF", "XAG", "XAU", "XBA", "XBB", "XBC", "XBD", "XCD", "XCG", "XDR", "XOF", "XPD",
    "XPF", "XPT", "XSU", "XTS", "XUA", "XXX", "YER", "ZAR", "ZMW", "ZWG", "ZWL",
];

/// An ISO 4217 alphabetic currency code, upper-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CurrencyCode(Inline<3>);

string_code!(CurrencyCode, "ISO 4217 currency code", "^[A-Z]{3}$");

impl CurrencyCode {
    /// Parses a three-letter currency code, case-insensitively.
    pub fn parse(input: &str) -> Result<CurrencyCode, CodeError> {
        const WHAT: &str = "currency code";
        let code = normalise(input);
        if code.chars().count() != 3 {
            let kind = CodeErrorKind::Length { expected: "3 letters", found: code.chars().count() };
            return Err(CodeError::new(WHAT, input, kind));
        }
        if let Some((position, found)) = code.chars().enumerate().find(|(_, c)| !c.is_ascii_uppercase()) {
            return Err(CodeError::new(
                WHAT,
                input,
                CodeErrorKind::Character { position, expected: "a letter", found },
            ));
        }
        if ISO_4217.binary_search(&code.as_str()).is_err() {
            return Err(CodeError::new(WHAT, input, CodeErrorKind::Unknown { list: "ISO 4217" }));
        }
        Ok(CurrencyCode(Inline::new(&code)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn currency_list_is_sorted() {
        assert!(ISO_4217.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn currency_code_accepts_real_codes() {
        for input in ["EUR", "usd", "KRW", "GBP", "CNY", "XOF"] {
            assert!(CurrencyCode::parse(input).is_ok(), "case {input:?}");
        }
    }

    #[test]
    fn currency_code_not_in_iso_4217_is_rejected() {
        for input in ["EU", "EURO", "ABC", "US$", "", "RMB"] {
            assert!(CurrencyCode::parse(input).is_err(), "case {input:?} should be rejected");
        }
    }
}
