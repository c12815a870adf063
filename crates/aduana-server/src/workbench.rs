//! The targeting workbench: server-rendered HTML pages for officers, analysts and auditors, served by the same
//! process as the API. Pages are maud templates (checked at compile time); the one stylesheet and the small script
//! are embedded in the binary, so a page loads nothing from anywhere but this server (the `Content-Security-Policy`
//! header says so to the browser too). Every page works without JavaScript.
//!
//! The parts every page shares, and how a page uses them:
//! - [`Viewer`] (an extractor): the logged-in user of the session cookie, its CSRF token and a pending flash
//!   message; without a valid session a page redirects to the login form.
//! - [`Viewer::require`]: the role check, against the same [`crate::auth::access`] table as the API.
//! - [`layout::page`]: renders a whole page (title, nav, flash, main) around a body.
//! - [`Posted`] (an extractor): a form body whose `_csrf` field was checked; [`Viewer::csrf_field`] writes it.
//! - [`PageError`]: an error shown as an HTML page with the right status.
//! - [`redirect_with_flash`]: the answer to a successful POST (post/redirect/get with a message).

pub(crate) mod assets;
pub(crate) mod cases;
pub(crate) mod cash;
pub(crate) mod consignment;
pub(crate) mod dashboard;
pub(crate) mod examinations;
pub(crate) mod exchange;
pub(crate) mod layout;
pub(crate) mod notifications;
pub(crate) mod profiles;
pub(crate) mod queue;
pub(crate) mod screening;
pub(crate) mod session;

use aduana_store::audit::sha256_hex;
use aduana_store::{Role, StoreError, User};
use axum::Router;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use serde::de::DeserializeOwned;

use crate::auth::session_id;
use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// The cookie that carries a one-shot message to the next page (post/redirect/get).
const FLASH_COOKIE: &str = "aduana_flash";
/// The name of the hidden form field that carries the CSRF token.
pub(crate) const CSRF_FIELD: &str = "_csrf";

/// Returns the workbench's routes. Each page module registers its own paths here, in one contiguous block.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(session::root))
        .route("/workbench", get(session::root))
        .route("/workbench/login", get(session::login_form).post(session::login))
        .route("/workbench/logout", post(session::logout))
        .route("/workbench/static/{file}", get(assets::serve))
        .merge(profiles::routes())
        .route("/workbench/dashboard", get(dashboard::page))
        .route("/workbench/notifications", get(notifications::page))
        .route("/workbench/screening", get(screening::page))
        // Each area's pages, one `.merge` line each (see /work/wt/NOTES.md).
        .merge(cases::routes())
        .merge(cash::routes())
        .merge(consignment::routes())
        .merge(examinations::routes())
        .merge(exchange::routes())
        .merge(queue::routes())
}

/// The logged-in user of a page request.
#[derive(Debug, Clone)]
pub(crate) struct Viewer {
    /// The user.
    pub(crate) user: User,
    /// The session's CSRF token (see [`csrf_token`]).
    pub(crate) csrf: String,
    /// A message left by the previous request, shown once.
    pub(crate) flash: Option<Flash>,
}

/// A one-shot message shown at the top of the next page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Flash {
    /// Whether it reports a failure.
    pub(crate) error: bool,
    /// The text.
    pub(crate) text: String,
}

impl Viewer {
    /// Fails with a 403 page unless the user has one of the roles (use the [`crate::auth::access`] lists).
    pub(crate) fn require(&self, roles: &[Role]) -> Result<(), PageError> {
        if roles.contains(&self.user.role) {
            Ok(())
        } else {
            let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
            Err(PageError::new(
                StatusCode::FORBIDDEN,
                format!("This page is for the roles {}; you are {}.", names.join(", "), self.user.role),
            ))
        }
    }

    /// Whether the user has one of the roles (to show or hide a form or a link).
    pub(crate) fn may(&self, roles: &[Role]) -> bool {
        roles.contains(&self.user.role)
    }

