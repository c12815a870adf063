//! `ListScreener`: the server's name screener for the workbench's screening page — the watch lists the store holds
//! (seeded from `aduana serve --list` files, replaced by uploads to `PUT /api/lists/{name}`), searched with the
//! recommended configuration in the index the risk assessor screens parties with ([`WatchLists`]).

use std::sync::{Arc, PoisonError, RwLock};

use aduana_screening::{Query, ScreeningConfig, screen};
use aduana_server::{ScreenedName, Screener};
use aduana_store::RiskConfig;

use crate::watch_lists::{IndexedLists, WatchLists};

/// Screens names against the loaded lists; [`Screener::reload`] swaps them for the store's.
#[derive(Debug)]
pub(crate) struct ListScreener {
    loaded: RwLock<Arc<IndexedLists>>,
    lists: Arc<WatchLists>,
    config: ScreeningConfig,
}

impl ListScreener {
    /// Searches `loaded` until a reload takes the store's lists from `lists`.
    pub(crate) fn new(loaded: Arc<IndexedLists>, lists: Arc<WatchLists>) -> ListScreener {
        let mut config = ScreeningConfig::recommended();
        // The page shows near misses too, below the threshold, so that an officer sees why a name did not match.
        config.max_results = 20;
        ListScreener { loaded: RwLock::new(loaded), lists, config }
    }

    fn current(&self) -> Arc<IndexedLists> {
        Arc::clone(&self.loaded.read().unwrap_or_else(PoisonError::into_inner))
    }
}

impl Screener for ListScreener {
    fn screen_name(&self, name: &str) -> Vec<ScreenedName> {
        let query = Query { name: name.to_owned(), date_of_birth: None, nationality: None };
        screen(&query, &self.current().index, &self.config)
            .into_iter()
            .map(|m| ScreenedName {
                list: m.list,
                entry_id: m.entry_id,
                name: m.name,
                score: m.score,
                matched: m.matched,
                explanation: m.explanation,
                evidence: m.evidence,
            })
            .collect()
    }

    fn lists(&self) -> Vec<String> {
        self.current().versions.clone()
    }

    fn reload(&self, config: &RiskConfig) -> Result<(), Vec<String>> {
        // The assessor reloads first and has indexed these lists already (or found them unchanged); searches go
        // on against the previous lists until the swap.
        let loaded =
            self.lists.indexed(config.lists.iter().map(|(stored, text)| (stored.name.as_str(), text.as_bytes())))?;
        *self.loaded.write().unwrap_or_else(PoisonError::into_inner) = loaded;
        Ok(())
    }
}
