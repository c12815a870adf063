//! Risk profiles stored as their source text: `GET/POST /api/profiles`, `GET/PUT /api/profiles/{name}` (an edit is
//! a new version), `GET /api/profiles/{name}/versions`, `POST /api/profiles/{name}/activate` and `.../deactivate`,
//! and `POST /api/profiles/{name}/backtest`. A version is stored only when it compiles; a version is activated only
//! when the whole active set still compiles with it (ids are unique across documents), so a bad edit never
//! changes what consignments are assessed with. Activation and deactivation take effect for the next batch in
//! every server process (the store's risk generation).

use std::collections::BTreeMap;

use aduana_core::{Diagnostic, Location};
use aduana_risk::{ProfileError, ProfileSet, ProfileSource};
use aduana_store::{
    ExaminationOutcome, ExaminedConsignment, NewAuditEntry, NewProfileVersion, ProfileVersion, StoredProfile, Timestamp,
};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::auth::{Caller, access};
use crate::error::{ApiError, ErrorCode};
use crate::json::{ApiJson, ApiPath, parse_json};
use crate::state::AppState;

/// A profile document to create.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateRequest {
    /// The document's name: 1–64 letters, digits, `-`, `_` or `.` (`valuation`).
    name: String,
    /// The profile language text (`docs/profiles.md`): one or several `profile ID { … }` blocks.
    source: String,
    /// Why it is written.
    #[serde(default)]
    comment: String,
}

/// An edit: the next version's text.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct EditRequest {
    /// The profile language text.
    source: String,
    /// Why it changed.
    #[serde(default)]
    comment: String,
}

/// Which version to activate (the latest when absent); the body may be empty.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ActivateRequest {
    version: Option<i64>,
}

/// What to back-test: a stored version (the latest when absent) or an unsaved text; over the consignments
/// received in the last `days` days (default 30). The body may be empty.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct BacktestRequest {
    days: Option<u32>,
    version: Option<i64>,
    source: Option<String>,
}

/// A stored profile document.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ProfileView {
    name: String,
    latest_version: i64,
    /// The version consignments are assessed with; `null` when inactive.
    active_version: Option<i64>,
    #[schema(value_type = String, format = DateTime)]
    created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    updated_at: Timestamp,
}

/// A profile document with the text of its latest and active versions and the profiles they define.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ProfileDetail {
    #[serde(flatten)]
    profile: ProfileView,
    latest: VersionView,
    active: Option<VersionView>,
    /// The profiles the latest version defines.
    rules: Vec<RuleView>,
}

/// One profile of a document, as compiled.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct RuleView {
    id: String,
    title: String,
    weight: f64,
    lane: Option<String>,
    referrals: Vec<String>,
}

/// One version of a profile document.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct VersionView {
    name: String,
    version: i64,
    source: String,
    author: String,
    comment: String,
    #[schema(value_type = String, format = DateTime)]
    created_at: Timestamp,
}

/// Profile documents.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ProfileList {
    profiles: Vec<ProfileView>,
}

/// The versions of a profile document, newest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct VersionList {
    versions: Vec<VersionView>,
}

/// Selections and hit rate of one set of profiles in a back-test.
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub(crate) struct Tally {
    /// Consignments selected.
    selected: u64,
    /// Of those, how many have an examination result.
    examined: u64,
    /// Of those, how many were found to be irregular.
    found: u64,
    /// `found / examined`; `null` when none was examined.
    hit_rate: Option<f64>,
}

impl Tally {
    fn add(&mut self, outcome: Option<ExaminationOutcome>) {
        self.selected += 1;
        if let Some(outcome) = outcome {
            self.examined += 1;
            self.found += u64::from(outcome == ExaminationOutcome::Found);
        }
    }

    fn finish(&mut self) {
        self.hit_rate = (self.examined > 0).then(|| (self.found as f64 / self.examined as f64 * 1e4).round() / 1e4);
    }
}

