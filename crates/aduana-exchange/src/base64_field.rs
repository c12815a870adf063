//! Byte strings in JSON: standard base64 with padding (strict: non-canonical trailing bits are rejected).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Deserializer, Serializer};

/// Encodes bytes as base64.
pub(crate) fn encode(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// Decodes base64 text.
pub(crate) fn decode(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    STANDARD.decode(text)
}

/// `#[serde(with = "base64_field")]` for `Vec<u8>`.
pub(crate) fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&encode(bytes))
}

/// `#[serde(with = "base64_field")]` for `Vec<u8>`.
pub(crate) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
    let text = String::deserialize(deserializer)?;
    decode(&text).map_err(|error| serde::de::Error::custom(format_args!("expected base64: {error}")))
}

/// `#[serde(with = "base64_field::array32")]` for `[u8; 32]`.
pub(crate) mod array32 {
    use serde::{Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(bytes: &[u8; 32], serializer: S) -> Result<S::Ok, S::Error> {
        super::serialize(bytes, serializer)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<[u8; 32], D::Error> {
        let bytes = super::deserialize(deserializer)?;
        let len = bytes.len();
        bytes.try_into().map_err(|_| serde::de::Error::custom(format_args!("expected 32 bytes, found {len}")))
    }
}
