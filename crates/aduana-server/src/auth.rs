//! Who is calling and what they may do: Argon2id passwords (hashed on a blocking thread), API tokens and session
//! ids (random, stored only as SHA-256 hashes), the `Caller` extractor (bearer token or session cookie, then the
//! per-caller rate limit), and `access`, the one table of which roles may use which endpoint.

use std::sync::OnceLock;
use std::time::Instant;

use aduana_store::audit::{hex, sha256_hex};
use aduana_store::{Role, Store, StoreError, User};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "aduana_session";

/// Which roles may use which endpoints. Every handler checks its entry; `docs/api.md` prints this table.
pub mod access {
    use aduana_store::Role::{self, Administrator, Analyst, Auditor, Officer, Partner, Submitter};

    /// `POST /api/consignments`.
    pub const SUBMIT: &[Role] = &[Administrator, Submitter, Partner];
    /// `GET /api/consignments`, `GET /api/consignments/{id}` (a submitter sees only its own).
    pub const READ_CONSIGNMENTS: &[Role] = &[Administrator, Analyst, Officer, Auditor, Submitter];
    /// `GET /api/assessments`.
    pub const READ_ASSESSMENTS: &[Role] = &[Administrator, Analyst, Officer, Auditor];
    /// `POST /api/consignments/{id}/decisions`.
    pub const DECIDE: &[Role] = &[Officer];
    /// `GET /api/consignments/{id}/decisions`.
    pub const READ_DECISIONS: &[Role] = &[Administrator, Analyst, Officer, Auditor];
    /// `POST /api/consignments/{id}/examinations`, `POST /api/examinations/{id}/result`.
    pub const EXAMINE: &[Role] = &[Officer];
    /// `GET /api/consignments/{id}/examinations`, `GET /api/examinations/{id}` (restricted: every read is audited).
    pub const READ_EXAMINATIONS: &[Role] = &[Administrator, Analyst, Officer, Auditor];
    /// `POST /api/cases`, `PUT /api/cases/{id}`, `POST /api/cases/{id}/notes`.
    pub const WRITE_CASES: &[Role] = &[Analyst, Officer];
    /// `GET /api/cases`, `GET /api/cases/{id}`, `GET /api/enforcement/{links,entities,statistics}` (need-to-know:
    /// restricted cases only for the users and roles they name; every read of one is audited).
    pub const READ_CASES: &[Role] = &[Analyst, Officer, Auditor];
    /// `POST /api/cases/{id}/assignment`.
    pub const ASSIGN_CASES: &[Role] = &[Analyst, Officer];
    /// `GET /api/enforcement/export` (the non-nominal CEN export).
    pub const EXPORT_CASES: &[Role] = &[Administrator, Analyst, Auditor];
    /// `POST /api/enforcement/import` (historical seizures).
    pub const IMPORT_CASES: &[Role] = &[Administrator, Analyst];
    /// `GET /api/audit`, `GET /api/audit/verify`.
    pub const READ_AUDIT: &[Role] = &[Auditor];
    /// `POST /api/users`.
    pub const MANAGE_USERS: &[Role] = &[Administrator];
    /// `GET /api/profiles`, `GET /api/profiles/{name}`, `GET /api/profiles/{name}/versions`.
    pub const READ_PROFILES: &[Role] = &[Administrator, Analyst, Officer, Auditor];
    /// `POST /api/profiles`, `PUT /api/profiles/{name}`, `POST /api/profiles/{name}/activate` and `/deactivate`.
    pub const WRITE_PROFILES: &[Role] = &[Analyst];
    /// `POST /api/profiles/{name}/backtest` (reads every stored consignment of the period).
    pub const BACKTEST_PROFILES: &[Role] = &[Analyst];
    /// `GET /api/lists`, `GET /api/lists/{name}`.
    pub const READ_LISTS: &[Role] = &[Administrator, Analyst, Officer, Auditor];
    /// `PUT /api/lists/{name}`.
    pub const MANAGE_LISTS: &[Role] = &[Administrator];
    /// `GET /api/aeo`, `GET /api/aeo/{identifier}`.
    pub const READ_AEO: &[Role] = &[Administrator, Analyst, Officer, Auditor];
    /// `PUT /api/aeo`.
    pub const MANAGE_AEO: &[Role] = &[Administrator];
    /// `POST /api/cash`, `POST /api/cash/{id}/share`.
    pub const RECORD_CASH: &[Role] = &[Officer];
    /// `GET /api/cash`, `GET /api/cash/{id}`, `GET /api/cash/structuring`, `GET /api/cash/report`.
    pub const READ_CASH: &[Role] = &[Administrator, Analyst, Officer, Auditor];
    /// The exchange between administrations: reading the node, groups, inbox, sent messages and outbox.
    pub const READ_EXCHANGE: &[Role] = &[Administrator, Analyst, Officer, Auditor];
    /// Sending alerts, requests, replies and seizure notices to a group.
    pub const SEND_EXCHANGE: &[Role] = &[Analyst, Officer];
    /// Creating groups, admitting and removing members.
    pub const MANAGE_EXCHANGE: &[Role] = &[Administrator];
    /// The workbench's screening page (`GET /workbench/screening`).
    pub const SCREEN: &[Role] = &[Administrator, Analyst, Officer];
}