    /// The hidden form field every POST form must contain.
    pub(crate) fn csrf_field(&self) -> Markup {
        html! { input type="hidden" name=(CSRF_FIELD) value=(self.csrf); }
    }
}

/// The CSRF token of a session: SHA-256 over a fixed label and the session id (synchronizer-token pattern,
/// derived rather than stored). Only this server and the session's browser know the session id (the cookie is
/// HttpOnly and SameSite=Strict), so a page on another site can neither read nor compute the token, and the
/// label keeps it distinct from the session hash kept in the store.
pub(crate) fn csrf_token(session_id: &str) -> String {
    sha256_hex(format!("aduana-workbench-csrf\n{session_id}").as_bytes())
}

/// Compares a submitted token with the expected one through their hashes, so that the time taken does not tell
/// how many leading characters were right.
fn same_token(given: &str, expected: &str) -> bool {
    sha256_hex(given.as_bytes()) == sha256_hex(expected.as_bytes())
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Viewer, PageError> {
        let Some(session) = session_id(&parts.headers) else { return Err(PageError::login(parts)) };
        let user = state.store().user_by_session(&sha256_hex(session.as_bytes()), chrono::Utc::now()).await?;
        let Some(user) = user else { return Err(PageError::login(parts)) };
        if let Err(wait) = state.inner.limiter.take(user.id as u64, std::time::Instant::now()) {
            state.inner.metrics.rate_limited();
            return Err(PageError::new(
                StatusCode::TOO_MANY_REQUESTS,
                format!("Too many requests; retry in {wait} s."),
            ));
        }
        Ok(Viewer { user, csrf: csrf_token(&session), flash: read_flash(&parts.headers) })
    }
}

/// A form body whose CSRF token was checked against the session's before the fields were read. `T` is the form's
/// fields (it must not deny unknown fields: `_csrf` is among them).
#[derive(Debug)]
pub(crate) struct Posted<T> {
    /// Who posted.
    pub(crate) viewer: Viewer,
    /// The fields.
    pub(crate) form: T,
}

impl<T: DeserializeOwned> FromRequest<AppState> for Posted<T> {
    type Rejection = PageError;

    async fn from_request(request: Request, state: &AppState) -> Result<Posted<T>, PageError> {
        let (mut parts, body) = request.into_parts();
        let viewer = Viewer::from_request_parts(&mut parts, state).await?;
        let bytes = axum::body::to_bytes(body, state.inner.settings.max_body_bytes).await.map_err(|_| {
            PageError::new(StatusCode::PAYLOAD_TOO_LARGE, "The form is larger than the server accepts.")
        })?;
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes)
            .map_err(|e| PageError::new(StatusCode::BAD_REQUEST, format!("The form could not be read: {e}.")))?;
        check_csrf(&viewer, pairs.iter().find(|(k, _)| k == CSRF_FIELD).map(|(_, v)| v.as_str()))?;
        let form = serde_urlencoded::from_bytes(&bytes)
            .map_err(|e| PageError::new(StatusCode::UNPROCESSABLE_ENTITY, format!("The form is incomplete: {e}.")))?;
        Ok(Posted { viewer, form })
    }
}

/// Fails with a 403 page unless the submitted token is the session's.
pub(crate) fn check_csrf(viewer: &Viewer, given: Option<&str>) -> Result<(), PageError> {
    match given {
        Some(given) if same_token(given, &viewer.csrf) => Ok(()),
        _ => Err(PageError::new(
            StatusCode::FORBIDDEN,
            "The form's security token is missing or stale; reload the page and submit it again.",
        )),
    }
}

/// An error shown as a workbench page (or, for a missing session, a redirect to the login form).
#[derive(Debug)]
pub(crate) struct PageError {
    status: StatusCode,
    message: String,
    login_next: Option<String>,
}

impl PageError {
    /// An error page with a status and a message for the user.
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> PageError {
        PageError { status, message: message.into(), login_next: None }
    }

