//! What changed between two versions of a list: entries added, removed and changed, by entry id.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::watchlist::{Entry, WatchList};

/// The difference between two versions of a list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListDiff {
    /// The old version.
    pub from_version: String,
    /// The new version.
    pub to_version: String,
    /// Ids of entries only in the new version, sorted.
    pub added: Vec<String>,
    /// Ids of entries only in the old version, sorted.
    pub removed: Vec<String>,
    /// Ids of entries in both whose content differs, sorted.
    pub changed: Vec<String>,
}

fn by_id(list: &WatchList) -> BTreeMap<&str, &Entry> {
    list.entries.iter().map(|e| (e.id.as_str(), e)).collect()
}

/// Returns what was added, changed and removed going from `old` to `new`.
pub fn diff(old: &WatchList, new: &WatchList) -> ListDiff {
    let (old_entries, new_entries) = (by_id(old), by_id(new));
    let mut result = ListDiff {
        from_version: old.version.clone(),
        to_version: new.version.clone(),
        added: Vec::new(),
        removed: Vec::new(),
        changed: Vec::new(),
    };
    for (id, entry) in &new_entries {
        match old_entries.get(id) {
            None => result.added.push((*id).to_owned()),
            Some(before) if before != entry => result.changed.push((*id).to_owned()),
            Some(_) => {}
        }
    }
    result.removed =
        old_entries.keys().filter(|id| !new_entries.contains_key(*id)).map(|id| (*id).to_owned()).collect();
    result
}
