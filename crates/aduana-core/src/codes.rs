//! Validated codes: each is a newtype that can only be built by parsing, so holding one proves it is well formed.

mod air_waybill_number;
mod container_number;
mod country_code;
mod currency_code;
mod hs_code;
mod imo_number;
mod lo_code;
mod un_number;

pub use air_waybill_number::AirWaybillNumber;
pub use container_number::ContainerNumber;
pub use country_code::CountryCode;
pub use currency_code::CurrencyCode;
pub use hs_code::HsCode;
pub use imo_number::ImoNumber;
pub use lo_code::LoCode;
pub use un_number::UnNumber;

/// Why a string is not a valid code of some kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {code}: {input:?}: {kind}")]
pub struct CodeError {
    /// Which kind of code was being parsed, e.g. "HS code".
    pub code: &'static str,
    /// The input as given (truncated to 64 characters).
    pub input: String,
    /// What was wrong with it.
    pub kind: CodeErrorKind,
}

impl CodeError {
    pub(crate) fn new(code: &'static str, input: &str, kind: CodeErrorKind) -> CodeError {
        CodeError { code, input: input.chars().take(64).collect(), kind }
    }

    /// Returns the stable snake_case error code used in diagnostics and API errors, e.g. `invalid_hs_code`.
    pub fn error_code(&self) -> &'static str {
        match self.code {
            "HS code" => "invalid_hs_code",
            "country code" => "invalid_country_code",
            "currency code" => "invalid_currency_code",
            "UN/LOCODE" => "invalid_locode",
            "container number" => "invalid_container_number",
            "IMO number" => "invalid_imo_number",
            "air waybill number" => "invalid_air_waybill_number",
            "UN number" => "invalid_un_number",
            _ => "invalid_code",
        }
    }
}

/// What was wrong with a code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CodeErrorKind {
    /// The input has the wrong number of characters.
    #[error("expected {expected}, found {found} characters")]
    Length { expected: &'static str, found: usize },
    /// A character is not allowed at its position.
    #[error("expected {expected} at position {position}, found {found:?}")]
    Character { position: usize, expected: &'static str, found: char },
    /// The check digit does not match the rest of the code.
    #[error("check digit is {found}, expected {expected}")]
    CheckDigit { expected: u32, found: u32 },
    /// The code has the right shape but is not in the code list.
    #[error("not in the {list} code list")]
    Unknown { list: &'static str },
}

/// Implements the string form shared by every code newtype: `as_str`, `Display`, `FromStr`, serde as a string
/// (deserialising only through the parser) and a JSON Schema of type string.
macro_rules! string_code {
    ($ty:ident, $description:literal, $pattern:literal) => {
        impl $ty {
            /// Returns the code in its canonical string form.
            pub fn as_str(&self) -> &str {
                self.0.as_str()
            }

            /// Returns the bytes of the code's canonical string form, always ASCII. Cheaper than `as_str` (no
            /// UTF-8 check) for hot paths that compare or pack the code.
            #[inline]
            pub fn as_bytes(&self) -> &[u8] {
                self.0.as_bytes()
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.0.as_str())
            }
        }

        impl std::str::FromStr for $ty {
            type Err = crate::codes::CodeError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $ty::parse(s)
            }
        }

        impl TryFrom<String> for $ty {
            type Error = crate::codes::CodeError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                $ty::parse(&s)
            }
        }

        impl From<$ty> for String {
            fn from(code: $ty) -> String {
                code.0.as_str().to_owned()
            }
        }

        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.0.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(deserializer)?;
                $ty::parse(&s).map_err(serde::de::Error::custom)
            }
        }

        impl schemars::JsonSchema for $ty {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($ty).into()
            }
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({
                    "type": "string",
                    "description": $description,
                    "pattern": $pattern,
                })
            }
        }
    };
}
pub(crate) use string_code;

/// The text of a code, held inline: every code is short ASCII, so a code costs no heap allocation to build, clone
/// or drop. Compares, orders, hashes and prints (`Debug`) exactly as the same text in a `String` would.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Inline<const N: usize> {
    bytes: [u8; N],
    len: u8,
}

impl<const N: usize> Inline<N> {
    /// Returns `text` held inline.
    ///
    /// # Panics
    ///
    /// When `text` is longer than `N` bytes or not ASCII: callers pass text their parser has already bounded and
    /// checked.
    pub(crate) fn new(text: &str) -> Inline<N> {
        assert!(text.len() <= N && N <= u8::MAX as usize, "a code of at most {N} bytes, found {}", text.len());
        assert!(text.is_ascii(), "a code is ASCII, found {text:?}");
        let mut bytes = [0; N];
        bytes[..text.len()].copy_from_slice(text.as_bytes());
        Inline { bytes, len: text.len() as u8 }
    }

    /// Returns the text.
    pub(crate) fn as_str(&self) -> &str {
        std::str::from_utf8(self.as_bytes()).expect("the bytes were copied whole from a str")
    }

    /// Returns the bytes of the text (ASCII), without the UTF-8 check `as_str` needs.
    #[inline]
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }
}

impl<const N: usize> std::fmt::Debug for Inline<N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl<const N: usize> std::hash::Hash for Inline<N> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl<const N: usize> PartialOrd for Inline<N> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl<const N: usize> Ord for Inline<N> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        // `str` orders by its bytes.
        self.as_bytes().cmp(other.as_bytes())
    }
}

/// Returns the input with ASCII whitespace removed at both ends and upper-cased, as every code parser accepts it.
pub(crate) fn normalise(input: &str) -> String {
    input.trim().to_ascii_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn every_code_round_trips_through_its_string_form(s in "[A-Z0-9 -]{0,14}") {
            macro_rules! round_trip {
                ($($ty:ty),*) => {$(
                    if let Ok(code) = <$ty>::parse(&s) {
                        let again = <$ty>::parse(code.as_str()).expect("a code's own string form parses");
                        prop_assert_eq!(code.as_bytes(), code.as_str().as_bytes());
                        prop_assert!(code.as_bytes().is_ascii());
                        prop_assert_eq!(code, again);
                    }
                )*};
            }
            round_trip!(HsCode, CountryCode, CurrencyCode, LoCode, ContainerNumber, ImoNumber, AirWaybillNumber,
                UnNumber);
        }

        #[test]
        fn codes_order_as_their_text_does(a in "[0-9]{2,10}", b in "[0-9]{2,10}", c in "[A-Z]{2}", d in "[A-Z]{2}") {
            if let (Ok(x), Ok(y)) = (HsCode::parse(&a), HsCode::parse(&b)) {
                prop_assert_eq!(x.cmp(&y), x.as_str().cmp(y.as_str()));
            }
            if let (Ok(x), Ok(y)) = (CountryCode::parse(&c), CountryCode::parse(&d)) {
                prop_assert_eq!(x.cmp(&y), x.as_str().cmp(y.as_str()));
            }
        }

        #[test]
        fn no_code_parser_panics_on_any_string(s in "\\PC{0,20}") {
            let _ = (HsCode::parse(&s), CountryCode::parse(&s), CurrencyCode::parse(&s), LoCode::parse(&s),
                ContainerNumber::parse(&s), ImoNumber::parse(&s), AirWaybillNumber::parse(&s), UnNumber::parse(&s));
        }
    }
}
