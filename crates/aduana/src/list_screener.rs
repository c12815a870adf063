//! `ListScreener`: the server's name screener for the workbench's screening page — the lists given with
//! `aduana serve --list`, indexed once, searched with the recommended configuration.

use aduana_screening::{NameRules, Query, ScreeningConfig, ScreeningIndex, WatchList, screen};
use aduana_server::{ScreenedName, Screener};

/// Screens names against the loaded lists.
#[derive(Debug)]
pub(crate) struct ListScreener {
    index: ScreeningIndex,
    config: ScreeningConfig,
    lists: Vec<String>,
}

impl ListScreener {
    /// Indexes the lists.
    pub(crate) fn new(lists: &[WatchList]) -> ListScreener {
        let names = lists.iter().map(|l| format!("{}@{}", l.name, l.version)).collect();
        let mut config = ScreeningConfig::recommended();
        // The page shows near misses too, below the threshold, so that an officer sees why a name did not match.
        config.max_results = 20;
        ListScreener { index: ScreeningIndex::build(lists, NameRules::builtin()), config, lists: names }
    }
}

impl Screener for ListScreener {
    fn screen_name(&self, name: &str) -> Vec<ScreenedName> {
        let query = Query { name: name.to_owned(), date_of_birth: None, nationality: None };
        screen(&query, &self.index, &self.config)
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
        self.lists.clone()
    }
}