/// What a profile would have selected among the stored consignments of the last days, compared with the active set.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct BacktestReport {
    name: String,
    /// The version tested; `null` for an unsaved text.
    version: Option<i64>,
    days: u32,
    #[schema(value_type = String, format = DateTime)]
    since: Timestamp,
    /// Consignment versions received since then (at most 100,000, newest first).
    consignments: u64,
    /// Of those, how many have an examination result.
    with_outcome: u64,
    /// Of those, how many were found to be irregular.
    found: u64,
    /// The tested version.
    candidate: Tally,
    /// Each profile of the tested version, by id.
    by_profile: BTreeMap<String, Tally>,
    /// The active set as it is (including this document's active version, if any).
    current: Tally,
    /// The active set with this document's active version replaced by the tested one.
    proposed: Tally,
    /// Selected by the tested version but by nothing in the active set.
    only_candidate: u64,
    /// The first references the tested version selects (at most 50), newest first.
    sample: Vec<String>,
}

impl From<StoredProfile> for ProfileView {
    fn from(p: StoredProfile) -> ProfileView {
        ProfileView {
            name: p.name,
            latest_version: p.latest_version,
            active_version: p.active_version,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

impl From<ProfileVersion> for VersionView {
    fn from(v: ProfileVersion) -> VersionView {
        VersionView {
            name: v.name,
            version: v.version,
            source: v.source,
            author: v.author,
            comment: v.comment,
            created_at: v.created_at,
        }
    }
}

/// Checks a document name.
fn check_name(name: &str) -> Result<(), ApiError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorCode::InvalidBody,
            format!("expected a profile name of 1-64 letters, digits, `-`, `_` or `.`, found `{name}`"),
        ))
    }
}

/// Returns the API error for profile compile errors: located at the first, every one in `diagnostics`.
pub(crate) fn profile_errors(errors: &[ProfileError]) -> ApiError {
    let diagnostics: Vec<Diagnostic> = errors
        .iter()
        .map(|e| {
            let location = Location::file(&e.file).at(u64::from(e.line), u64::from(e.column));
            Diagnostic::error("invalid_profile", e.kind.to_string(), location)
        })
        .collect();
    ApiError::refused_document(
        ErrorCode::InvalidProfile,
        "profile",
        errors.first().map(ToString::to_string),
        diagnostics,
    )
}

/// Compiles one document on its own; it must define at least one profile.
pub(crate) fn compile_document(name: &str, source: &str) -> Result<ProfileSet, ApiError> {
    let set = ProfileSet::compile(&[ProfileSource { name, text: source }]).map_err(|e| profile_errors(&e))?;
    if set.is_empty() {
        return Err(ApiError::new(ErrorCode::InvalidProfile, "expected at least one `profile ID { … }` block")
            .at(Location::file(name).at(1, 1)));
    }
    Ok(set)
}

fn rules(set: &ProfileSet) -> Vec<RuleView> {
    set.profiles()
        .iter()
        .map(|p| RuleView {
            id: p.id.clone(),
            title: p.title.clone(),
            weight: p.weight,
            lane: p.lane.map(|l| l.as_str().to_owned()),
            referrals: p.referrals.iter().map(|r| r.as_str().to_owned()).collect(),
        })
        .collect()
}

fn audit(actor: &str, action: &str, name: &str, details: serde_json::Value) -> NewAuditEntry {
    NewAuditEntry { actor: actor.to_owned(), action: action.to_owned(), subject: format!("profile/{name}"), details }
}

/// Parses an optional JSON body: empty means the default.
fn optional_body<T: serde::de::DeserializeOwned + Default>(body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) { Ok(T::default()) } else { parse_json(body) }
}

