//! Tests of the whole router through `tower::ServiceExt::oneshot`, on a SQLite store in a temporary directory:
//! the role matrix over every endpoint, submission in each way a client can send it, the error shape, sessions,
//! audit, limits.

mod case_images;
mod cases;
mod cash;
mod roles;
mod submission;
mod workbench;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use aduana_core::{Assessment, Consignment, Lane};
use aduana_formats::Limits;
use aduana_store::{NewUser, Role, SqliteStore, Store};
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use tower::ServiceExt;

use crate::{AppState, Assessor, RatePolicy, ServerSettings, app};

/// An assessor for tests: red with score 50 when a goods description mentions "weapon", green otherwise; the
/// stored configuration it was last given shows in `versions` (`risk_generation`, `profiles`), and back-tests run
/// the real profile compiler and matcher.
#[derive(Default)]
pub(crate) struct KeywordAssessor {
    loaded: std::sync::Mutex<(i64, String)>,
}

fn test_context(profiles: aduana_risk::ProfileSet) -> aduana_risk::RiskContext {
    aduana_risk::RiskContext {
        profiles,
        aeo: aduana_risk::AeoRegister::default(),
        policy: aduana_risk::Policy {
            version: "test".to_owned(),
            yellow_threshold: 30.0,
            red_threshold: 60.0,
            max_hits_green: 0,
            random_percent: aduana_risk::LaneRates { yellow: 0.0, red: 0.0 },
            random_seed: 1,
            aeo_weight: -30.0,
            finding_weight: 5.0,
            max_finding_weight: 20.0,
            capacity_percent: aduana_risk::LaneRates { yellow: 100.0, red: 100.0 },
        },
        reference: aduana_risk::ReferenceData::default(),
        indicators: Vec::new(),
        as_of: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0)).expect("a date"),
    }
}

impl Assessor for KeywordAssessor {
    fn assess_batch(&self, consignments: &[Consignment]) -> Vec<Assessment> {
        consignments
            .iter()
            .map(|c| {
                let red = c.goods.iter().any(|g| g.description.as_deref().is_some_and(|d| d.contains("weapon")));
                Assessment {
                    reference: c.reference.clone(),
                    score: if red { 50.0 } else { 0.0 },
                    lane: if red { Lane::Red } else { Lane::Green },
                    referrals: Vec::new(),
                    hits: Vec::new(),
                    findings: Vec::new(),
                    versions: self.versions().into_iter().map(|(k, v)| (k.into(), v.into())).collect(),
                }
            })
            .collect()
    }

    fn versions(&self) -> BTreeMap<String, String> {
        let loaded = self.loaded.lock().expect("not poisoned");
        BTreeMap::from([
            ("assessor".to_owned(), "keyword-test".to_owned()),
            ("risk_generation".to_owned(), loaded.0.to_string()),
            ("profiles".to_owned(), loaded.1.clone()),
        ])
    }

    fn reload(&self, config: &aduana_store::RiskConfig) -> Result<(), Vec<String>> {
        let names: Vec<String> = config.profiles.iter().map(|p| format!("{}@{}", p.name, p.version)).collect();
        *self.loaded.lock().expect("not poisoned") = (config.generation, names.join(","));
        Ok(())
    }

