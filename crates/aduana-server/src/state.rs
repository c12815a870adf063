//! `AppState`: what every handler shares — the store, the assessor, the settings, the counters and the rate
//! limiter. Cheap to clone (one `Arc`). The server keeps nothing here that another process would need: sessions,
//! users and records are in the store, so several processes on one PostgreSQL database behave as one system.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use aduana_formats::Limits;
use aduana_store::Store;

use crate::assessor::Assessor;
use crate::metrics::Metrics;
use crate::rate_limit::{RateLimiter, RatePolicy};

/// How the server behaves. The binary owns the defaults (STYLE rule 15: no `Default` here).
#[derive(Debug, Clone)]
pub struct ServerSettings {
    /// Input limits for submitted documents (bytes per document, nesting, items per consignment).
    pub limits: Limits,
    /// The largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// How fast each authenticated caller may send requests.
    pub rate: RatePolicy,
    /// How fast login attempts for one user name may come (a brake on password guessing).
    pub login_rate: RatePolicy,
    /// How long a login session lasts.
    pub session_ttl: Duration,
    /// Whether session cookies carry `Secure` (set it when the server is behind HTTPS).
    pub secure_cookies: bool,
    /// The rules cash declarations are judged by.
    pub cash: CashSettings,
}

/// The rules cash declarations are judged by (Regulation (EU) 2018/1672): the threshold, the exchange rates and
/// the sharing deadline. The `/api/cash` endpoints and the workbench's cash pages use these, never their own.
#[derive(Debug, Clone)]
pub struct CashSettings {
    /// The declaration threshold in euro.
    pub threshold: aduana_enforcement::cash::Threshold,
    /// The rates amounts are converted to euro with.
    pub rates: Arc<aduana_enforcement::cash::RateTable>,
    /// Within how many working days a record that must be shared is due, and the public holidays (besides
    /// weekends) that do not count; a request may name more holidays.
    pub calendar: aduana_enforcement::cash::SharingCalendar,
}

/// The state shared by every handler.
#[derive(Clone)]
pub struct AppState {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) assessor: Arc<dyn Assessor>,
    pub(crate) settings: ServerSettings,
    pub(crate) metrics: Metrics,
    pub(crate) limiter: RateLimiter,
    pub(crate) login_limiter: RateLimiter,
    pub(crate) openapi: String,
    /// The store's risk generation the assessor was last given (`i64::MIN`: none yet).
    pub(crate) risk_generation: AtomicI64,
    /// Held while a new risk configuration is read and loaded, so that a change is loaded once.
    pub(crate) reloading: tokio::sync::Mutex<()>,
    /// The exchange node, when the server runs one (`--exchange DIR`).
    pub(crate) exchange: Option<Arc<crate::exchange::ExchangeNode>>,
    pub(crate) workbench: WorkbenchSettings,
    pub(crate) screener: Option<Arc<dyn crate::Screener>>,
}

/// What the workbench needs beyond the API's settings: where examination photos and case images go, how large an
/// image may be, and where severe-hit notifications are posted.
#[derive(Debug, Clone)]
pub struct WorkbenchSettings {
    /// The directory examination photos are stored in, and case images under its `cases/` (created on first
    /// upload); `None` refuses uploads.
    pub photos_dir: Option<std::path::PathBuf>,
    /// The largest photo or X-ray image of a case accepted, in bytes.
    pub max_image_bytes: usize,
    /// The URL (`http://…`) each notification is POSTed to as JSON, if any.
    pub webhook: Option<String>,
    /// How often new assessments are indexed for the workbench and notifications sent.
    pub sync_interval: Duration,
}

impl AppState {
    /// Returns the state for a store, an assessor and settings.
    pub fn new(store: Arc<dyn Store>, assessor: Arc<dyn Assessor>, settings: ServerSettings) -> AppState {
        let limiter = RateLimiter::new(settings.rate);
        let login_limiter = RateLimiter::new(settings.login_rate);
        let openapi = crate::openapi::document();
        AppState {
            inner: Arc::new(Inner {
                store,
                assessor,
                settings,
                metrics: Metrics::default(),
                limiter,
                login_limiter,
                openapi,
                risk_generation: AtomicI64::new(i64::MIN),
                reloading: tokio::sync::Mutex::new(()),
                exchange: None,
                workbench: WorkbenchSettings {
                    photos_dir: None,
                    max_image_bytes: 0,
                    webhook: None,
                    sync_interval: Duration::from_secs(1),
                },
                screener: None,
            }),
        }
    }

    /// Returns the state with the workbench's settings and, if lists are loaded, the name screener. Call right
    /// after [`AppState::new`], before the state is shared.
    pub fn with_workbench(
        mut self,
        settings: WorkbenchSettings,
        screener: Option<Arc<dyn crate::Screener>>,
    ) -> AppState {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.workbench = settings;
            inner.screener = screener;
        }
        self
    }

    /// Makes the server a node of the exchange between administrations (call before cloning the state).
    pub fn with_exchange(mut self, exchange: Arc<crate::exchange::ExchangeNode>) -> AppState {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.exchange = Some(exchange);
        }
        self
    }

    pub(crate) fn store(&self) -> &dyn Store {
        &*self.inner.store
    }

    /// Brings the assessor up to the store's risk configuration: one query for the risk generation and, only when
    /// it moved (a profile activated or deactivated, a list or AEO register uploaded, by this process or another
    /// one on the same database), a read of the configuration and a reload. Called before every batch. A
    /// configuration the assessor rejects is logged and not retried until the generation moves again; the
    /// assessor keeps what it had.
    pub async fn refresh_risk_config(&self) -> Result<(), aduana_store::StoreError> {
        let generation = self.store().risk_generation().await?;
        if generation == self.inner.risk_generation.load(Ordering::Acquire) {
            return Ok(());
        }
        let _reloading = self.inner.reloading.lock().await;
        if generation == self.inner.risk_generation.load(Ordering::Acquire) {
            return Ok(());
        }
        let config = self.store().risk_config().await?;
        let loaded = config.generation;
        let assessor = self.inner.assessor.clone();
        let screener = self.inner.screener.clone();
        let result = tokio::task::spawn_blocking(move || {
            // The screening page follows only a configuration the assessor took, so the page and assessments
            // always search the same lists.
            assessor.reload(&config).and_then(|()| screener.map_or(Ok(()), |s| s.reload(&config)))
        })
        .await;
        match result {
            Ok(Ok(())) => {}
            Ok(Err(problems)) => {
                #[allow(clippy::print_stderr, reason = "the server's log is its standard error")]
                {
                    eprintln!(
                        "error: the stored risk configuration (generation {loaded}) was not loaded; assessing with \
                         the previous one: {}",
                        problems.join("; ")
                    );
                }
            }
            Err(error) => {
                #[allow(clippy::print_stderr, reason = "the server's log is its standard error")]
                {
                    eprintln!("error: reloading the risk configuration failed: {error}");
                }
            }
        }
        self.inner.risk_generation.store(loaded, Ordering::Release);
        Ok(())
    }
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("store", &self.inner.store)
            .field("settings", &self.inner.settings)
            .finish_non_exhaustive()
    }
}
