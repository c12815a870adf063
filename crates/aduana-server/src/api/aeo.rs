//! The AEO register (`docs/aeo-register.md`): `PUT /api/aeo` uploads a new register (CSV; it replaces the previous
//! one from the next batch, in every server process), `GET /api/aeo` describes the current one and
//! `GET /api/aeo/{identifier}` looks an operator up.

use aduana_core::{Diagnostic, Location, LocationPath, PartyIdentifier};
use aduana_risk::AeoRegister;
use aduana_store::{NewAeoRegister, NewAuditEntry, StoredAeoRegister, Timestamp};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use serde::Serialize;

use crate::auth::{Caller, access};
use crate::error::{ApiError, ErrorCode};
use crate::json::{ApiPath, body_rejection};
use crate::state::AppState;

/// The name uploaded registers are reported under in errors.
const SOURCE_NAME: &str = "aeo-register.csv";

/// An uploaded AEO register.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct RegisterView {
    /// 1 for the first upload, +1 for each.
    upload: i64,
    /// The number of operators and a fingerprint of the content (as assessments' `versions.aeo` show it).
    version: String,
    operators: i64,
    loaded_by: String,
    #[schema(value_type = String, format = DateTime)]
    loaded_at: Timestamp,
}

/// The current register, if one was uploaded.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct CurrentRegister {
    register: Option<RegisterView>,
}

/// One operator of the register.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct OperatorView {
    identifier: String,
    name: String,
    programme: String,
    /// `valid`, `suspended` or `revoked`.
    status: String,
    valid_from: String,
    valid_to: Option<String>,
    recognised_under: Option<String>,
    /// Whether the operator gets the AEO benefit today.
    benefits_today: bool,
}

/// The register's entries for an identifier.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Lookup {
    identifier: String,
    register_version: String,
    operators: Vec<OperatorView>,
}

impl From<StoredAeoRegister> for RegisterView {
    fn from(r: StoredAeoRegister) -> RegisterView {
        RegisterView {
            upload: r.upload,
            version: r.version,
            operators: r.operators,
            loaded_by: r.loaded_by,
            loaded_at: r.loaded_at,
        }
    }
}

/// Reads an uploaded register; every bad cell located.
pub(crate) fn read_register(body: &[u8]) -> Result<(AeoRegister, String), ApiError> {
    let text = String::from_utf8(body.to_vec()).map_err(|e| {
        ApiError::new(
            ErrorCode::InvalidAeoRegister,
            format!("expected UTF-8 text, found a byte that is not at offset {}", e.utf8_error().valid_up_to()),
        )
        .at(Location::file(SOURCE_NAME))
    })?;
    let register = AeoRegister::parse_csv(text.as_bytes(), SOURCE_NAME).map_err(|errors| {
        let diagnostics: Vec<Diagnostic> = errors
            .iter()
            .map(|e| {
                let location =
                    Location::file(&e.source_name).with_path(LocationPath::Field { field: e.column.clone() });
                let location = Location { line: Some(e.line), ..location };
                Diagnostic::error("invalid_aeo_register", e.message.clone(), location)
            })
            .collect();
        let first = errors.first().map(ToString::to_string);
        ApiError::refused_document(ErrorCode::InvalidAeoRegister, "register", first, diagnostics)
    })?;
    Ok((register, text))
}

/// Uploads a new AEO register, replacing the current one.
#[utoipa::path(
    put, path = "/api/aeo", tag = "aeo",
    request_body(content = String, description = "The register as CSV (docs/aeo-register.md)", content_type = "text/csv"),
    responses(
        (status = 201, body = RegisterView),
        (status = 422, description = "The register cannot be read: every bad cell, by line and column, in `diagnostics`", body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 413, body = crate::error::ErrorBody),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<RegisterView>), ApiError> {
    caller.require(access::MANAGE_AEO)?;
    let body = body.map_err(|r| body_rejection(&r))?;
    let (register, text) =
        tokio::task::spawn_blocking(move || read_register(&body)).await.map_err(|e| ApiError::internal(&e))??;
    let new = NewAeoRegister {
        version: register.version.clone(),
        operators: i64::try_from(register.operators().len()).unwrap_or(i64::MAX),
        body: text,
        loaded_by: caller.user.name.clone(),
    };
    let audit = NewAuditEntry {
        actor: caller.user.name.clone(),
        action: "aeo.upload".to_owned(),
        subject: "aeo-register".to_owned(),
        details: serde_json::json!({"version": register.version, "operators": register.operators().len()}),
    };
    let stored = state.store().store_aeo_register(&new, &audit).await?;
    state.refresh_risk_config().await?;
    Ok((StatusCode::CREATED, Json(stored.into())))
}

/// Describes the current AEO register.
#[utoipa::path(
    get, path = "/api/aeo", tag = "aeo",
    responses((status = 200, body = CurrentRegister), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn current(State(state): State<AppState>, caller: Caller) -> Result<Json<CurrentRegister>, ApiError> {
    caller.require(access::READ_AEO)?;
    let register = state.store().aeo_register().await?;
    Ok(Json(CurrentRegister { register: register.map(|(r, _)| r.into()) }))
}

/// Looks an operator up in the current AEO register by identifier (EORI, TIN, programme number).
#[utoipa::path(
    get, path = "/api/aeo/{identifier}", tag = "aeo", params(("identifier" = String, Path)),
    responses((status = 200, body = Lookup), (status = 404, description = "No register, or no operator with this identifier", body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn lookup(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(identifier): ApiPath<String>,
) -> Result<Json<Lookup>, ApiError> {
    caller.require(access::READ_AEO)?;
    let Some((_, text)) = state.store().aeo_register().await? else {
        return Err(ApiError::new(ErrorCode::NotFound, "no AEO register has been uploaded"));
    };
    let register = AeoRegister::parse_csv(text.as_bytes(), SOURCE_NAME).map_err(|errors| {
        let reasons: Vec<String> = errors.iter().map(ToString::to_string).collect();
        ApiError::internal(&aduana_store::StoreError::Corrupt {
            what: "AEO register",
            id: "latest".to_owned(),
            reason: reasons.join("; "),
        })
    })?;
    let wanted = PartyIdentifier { scheme: Default::default(), value: identifier.as_str().into() };
    let today = chrono::Utc::now().date_naive();
    let operators: Vec<OperatorView> = register
        .lookup(&wanted)
        .map(|o| OperatorView {
            identifier: o.identifier.clone(),
            name: o.name.clone(),
            programme: o.programme.clone(),
            status: o.status.as_str().to_owned(),
            valid_from: o.valid_from.to_string(),
            valid_to: o.valid_to.map(|d| d.to_string()),
            recognised_under: o.recognised_under.clone(),
            benefits_today: o.benefits_on(today),
        })
        .collect();
    if operators.is_empty() {
        return Err(ApiError::not_found("AEO operator", identifier));
    }
    Ok(Json(Lookup { identifier, register_version: register.version, operators }))
}