    fn profile_selections(
        &self,
        profiles: &[aduana_risk::ProfileSource<'_>],
        consignments: &[Consignment],
    ) -> Result<Vec<Vec<String>>, Vec<String>> {
        let set = aduana_risk::ProfileSet::compile(profiles)
            .map_err(|errors| errors.iter().map(ToString::to_string).collect::<Vec<_>>())?;
        let ctx = test_context(set);
        Ok(consignments
            .iter()
            .map(|c| aduana_risk::selecting_profiles(c, &ctx).into_iter().map(|(id, _)| id).collect())
            .collect())
    }
}

pub(crate) fn settings() -> ServerSettings {
    ServerSettings {
        limits: Limits { max_document_bytes: 1 << 20, max_depth: 64, max_items: 50, max_diagnostics: 100 },
        max_body_bytes: 1 << 20,
        rate: RatePolicy { per_second: 1000.0, burst: 1000.0 },
        login_rate: RatePolicy { per_second: 0.1, burst: 5.0 },
        session_ttl: Duration::from_secs(3600),
        secure_cookies: false,
        cash: crate::CashSettings {
            threshold: aduana_enforcement::cash::Threshold::new(aduana_enforcement::cash::Threshold::EU_DEFAULT_EUR)
                .expect("EUR 10,000 is positive"),
            rates: std::sync::Arc::new(aduana_enforcement::cash::RateTable::builtin()),
            calendar: aduana_enforcement::cash::SharingCalendar {
                deadline_working_days: 15,
                holidays: std::collections::BTreeSet::new(),
            },
        },
    }
}

/// A router on a fresh store with one user (and token) per role, named after the role.
pub(crate) struct Harness {
    pub(crate) app: Router,
    pub(crate) store: Arc<SqliteStore>,
    pub(crate) tokens: HashMap<Role, String>,
    _dir: tempfile::TempDir,
}

/// A response: status, headers and the body as JSON (or as a JSON string when it is not JSON).
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) json: serde_json::Value,
    pub(crate) text: String,
    pub(crate) bytes: Vec<u8>,
}

impl Harness {
    pub(crate) async fn new(settings: ServerSettings) -> Harness {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let store = Arc::new(SqliteStore::open(&dir.path().join("aduana.db")).await.expect("store"));
        let mut tokens = HashMap::new();
        for role in Role::ALL {
            // Only the officer logs in with a password in these tests; hashing is slow on purpose.
            let password_hash = match role {
                Role::Officer => Some(crate::auth::hash_password(format!("{role}-password")).await.expect("hash")),
                _ => None,
            };
            let user = store
                .add_user(&NewUser { name: role.as_str().to_owned(), role: *role, password_hash })
                .await
                .expect("user");
            tokens.insert(*role, crate::auth::issue_token(&*store, user.id).await.expect("token"));
        }
        // Photos and case images go under the temporary directory; images above 64 KiB are refused, so that the
        // tests of that limit stay small.
        let workbench = crate::WorkbenchSettings {
            photos_dir: Some(dir.path().join("photos")),
            max_image_bytes: 64 << 10,
            webhook: None,
            sync_interval: Duration::from_secs(1),
        };
        let state = AppState::new(store.clone(), Arc::new(KeywordAssessor::default()), settings)
            .with_workbench(workbench, None);
        Harness { app: app(state), store, tokens, _dir: dir }
    }

    /// The directory examination photos and case images are stored under.
    pub(crate) fn photos_dir(&self) -> std::path::PathBuf {
        self._dir.path().join("photos")
    }

    pub(crate) fn token(&self, role: Role) -> &str {
        &self.tokens[&role]
    }

    /// Sends a request with a bearer token (if any), a content type (if any) and a body.
    pub(crate) async fn call(
        &self,
        method: Method,
        uri: &str,
        token: Option<&str>,
        content_type: Option<&str>,
        body: impl Into<Body>,
    ) -> Answer {
        let mut request = Request::builder().method(method).uri(uri);
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        if let Some(content_type) = content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        self.send(request.body(body.into()).expect("a request")).await
    }

    pub(crate) async fn send(&self, request: Request<Body>) -> Answer {
        let response = self.app.clone().oneshot(request).await.expect("the router answers");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.expect("a body");
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let json = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::String(text.clone()));
        Answer { status, headers, json, text, bytes: bytes.to_vec() }
    }

    /// Submits canonical JSON as a role; returns the answer.
    pub(crate) async fn submit(&self, role: Role, json: &serde_json::Value) -> Answer {
        self.call(Method::POST, "/api/consignments", Some(self.token(role)), Some("application/json"), json.to_string())
            .await
    }
}

/// Returns a small valid consignment.
pub(crate) fn consignment(reference: &str, description: &str) -> serde_json::Value {
    serde_json::json!({
        "reference": reference,
        "direction": "import",
        "goods": [{"sequence": 1, "hs_code": "854141", "description": description}],
    })
}

/// Asserts the error shape and returns the code.
pub(crate) fn error_code(answer: &Answer) -> String {
    let error = &answer.json["error"];
    assert!(error["message"].is_string(), "no error message in {answer:?}");
    error["code"].as_str().unwrap_or_else(|| panic!("no error code in {answer:?}")).to_owned()
}
