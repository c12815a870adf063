//! `ListScreener`: the server's name screener for the workbench's screening page — the watch lists the store holds
//! (seeded from `aduana serve --list` files, replaced by uploads to `PUT /api/lists/{name}`), indexed once per
//! upload, searched with the recommended configuration.

use std::sync::{Arc, PoisonError, RwLock};

use aduana_screening::{NameRules, Query, ScreeningConfig, ScreeningIndex, WatchList, screen};
use aduana_server::{ScreenedName, Screener};
use aduana_store::RiskConfig;

/// Screens names against the loaded lists; [`Screener::reload`] swaps them for the store's.
#[derive(Debug)]
pub(crate) struct ListScreener {
    loaded: RwLock<Arc<Loaded>>,
    config: ScreeningConfig,
}

#[derive(Debug)]
struct Loaded {
    index: ScreeningIndex,
    lists: Vec<String>,
}

impl Loaded {
    fn new(lists: &[WatchList]) -> Loaded {
        Loaded {
            index: ScreeningIndex::build(lists, NameRules::builtin()),
            lists: lists.iter().map(|l| format!("{}@{}", l.name, l.version)).collect(),
        }
    }
}

impl ListScreener {
    /// Indexes the lists.
    pub(crate) fn new(lists: &[WatchList]) -> ListScreener {
        let mut config = ScreeningConfig::recommended();
        // The page shows near misses too, below the threshold, so that an officer sees why a name did not match.
        config.max_results = 20;
        ListScreener { loaded: RwLock::new(Arc::new(Loaded::new(lists))), config }
    }

    fn current(&self) -> Arc<Loaded> {
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
        self.current().lists.clone()
    }

    fn reload(&self, config: &RiskConfig) -> Result<(), Vec<String>> {
        let mut lists = Vec::new();
        let mut problems = Vec::new();
        for (stored, text) in &config.lists {
            match aduana_screening::parse_list(text.as_bytes(), &stored.name) {
                Ok(list) => lists.push(list),
                Err(errors) => problems.extend(errors.iter().map(ToString::to_string)),
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        // Indexed before the swap: searches go on against the previous lists meanwhile.
        let loaded = Arc::new(Loaded::new(&lists));
        *self.loaded.write().unwrap_or_else(PoisonError::into_inner) = loaded;
        Ok(())
    }
}