    /// A 404 page for a record that does not exist.
    pub(crate) fn not_found(what: &str, id: impl std::fmt::Display) -> PageError {
        PageError::new(StatusCode::NOT_FOUND, format!("There is no {what} {id}."))
    }

    fn login(parts: &Parts) -> PageError {
        let next = if parts.method == axum::http::Method::GET {
            parts.uri.path_and_query().map(|p| p.as_str().to_owned())
        } else {
            None
        };
        PageError {
            status: StatusCode::SEE_OTHER,
            message: String::new(),
            login_next: Some(next.unwrap_or_else(|| "/workbench/queue".to_owned())),
        }
    }
}

impl From<ApiError> for PageError {
    fn from(error: ApiError) -> PageError {
        PageError::new(error.code.status(), error.message)
    }
}

impl From<StoreError> for PageError {
    fn from(error: StoreError) -> PageError {
        ApiError::from(error).into()
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if let Some(next) = self.login_next {
            let query = serde_urlencoded::to_string([("next", next.as_str())]).unwrap_or_default();
            return Redirect::to(&format!("/workbench/login?{query}")).into_response();
        }
        let title = self.status.canonical_reason().unwrap_or("Error").to_owned();
        let body = html! {
            p.error-text role="alert" { (self.message) }
            p { a href="/workbench/queue" { "Back to the queue" } }
        };
        layout::respond(self.status, layout::bare_page(&title, body))
    }
}

impl From<ErrorCode> for PageError {
    fn from(code: ErrorCode) -> PageError {
        PageError::new(code.status(), code.as_str())
    }
}

/// Answers a successful POST: a 303 redirect to `to` that leaves a message for the next page.
pub(crate) fn redirect_with_flash(to: &str, flash: &Flash) -> Response {
    let mut response = Redirect::to(to).into_response();
    let kind = if flash.error { 'e' } else { 'o' };
    let value = format!(
        "{FLASH_COOKIE}={kind}{}; HttpOnly; SameSite=Strict; Path=/workbench; Max-Age=60",
        aduana_store::audit::hex(flash.text.as_bytes())
    );
    if let Ok(value) = HeaderValue::from_str(&value) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

pub(crate) fn read_flash(headers: &HeaderMap) -> Option<Flash> {
    let value = headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|cookies| {
        cookies.split(';').find_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name == FLASH_COOKIE).then(|| value.to_owned())
        })
    })?;
    let (kind, hex) = value.split_at_checked(1)?;
    let bytes: Option<Vec<u8>> =
        (0..hex.len()).step_by(2).map(|i| hex.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok())).collect();
    let text = String::from_utf8(bytes?).ok()?;
    Some(Flash { error: kind == "e", text })
}

/// The `Set-Cookie` value that removes a shown flash message.
pub(crate) fn clear_flash_cookie() -> HeaderValue {
    HeaderValue::from_static("aduana_flash=; HttpOnly; SameSite=Strict; Path=/workbench; Max-Age=0")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flash_message_survives_the_cookie_round_trip() {
        let response = redirect_with_flash("/x", &Flash { error: true, text: "Nope; «ç» = 1".to_owned() });
        let cookie = response.headers().get(header::SET_COOKIE).and_then(|v| v.to_str().ok()).unwrap_or_default();
        let pair = cookie.split(';').next().unwrap_or_default().to_owned();
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_str(&format!("a=b; {pair}")).expect("header"));
        assert_eq!(read_flash(&headers), Some(Flash { error: true, text: "Nope; «ç» = 1".to_owned() }));
    }

    #[test]
    fn csrf_tokens_differ_per_session_and_from_the_stored_session_hash() {
        assert_ne!(csrf_token("a"), csrf_token("b"));
        assert_ne!(csrf_token("a"), sha256_hex(b"a"));
        assert!(same_token(&csrf_token("a"), &csrf_token("a")));
        assert!(!same_token("", &csrf_token("a")));
    }
}