/// The authenticated user behind a request.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The user.
    pub user: User,
}

impl Caller {
    /// Fails with `forbidden` unless the caller has one of the roles.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.user.role) {
            Ok(())
        } else {
            let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
            Err(ApiError::new(
                ErrorCode::Forbidden,
                format!("this endpoint is for the roles {}; you are {}", names.join(", "), self.user.role),
            ))
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller, ApiError> {
        let user = authenticate(parts, state).await?;
        let Some(user) = user else {
            state.inner.metrics.auth_failure();
            return Err(ApiError::new(
                ErrorCode::Unauthenticated,
                "expected `Authorization: Bearer <token>` or a session cookie from `POST /api/login`",
            ));
        };
        if let Err(wait) = state.inner.limiter.take(user.id as u64, Instant::now()) {
            state.inner.metrics.rate_limited();
            let mut error = ApiError::new(ErrorCode::RateLimited, format!("too many requests; retry in {wait} s"));
            error.retry_after_secs = Some(wait);
            return Err(error);
        }
        Ok(Caller { user })
    }
}

async fn authenticate(parts: &Parts, state: &AppState) -> Result<Option<User>, ApiError> {
    if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
        let token = value.to_str().ok().and_then(|v| v.strip_prefix("Bearer ")).map(str::trim);
        let Some(token) = token else { return Ok(None) };
        return Ok(state.store().user_by_token(&sha256_hex(token.as_bytes())).await?);
    }
    match session_id(&parts.headers) {
        Some(id) => Ok(state.store().user_by_session(&sha256_hex(id.as_bytes()), chrono::Utc::now()).await?),
        None => Ok(None),
    }
}

/// Returns the session id from the request's cookies.
pub(crate) fn session_id(headers: &axum::http::HeaderMap) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|cookies| {
        cookies.split(';').find_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name == SESSION_COOKIE).then(|| value.to_owned())
        })
    })
}

/// Returns a new random secret: a prefix and 32 random bytes in hex.
pub fn new_secret(prefix: &str) -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(format!("{prefix}{}", hex(&bytes)))
}

/// Why a credential could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialError {
    /// The system's random source failed.
    #[error("the system's random source failed: {0}")]
    Random(getrandom::Error),
    /// Hashing failed.
    #[error("password hashing failed: {0}")]
    Hash(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Hashes a password with Argon2id (the crate's default parameters) on a blocking thread.
pub async fn hash_password(password: String) -> Result<String, CredentialError> {
    tokio::task::spawn_blocking(move || hash_password_now(&password))
        .await
        .map_err(|e| CredentialError::Hash(e.to_string()))?
}

fn hash_password_now(password: &str) -> Result<String, CredentialError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(CredentialError::Random)?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| CredentialError::Hash(e.to_string()))?;
    let hash = Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| CredentialError::Hash(e.to_string()))?;
    Ok(hash.to_string())
}

/// Checks a password against a stored hash on a blocking thread. Without a hash (an unknown user, or one without
/// a password) a fixed hash is checked all the same, so that the answer takes as long either way.
pub(crate) async fn verify_password(hash: Option<String>, password: String) -> bool {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let result = tokio::task::spawn_blocking(move || {
        let known = hash.is_some();
        let hash = match hash {
            Some(hash) => hash,
            None => DUMMY.get_or_init(|| hash_password_now("not a password").unwrap_or_default()).clone(),
        };
        let ok = PasswordHash::new(&hash)
            .is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok());
        known && ok
    })
    .await;
    result.unwrap_or(false)
}

/// Creates an API token for a user, stores its hash, and returns the token (shown once, never stored).
pub async fn issue_token(store: &dyn Store, user_id: i64) -> Result<String, CredentialError> {
    let token = new_secret("adu_").map_err(CredentialError::Random)?;
    store.add_token(user_id, &sha256_hex(token.as_bytes())).await?;
    Ok(token)
}
