//! The submission pipeline shared by the HTTP API and the NATS intake: bytes in a format → consignments (all or
//! nothing, with located diagnostics) → assessments. Synchronous on purpose: callers run it on a blocking thread.

use aduana_core::{Assessment, Consignment, Diagnostic, Location};
use aduana_formats::{Collected, Format, Limits};

use crate::assessor::Assessor;
use crate::error::{ApiError, ErrorCode};

/// Reads every consignment in a document; fails, naming every error, if any consignment has one.
pub(crate) fn read_document(
    format: Format,
    body: &[u8],
    source: &str,
    limits: &Limits,
) -> Result<Vec<Consignment>, ApiError> {
    let mut sink = Collected::default();
    aduana_formats::read(format, &mut &body[..], source, limits, &mut sink).map_err(|e| ApiError::internal(&e))?;
    let errors: Vec<Diagnostic> = sink.diagnostics.into_iter().filter(Diagnostic::is_error).collect();
    if let Some(first) = errors.first() {
        let message = format!(
            "{} error{} in the submission; nothing was stored. First: {}",
            errors.len(),
            if errors.len() == 1 { "" } else { "s" },
            first.message
        );
        let mut error = ApiError::new(ErrorCode::InvalidConsignment, message).at(first.location.clone());
        error.diagnostics = errors;
        return Err(error);
    }
    if sink.consignments.is_empty() {
        return Err(ApiError::new(ErrorCode::NoConsignment, "expected at least one consignment, found none")
            .at(Location::file(source)));
    }
    Ok(sink.consignments)
}

/// Assesses consignments as one batch and pairs each with its assessment.
pub(crate) fn assess(
    assessor: &dyn Assessor,
    consignments: Vec<Consignment>,
) -> Result<Vec<(Consignment, Assessment)>, ApiError> {
    let assessments = assessor.assess_batch(&consignments);
    if assessments.len() != consignments.len() {
        return Err(ApiError::new(ErrorCode::Internal, "the assessor returned the wrong number of assessments"));
    }
    Ok(consignments.into_iter().zip(assessments).collect())
}

/// Returns the format a document is in, judging by its first bytes.
pub(crate) fn detect(body: &[u8]) -> Option<Format> {
    aduana_formats::detect(&body[..body.len().min(8192)])
}