/// Lists the profile documents.
#[utoipa::path(
    get, path = "/api/profiles", tag = "profiles",
    responses((status = 200, body = ProfileList), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn list(State(state): State<AppState>, caller: Caller) -> Result<Json<ProfileList>, ApiError> {
    caller.require(access::READ_PROFILES)?;
    let profiles = state.store().profiles().await?;
    Ok(Json(ProfileList { profiles: profiles.into_iter().map(ProfileView::from).collect() }))
}

/// Creates a profile document (version 1, inactive); it must compile.
#[utoipa::path(
    post, path = "/api/profiles", tag = "profiles", request_body = CreateRequest,
    responses(
        (status = 201, body = VersionView),
        (status = 422, description = "The profile does not compile: located at the first error, every error in `diagnostics`", body = crate::error::ErrorBody),
        (status = 409, description = "The name is taken", body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(request): ApiJson<CreateRequest>,
) -> Result<(StatusCode, Json<VersionView>), ApiError> {
    caller.require(access::WRITE_PROFILES)?;
    let stored = create_document(&state, &caller.user.name, &request.name, &request.source, &request.comment).await?;
    Ok((StatusCode::CREATED, Json(stored.into())))
}

/// Creates a document (version 1, inactive) after checking its name and that it compiles; audited.
pub(crate) async fn create_document(
    state: &AppState,
    author: &str,
    name: &str,
    source: &str,
    comment: &str,
) -> Result<ProfileVersion, ApiError> {
    check_name(name)?;
    let set = compile_document(name, source)?;
    let new = NewProfileVersion {
        name: name.to_owned(),
        source: source.to_owned(),
        author: author.to_owned(),
        comment: comment.to_owned(),
    };
    let details = serde_json::json!({"version": 1, "comment": comment, "profiles": set.version()});
    Ok(state.store().create_profile(&new, &audit(author, "profile.create", name, details)).await?)
}

/// Stores an edit as the next version after checking that it compiles; audited.
pub(crate) async fn edit_document(
    state: &AppState,
    author: &str,
    name: &str,
    source: &str,
    comment: &str,
) -> Result<ProfileVersion, ApiError> {
    stored_profile(state, name).await?;
    let set = compile_document(name, source)?;
    let new = NewProfileVersion {
        name: name.to_owned(),
        source: source.to_owned(),
        author: author.to_owned(),
        comment: comment.to_owned(),
    };
    let details = serde_json::json!({"comment": comment, "profiles": set.version()});
    Ok(state.store().add_profile_version(&new, &audit(author, "profile.edit", name, details)).await?)
}

/// Activates a version (the latest when `None`) unless the active set would not compile with it; audited.
pub(crate) async fn activate_version(
    state: &AppState,
    actor: &str,
    name: &str,
    version: Option<i64>,
) -> Result<StoredProfile, ApiError> {
    let profile = stored_profile(state, name).await?;
    let version = stored_version(state, name, version.unwrap_or(profile.latest_version)).await?;
    let config = state.store().risk_config().await?;
    let mut sources: Vec<ProfileSource<'_>> = config
        .profiles
        .iter()
        .filter(|p| p.name != name)
        .map(|p| ProfileSource { name: &p.name, text: &p.source })
        .collect();
    sources.push(ProfileSource { name, text: &version.source });
    let set = ProfileSet::compile(&sources).map_err(|e| profile_errors(&e))?;
    let details = serde_json::json!({"version": version.version, "previous": profile.active_version, "active_set": set.version()});
    let stored = state
        .store()
        .set_active_version(name, Some(version.version), &audit(actor, "profile.activate", name, details))
        .await?;
    state.refresh_risk_config().await?;
    Ok(stored)
}

/// Deactivates a document; audited.
pub(crate) async fn deactivate_document(state: &AppState, actor: &str, name: &str) -> Result<StoredProfile, ApiError> {
    let profile = stored_profile(state, name).await?;
    let details = serde_json::json!({"previous": profile.active_version});
    let stored =
        state.store().set_active_version(name, None, &audit(actor, "profile.deactivate", name, details)).await?;
    state.refresh_risk_config().await?;
    Ok(stored)
}

pub(crate) async fn stored_profile(state: &AppState, name: &str) -> Result<StoredProfile, ApiError> {
    state.store().profile(name).await?.ok_or_else(|| ApiError::not_found("profile", name))
}

pub(crate) async fn stored_version(state: &AppState, name: &str, version: i64) -> Result<ProfileVersion, ApiError> {
    state
        .store()
        .profile_version(name, version)
        .await?
        .ok_or_else(|| ApiError::not_found("profile version", format!("{name}@{version}")))
}

/// Returns a profile document with its latest and active versions.
#[utoipa::path(
    get, path = "/api/profiles/{name}", tag = "profiles", params(("name" = String, Path)),
    responses((status = 200, body = ProfileDetail), (status = 404, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn get(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(name): ApiPath<String>,
) -> Result<Json<ProfileDetail>, ApiError> {
    caller.require(access::READ_PROFILES)?;
    let profile = stored_profile(&state, &name).await?;
    let latest = stored_version(&state, &name, profile.latest_version).await?;
    let active = match profile.active_version {
        Some(v) if v != profile.latest_version => Some(stored_version(&state, &name, v).await?),
        Some(_) => Some(latest.clone()),
        None => None,
    };
    // Stored versions compiled when they were stored; a later compiler may be stricter, so this is reported, not
    // assumed.
    let rules = ProfileSet::compile(&[ProfileSource { name: &name, text: &latest.source }])
        .map(|set| rules(&set))
        .unwrap_or_default();
    Ok(Json(ProfileDetail { profile: profile.into(), latest: latest.into(), active: active.map(Into::into), rules }))
}

/// Stores an edit as the next version; the active version does not change until activated.
#[utoipa::path(
    put, path = "/api/profiles/{name}", tag = "profiles", params(("name" = String, Path)), request_body = EditRequest,
    responses(
        (status = 201, body = VersionView),
        (status = 422, description = "The profile does not compile: located at the first error (line, column; the nearest known name suggested), every error in `diagnostics`", body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn edit(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(name): ApiPath<String>,
    ApiJson(request): ApiJson<EditRequest>,
) -> Result<(StatusCode, Json<VersionView>), ApiError> {
    caller.require(access::WRITE_PROFILES)?;
    let stored = edit_document(&state, &caller.user.name, &name, &request.source, &request.comment).await?;
    Ok((StatusCode::CREATED, Json(stored.into())))
}

/// Lists the versions of a profile document, newest first.
#[utoipa::path(
    get, path = "/api/profiles/{name}/versions", tag = "profiles", params(("name" = String, Path)),
    responses((status = 200, body = VersionList), (status = 404, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn versions(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(name): ApiPath<String>,
) -> Result<Json<VersionList>, ApiError> {
    caller.require(access::READ_PROFILES)?;
    stored_profile(&state, &name).await?;
    let versions = state.store().profile_versions(&name).await?;
    Ok(Json(VersionList { versions: versions.into_iter().map(VersionView::from).collect() }))
}

/// Activates a version (the latest by default): new submissions are assessed with it from the next batch, in
/// every server process. Rejected, with nothing changed, when the active set would not compile with it.
#[utoipa::path(
    post, path = "/api/profiles/{name}/activate", tag = "profiles", params(("name" = String, Path)),
    request_body(content = ActivateRequest, description = "Optional: `{\"version\": N}`"),
    responses(
        (status = 200, body = ProfileView),
        (status = 422, description = "The active set would not compile (e.g. a profile id defined in another active document)", body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn activate(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(name): ApiPath<String>,
    body: Bytes,
) -> Result<Json<ProfileView>, ApiError> {
    caller.require(access::WRITE_PROFILES)?;
    let request: ActivateRequest = optional_body(&body)?;
    Ok(Json(activate_version(&state, &caller.user.name, &name, request.version).await?.into()))
}

/// Deactivates a profile document: new submissions are no longer assessed with it.
#[utoipa::path(
    post, path = "/api/profiles/{name}/deactivate", tag = "profiles", params(("name" = String, Path)),
    responses((status = 200, body = ProfileView), (status = 404, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn deactivate(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(name): ApiPath<String>,
) -> Result<Json<ProfileView>, ApiError> {
    caller.require(access::WRITE_PROFILES)?;
    Ok(Json(deactivate_document(&state, &caller.user.name, &name).await?.into()))
}

/// The longest back-test period, in days.
const MAX_BACKTEST_DAYS: u32 = 3650;

/// Back-tests a version (or an unsaved text) against the stored consignments of the last days: what it would have
/// selected, its hit rate where examination results are known, and the same for the active set.
#[utoipa::path(
    post, path = "/api/profiles/{name}/backtest", tag = "profiles", params(("name" = String, Path)),
    request_body(content = BacktestRequest, description = "Optional: `{\"days\": 30, \"version\": N}` or `{\"source\": \"…\"}`"),
    responses(
        (status = 200, body = BacktestReport),
        (status = 422, description = "The tested text does not compile", body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn backtest(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(name): ApiPath<String>,
    body: Bytes,
) -> Result<Json<BacktestReport>, ApiError> {
    caller.require(access::BACKTEST_PROFILES)?;
    let request: BacktestRequest = optional_body(&body)?;
    Ok(Json(backtest_report(&state, &name, request.version, request.source, request.days.unwrap_or(30)).await?))
}

/// Back-tests a stored version (the latest when `None`) or an unsaved `source` over the last `days` days.
pub(crate) async fn backtest_report(
    state: &AppState,
    name: &str,
    version: Option<i64>,
    source: Option<String>,
    days: u32,
) -> Result<BacktestReport, ApiError> {
    if days == 0 || days > MAX_BACKTEST_DAYS {
        return Err(ApiError::new(
            ErrorCode::InvalidBody,
            format!("expected `days` from 1 to {MAX_BACKTEST_DAYS}, found {days}"),
        ));
    }
    let profile = stored_profile(state, name).await?;
    let (version, source) = match source {
        Some(source) => (None, source),
        None => {
            let v = stored_version(state, name, version.unwrap_or(profile.latest_version)).await?;
            (Some(v.version), v.source)
        }
    };
    compile_document(name, &source)?;
    let since = chrono::Utc::now() - chrono::Duration::days(i64::from(days));
    let history = state.store().examined_consignments(since, aduana_store::MAX_BACKTEST_CONSIGNMENTS).await?;
    let config = state.store().risk_config().await?;
    let current: Vec<(String, String)> = config.profiles.iter().map(|p| (p.name.clone(), p.source.clone())).collect();
    let assessor = state.inner.assessor.clone();
    let name = name.to_owned();
    tokio::task::spawn_blocking(move || {
        run_backtest(&*assessor, &name, version, days, since, &source, &current, &history)
    })
    .await
    .map_err(|e| ApiError::internal(&e))?
}

#[allow(clippy::too_many_arguments, reason = "one private call site; the arguments are the request's parts")]
fn run_backtest(
    assessor: &dyn crate::Assessor,
    name: &str,
    version: Option<i64>,
    days: u32,
    since: Timestamp,
    source: &str,
    current: &[(String, String)],
    history: &[ExaminedConsignment],
) -> Result<BacktestReport, ApiError> {
    let consignments: Vec<aduana_core::Consignment> =
        history.iter().map(|h| h.consignment.consignment.clone()).collect();
    let select = |documents: &[(&str, &str)]| {
        let sources: Vec<ProfileSource<'_>> =
            documents.iter().map(|(name, text)| ProfileSource { name, text }).collect();
        assessor.profile_selections(&sources, &consignments).map_err(|problems| {
            ApiError::new(
                ErrorCode::InvalidProfile,
                format!("the profiles cannot be back-tested: {}", problems.join("; ")),
            )
        })
    };
    let candidate = select(&[(name, source)])?;
    let current_docs: Vec<(&str, &str)> = current.iter().map(|(n, t)| (n.as_str(), t.as_str())).collect();
    let by_current = select(&current_docs)?;
    let mut proposed_docs: Vec<(&str, &str)> = current_docs.iter().copied().filter(|(n, _)| *n != name).collect();
    proposed_docs.push((name, source));
    let by_proposed = select(&proposed_docs)?;
    let mut report = BacktestReport {
        name: name.to_owned(),
        version,
        days,
        since,
        consignments: history.len() as u64,
        with_outcome: 0,
        found: 0,
        candidate: Tally::default(),
        by_profile: BTreeMap::new(),
        current: Tally::default(),
        proposed: Tally::default(),
        only_candidate: 0,
        sample: Vec::new(),
    };
    for (i, item) in history.iter().enumerate() {
        if let Some(outcome) = item.outcome {
            report.with_outcome += 1;
            report.found += u64::from(outcome == ExaminationOutcome::Found);
        }
        let selected_by_candidate = !candidate[i].is_empty();
        for id in &candidate[i] {
            report.by_profile.entry(id.clone()).or_default().add(item.outcome);
        }
        if selected_by_candidate {
            report.candidate.add(item.outcome);
            if report.sample.len() < 50 {
                report.sample.push(item.consignment.reference.clone());
            }
        }
        if !by_current[i].is_empty() {
            report.current.add(item.outcome);
        } else if selected_by_candidate {
            report.only_candidate += 1;
        }
        if !by_proposed[i].is_empty() {
            report.proposed.add(item.outcome);
        }
    }
    report.candidate.finish();
    report.current.finish();
    report.proposed.finish();
    report.by_profile.values_mut().for_each(Tally::finish);
    Ok(report)
}
