//! The input limits every reader runs with: the one documented place where their defaults live.

use aduana_formats::Limits;

/// Returns the default limits: 64 MiB per document (one XML file, one EDIFACT message, one JSON line), nesting 64
/// deep, 10,000 items of a kind per consignment, 1,000 diagnostics per input.
pub(crate) fn default_limits() -> Limits {
    Limits { max_document_bytes: 64 << 20, max_depth: 64, max_items: 10_000, max_diagnostics: 1_000 }
}
