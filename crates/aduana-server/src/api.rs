//! The HTTP resources, one module each with the same parts: request and response types (with OpenAPI schemas),
//! handlers that check the caller's role first, and conversions from store records.

pub(crate) mod aeo;
pub(crate) mod assessments;
pub(crate) mod audit;
pub(crate) mod case_images;
pub(crate) mod cases;
pub(crate) mod cash;
pub(crate) mod consignments;
pub(crate) mod decisions;
pub(crate) mod examinations;
pub(crate) mod exchange;
pub(crate) mod lists;
pub(crate) mod profiles;
pub(crate) mod service;
pub(crate) mod session;
pub(crate) mod users;

use aduana_store::NewAuditEntry;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

/// The OpenAPI name of Aduana's canonical consignment (its schema is generated from the domain types).
#[derive(Debug)]
pub(crate) struct ConsignmentSchema;

impl utoipa::PartialSchema for ConsignmentSchema {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::Object::new().into()
    }
}

impl utoipa::ToSchema for ConsignmentSchema {
    fn name() -> std::borrow::Cow<'static, str> {
        "Consignment".into()
    }
}

/// The OpenAPI name of an assessment (its schema is generated from the domain types).
#[derive(Debug)]
pub(crate) struct AssessmentSchema;

impl utoipa::PartialSchema for AssessmentSchema {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::Object::new().into()
    }
}

impl utoipa::ToSchema for AssessmentSchema {
    fn name() -> std::borrow::Cow<'static, str> {
        "Assessment".into()
    }
}

/// Appends an audit entry for something the caller did or read.
pub(crate) async fn record_audit(
    state: &AppState,
    caller: &Caller,
    action: &str,
    subject: String,
    details: serde_json::Value,
) -> Result<(), ApiError> {
    let entry = NewAuditEntry { actor: caller.user.name.clone(), action: action.to_owned(), subject, details };
    state.store().append_audit(&entry).await?;
    Ok(())
}
