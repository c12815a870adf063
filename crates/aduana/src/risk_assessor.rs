//! `RiskAssessor`: the server's assessor — the risk engine with the context the operator configured (profiles, AEO
//! register, watch lists, the built-in strategic-goods and embargo tables, the learned model), assessed as of the
//! moment each batch arrives. The profiles, lists and AEO register are replaced while the server runs by
//! [`Assessor::reload`] with what the store holds; the policy, the reference data of `--profiles DIR` (named lists,
//! value norms) and the model stay as started.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use aduana_core::{Assessment, Consignment};
use aduana_risk::{AeoRegister, Indicator, ProfileSet, ProfileSource, RiskContext};
use aduana_server::Assessor;
use aduana_store::RiskConfig;

use crate::cli::risk_inputs::{as_of, screening_indicators_for};
use crate::watch_lists::{IndexedLists, WatchLists};

/// Assesses with `aduana_risk`. The context is behind a mutex so that `as_of` can be moved to the clock's time for
/// each batch and a reload can swap it; assessing a batch takes microseconds per consignment, so batches wait for
/// each other briefly.
pub(crate) struct RiskAssessor {
    ctx: Mutex<Loaded>,
    /// The indicators that do not come from the stored configuration (the learned model, the enforcement
    /// history), kept across reloads.
    kept: Vec<Arc<dyn Indicator>>,
    /// The watch lists, indexed once and shared with the screening page.
    lists: Arc<WatchLists>,
}

/// The context and the versions of the stored configuration it was built from.
struct Loaded {
    ctx: RiskContext,
    stored: BTreeMap<String, String>,
    /// The watch lists its screening indicator searches, once a reload has taken them from the store: held so that
    /// [`WatchLists`] gives the same index to the screening page and to the next reload while they are unchanged.
    lists: Option<Arc<IndexedLists>>,
}

impl std::fmt::Debug for RiskAssessor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RiskAssessor").finish_non_exhaustive()
    }
}

impl RiskAssessor {
    /// Returns an assessor over a built context; `kept` are the indicators in `ctx.indicators` that a reload of the
    /// stored configuration keeps (the learned model, the enforcement history); a reload takes the stored watch
    /// lists' index from `lists`.
    pub(crate) fn new(ctx: RiskContext, kept: Vec<Arc<dyn Indicator>>, lists: Arc<WatchLists>) -> RiskAssessor {
        RiskAssessor { ctx: Mutex::new(Loaded { ctx, stored: BTreeMap::new(), lists: None }), kept, lists }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Loaded> {
        self.ctx.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Assessor for RiskAssessor {
    fn assess_batch(&self, consignments: &[Consignment]) -> Vec<Assessment> {
        let mut loaded = self.lock();
        if let Ok(now) = as_of(None) {
            loaded.ctx.as_of = now;
        }
        let mut assessments = aduana_risk::assess_batch(consignments, &loaded.ctx);
        for assessment in &mut assessments {
            assessment.versions.extend(loaded.stored.iter().map(|(k, v)| (k.as_str().into(), v.as_str().into())));
        }
        assessments
    }

    fn versions(&self) -> BTreeMap<String, String> {
        let loaded = self.lock();
        let mut versions: BTreeMap<String, String> =
            aduana_risk::versions(&loaded.ctx).into_iter().map(|(k, v)| (k.into(), v.into())).collect();
        versions.extend(loaded.stored.iter().map(|(k, v)| (k.clone(), v.clone())));
        versions
    }

    fn reload(&self, config: &RiskConfig) -> Result<(), Vec<String>> {
        let sources: Vec<ProfileSource<'_>> =
            config.profiles.iter().map(|p| ProfileSource { name: &p.name, text: &p.source }).collect();
        let mut problems = Vec::new();
        let profiles = ProfileSet::compile(&sources).unwrap_or_else(|errors| {
            problems.extend(errors.iter().map(ToString::to_string));
            ProfileSet::empty()
        });
        // Parsed and indexed only when they changed since the last reload (a profile activation reloads too).
        let lists = self
            .lists
            .indexed(config.lists.iter().map(|(stored, text)| (stored.name.as_str(), text.as_bytes())))
            .unwrap_or_else(|errors| {
                problems.extend(errors);
                Arc::new(IndexedLists::of(&[]))
            });
        let aeo = match &config.aeo {
            Some((_, text)) => AeoRegister::parse_csv(text.as_bytes(), "aeo-register.csv").unwrap_or_else(|errors| {
                problems.extend(errors.iter().map(ToString::to_string));
                AeoRegister::default()
            }),
            None => AeoRegister::default(),
        };
        if !problems.is_empty() {
            return Err(problems);
        }
        let mut loaded = self.lock();
        let mut indicators = screening_indicators_for(&lists, &loaded.ctx.policy);
        indicators.extend(self.kept.iter().cloned());
        let documents: Vec<String> = config.profiles.iter().map(|p| format!("{}@{}", p.name, p.version)).collect();
        let mut stored = BTreeMap::new();
        stored.insert("risk_generation".to_owned(), config.generation.to_string());
        stored.insert("profile_documents".to_owned(), documents.join(","));
        loaded.ctx.profiles = profiles;
        loaded.ctx.aeo = aeo;
        loaded.ctx.indicators = indicators;
        loaded.stored = stored;
        loaded.lists = Some(lists);
        Ok(())
    }

    fn profile_selections(
        &self,
        profiles: &[ProfileSource<'_>],
        consignments: &[Consignment],
    ) -> Result<Vec<Vec<String>>, Vec<String>> {
        let set = ProfileSet::compile(profiles).map_err(|e| e.iter().map(ToString::to_string).collect::<Vec<_>>())?;
        let mut ctx = self.lock().ctx.clone();
        ctx.profiles = set.timeless();
        let now = ctx.as_of;
        Ok(consignments
            .iter()
            .map(|c| {
                ctx.as_of = c.lodged_on.map_or(now, |d| d.and_time(chrono::NaiveTime::MIN));
                aduana_risk::selecting_profiles(c, &ctx).into_iter().map(|(id, _)| id).collect()
            })
            .collect())
    }
}
