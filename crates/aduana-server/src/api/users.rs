//! `POST /api/users`: an administrator creates a user and receives its first API token (audited).

use aduana_store::{NewUser, Role};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::api::record_audit;
use crate::auth::{Caller, access, hash_password, issue_token};
use crate::error::{ApiError, ErrorCode};
use crate::json::ApiJson;
use crate::state::AppState;

/// A user to create.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewUserRequest {
    /// A unique name: letters, digits, `.`, `_`, `-`, `@`.
    name: String,
    /// `administrator`, `analyst`, `officer`, `auditor`, `submitter` or `partner`.
    role: String,
    /// A password for logging in from a browser (at least 12 characters); without one the user has only tokens.
    password: Option<String>,
}

/// The created user and its API token (shown once: only its hash is stored).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct CreatedUser {
    id: i64,
    name: String,
    role: String,
    token: String,
}

/// Checks a user name: 1 to 64 characters from a small safe set.
pub fn valid_user_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
}

/// Creates a user.
#[utoipa::path(
    post, path = "/api/users", tag = "users", request_body = NewUserRequest,
    responses((status = 201, body = CreatedUser), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(request): ApiJson<NewUserRequest>,
) -> Result<(StatusCode, Json<CreatedUser>), ApiError> {
    caller.require(access::MANAGE_USERS)?;
    let invalid = |message: String| ApiError::new(ErrorCode::InvalidBody, message);
    if !valid_user_name(&request.name) {
        return Err(invalid(format!(
            "expected a name of 1 to 64 letters, digits, `.`, `_`, `-` or `@`, found `{}`",
            request.name
        )));
    }
    let role: Role = request.role.parse().map_err(invalid)?;
    let password_hash = match request.password {
        Some(password) if password.chars().count() < 12 => {
            return Err(invalid("expected a password of at least 12 characters".to_owned()));
        }
        Some(password) => Some(hash_password(password).await.map_err(|e| ApiError::internal(&e))?),
        None => None,
    };
    let user = state.store().add_user(&NewUser { name: request.name, role, password_hash }).await?;
    let token = issue_token(state.store(), user.id).await.map_err(|e| ApiError::internal(&e))?;
    record_audit(
        &state,
        &caller,
        "user.create",
        format!("user/{}", user.name),
        serde_json::json!({"role": role.as_str()}),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(CreatedUser { id: user.id, name: user.name, role: role.as_str().to_owned(), token })))
}
