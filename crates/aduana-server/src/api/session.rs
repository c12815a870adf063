//! `POST /api/login` (name and password → an HttpOnly session cookie; the session lives in the store, so any
//! server process sharing the database accepts it), `POST /api/logout` and `GET /api/me`.

use aduana_store::NewAuditEntry;
use aduana_store::audit::sha256_hex;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::auth::{Caller, SESSION_COOKIE, session_id, verify_password};
use crate::error::{ApiError, ErrorCode};
use crate::json::ApiJson;
use crate::state::AppState;

/// Credentials.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct LoginRequest {
    name: String,
    password: String,
}

/// Who is logged in.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Me {
    name: String,
    /// `administrator`, `analyst`, `officer`, `auditor`, `submitter` or `partner`.
    role: String,
}

/// Logs in with a name and password; sets the session cookie.
#[utoipa::path(
    post, path = "/api/login", tag = "session", request_body = LoginRequest,
    responses((status = 200, description = "Logged in; the `aduana_session` cookie is set", body = Me), (status = 401, body = crate::error::ErrorBody), (status = 429, body = crate::error::ErrorBody)),
)]
pub(crate) async fn login(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Response, ApiError> {
    let (user, cookie) = open_session(&state, &request.name, request.password).await?;
    let mut response = Json(Me { name: user.name, role: user.role.as_str().to_owned() }).into_response();
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(response)
}

/// Checks a name and password (with the per-name login brake) and opens a session; returns the user and the
/// `Set-Cookie` value. Shared by `POST /api/login` and the workbench's login form.
pub(crate) async fn open_session(
    state: &AppState,
    name: &str,
    password: String,
) -> Result<(aduana_store::User, HeaderValue), ApiError> {
    let key = {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        name.hash(&mut hasher);
        hasher.finish()
    };
    if let Err(wait) = state.inner.login_limiter.take(key, std::time::Instant::now()) {
        state.inner.metrics.rate_limited();
        let mut error =
            ApiError::new(ErrorCode::RateLimited, format!("too many login attempts for this name; retry in {wait} s"));
        error.retry_after_secs = Some(wait);
        return Err(error);
    }
    let found = state.store().user_by_name(name).await?;
    let (user, hash) = match found {
        Some((user, hash)) => (Some(user), hash),
        None => (None, None),
    };
    let ok = verify_password(hash, password).await;
    let Some(user) = user.filter(|_| ok) else {
        state.inner.metrics.auth_failure();
        let entry = NewAuditEntry {
            actor: name.to_owned(),
            action: "login.failure".to_owned(),
            subject: format!("user/{name}"),
            details: serde_json::json!({}),
        };
        state.store().append_audit(&entry).await?;
        return Err(ApiError::new(ErrorCode::InvalidCredentials, "the name or password is wrong"));
    };
    let session = crate::auth::new_secret("").map_err(|e| ApiError::internal(&e))?;
    let ttl = state.inner.settings.session_ttl;
    let expires = chrono::Utc::now() + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::hours(12));
    state.store().create_session(&sha256_hex(session.as_bytes()), user.id, expires).await?;
    // Logins are rare enough to carry the housekeeping of expired sessions.
    state.store().delete_expired_sessions(chrono::Utc::now()).await?;
    let entry = NewAuditEntry {
        actor: user.name.clone(),
        action: "login.success".to_owned(),
        subject: format!("user/{}", user.name),
        details: serde_json::json!({}),
    };
    state.store().append_audit(&entry).await?;
    let secure = if state.inner.settings.secure_cookies { "; Secure" } else { "" };
    let cookie =
        format!("{SESSION_COOKIE}={session}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{secure}", ttl.as_secs());
    let value = HeaderValue::from_str(&cookie).map_err(|e| ApiError::internal(&e))?;
    Ok((user, value))
}

/// Ends the session of the cookie sent.
#[utoipa::path(post, path = "/api/logout", tag = "session", responses((status = 204, description = "Logged out; the cookie is cleared")))]
pub(crate) async fn logout(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(id) = session_id(&headers) {
        state.store().delete_session(&sha256_hex(id.as_bytes())).await?;
    }
    let clear = format!("{SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    let mut response = StatusCode::NO_CONTENT.into_response();
    let value = HeaderValue::from_str(&clear).map_err(|e| ApiError::internal(&e))?;
    response.headers_mut().insert(header::SET_COOKIE, value);
    Ok(response)
}

/// Returns who the caller is.
#[utoipa::path(
    get, path = "/api/me", tag = "session",
    responses((status = 200, body = Me), (status = 401, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn me(caller: Caller) -> Json<Me> {
    Json(Me { name: caller.user.name, role: caller.user.role.as_str().to_owned() })
}
