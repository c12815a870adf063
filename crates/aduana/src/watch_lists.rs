//! `WatchLists`: the watch lists a server screens parties against, parsed and indexed once for each distinct set
//! of list texts, and shared by the risk assessor's screening indicator and the workbench's screening page.
//!
//! Each of them used to parse and index the lists on its own, at start-up and again at every reload of the risk
//! configuration, which any profile activation triggers: two indexes in memory (about 1.2 GB each for a million
//! names) and the parse and index time paid twice, or four times at start-up, for lists that had not changed.
//! Now a set of lists is identified by each list's name and the SHA-256 of its text; a reload whose lists are the
//! ones indexed last (and still in use) gets that index back without parsing or indexing them again.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Instant;

use aduana_screening::{NameRules, ScreeningIndex, WatchList, parse_list};
use anyhow::Context as _;
use sha2::{Digest, Sha256};

use crate::cli::risk_inputs::{list_name, parse_list_file};

/// Lists indexed together.
#[derive(Debug)]
pub(crate) struct IndexedLists {
    /// The index over every list's names.
    pub(crate) index: Arc<ScreeningIndex>,
    /// `name@version` of each list, in the order given.
    pub(crate) versions: Vec<String>,
}

impl IndexedLists {
    /// Indexes `lists`.
    pub(crate) fn of(lists: &[WatchList]) -> IndexedLists {
        IndexedLists {
            index: Arc::new(ScreeningIndex::build(lists, NameRules::builtin())),
            versions: lists.iter().map(|l| format!("{}@{}", l.name, l.version)).collect(),
        }
    }
}

/// Each list's name and the SHA-256 of its text, in order.
type Fingerprint = Vec<(String, [u8; 32])>;

/// The lists indexed last, with what identifies them. Held weakly: an index stays only as long as the assessor or
/// the screening page uses it, so one built for a configuration the assessor then refused (a profile that does not
/// compile) is freed, not kept beside the one in use.
#[derive(Debug)]
pub(crate) struct WatchLists {
    current: Mutex<(Fingerprint, Weak<IndexedLists>)>,
}

impl WatchLists {
    /// No lists yet.
    pub(crate) fn new() -> WatchLists {
        WatchLists { current: Mutex::new((Vec::new(), Weak::new())) }
    }

    /// Returns the index of `lists` (each a name and its text): the one built last when it was built from the same
    /// texts under the same names and is still in use, otherwise a new one, which the next call gets back while it
    /// is in use. A list that cannot be read is reported (with its name, line and field, as [`parse_list`] says)
    /// and nothing is kept.
    pub(crate) fn indexed<'a>(
        &self,
        lists: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    ) -> Result<Arc<IndexedLists>, Vec<String>> {
        self.index_with(lists, |_, name, text| {
            parse_list(text, name).map_err(|errors| errors.iter().map(ToString::to_string).collect::<Vec<_>>())
        })
        .map_err(|problems| problems.into_iter().flatten().collect())
    }

    /// [`WatchLists::indexed`] for list files, each named after its file name (as the server seeds them into the
    /// store, so that the first reload from the store finds them indexed already); a file that cannot be read is
    /// reported as `aduana assess --list` reports it.
    pub(crate) fn indexed_files(&self, paths: &[PathBuf]) -> anyhow::Result<Arc<IndexedLists>> {
        let mut files = Vec::with_capacity(paths.len());
        for path in paths {
            let bytes = std::fs::read(path).with_context(|| format!("reading list {}", path.display()))?;
            files.push((list_name(path), bytes));
        }
        let lists = files.iter().map(|(name, bytes)| (name.as_str(), bytes.as_slice()));
        self.index_with(lists, |at, _, bytes| parse_list_file(&paths[at], bytes)).map_err(|mut errors| errors.remove(0))
    }

    /// [`WatchLists::indexed`] with the lists parsed by `parse` (given each list's position, name and text).
    fn index_with<'a, E>(
        &self,
        lists: impl IntoIterator<Item = (&'a str, &'a [u8])>,
        parse: impl Fn(usize, &str, &[u8]) -> Result<WatchList, E>,
    ) -> Result<Arc<IndexedLists>, Vec<E>> {
        let lists: Vec<(&str, &[u8])> = lists.into_iter().collect();
        let fingerprint: Fingerprint = lists.iter().map(|(name, text)| ((*name).to_owned(), sha256(text))).collect();
        // Held while a new index is built, so that the assessor and the screening page, reloading one after the
        // other, build it once between them.
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        if let (true, Some(indexed)) = (current.0 == fingerprint, current.1.upgrade()) {
            return Ok(indexed);
        }
        let started = Instant::now();
        let mut parsed = Vec::with_capacity(lists.len());
        let mut problems = Vec::new();
        for (at, (name, text)) in lists.iter().enumerate() {
            match parse(at, name, text) {
                Ok(list) => parsed.push(list),
                Err(error) => problems.push(error),
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let indexed = Arc::new(IndexedLists::of(&parsed));
        if !parsed.is_empty() {
            #[allow(clippy::print_stderr, reason = "the server's log is its standard error")]
            {
                eprintln!(
                    "watch lists indexed: {} ({} entries) in {:.1} s",
                    indexed.versions.join(", "),
                    parsed.iter().map(|l| l.entries.len()).sum::<usize>(),
                    started.elapsed().as_secs_f64()
                );
            }
        }
        *current = (fingerprint, Arc::downgrade(&indexed));
        Ok(indexed)
    }
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::WatchLists;

    const ONE: &str = "id,name\nE1,Korea Mining Development Trading Corporation\n";
    const TWO: &str = "id,name\nE1,Korea Mining Development Trading Corporation\nE2,Ivan Petrov\n";

    fn lists<'a>(texts: &'a [(&'a str, &'a str)]) -> impl Iterator<Item = (&'a str, &'a [u8])> {
        texts.iter().map(|(name, text)| (*name, text.as_bytes()))
    }

    #[test]
    fn the_same_texts_under_the_same_names_get_the_same_index_back() {
        let shared = WatchLists::new();
        let first = shared.indexed(lists(&[("local.csv", ONE)])).expect("indexed");
        assert_eq!(first.versions.len(), 1);
        let again = shared.indexed(lists(&[("local.csv", ONE)])).expect("indexed");
        assert!(Arc::ptr_eq(&first, &again), "the lists were indexed a second time");
        assert!(Arc::ptr_eq(&first.index, &again.index));
    }

    #[test]
    fn a_changed_text_a_renamed_list_or_another_set_is_indexed_anew() {
        let shared = WatchLists::new();
        let first = shared.indexed(lists(&[("local.csv", ONE)])).expect("indexed");
        let changed = shared.indexed(lists(&[("local.csv", TWO)])).expect("indexed");
        assert!(!Arc::ptr_eq(&first, &changed));
        assert_eq!(changed.index.entry_count(), first.index.entry_count() + 1, "the new text's entry is searched");
        let renamed = shared.indexed(lists(&[("other.csv", TWO)])).expect("indexed");
        assert!(!Arc::ptr_eq(&changed, &renamed));
        assert!(renamed.versions[0].starts_with("other.csv@"), "{:?}", renamed.versions);
        let both = shared.indexed(lists(&[("other.csv", TWO), ("local.csv", ONE)])).expect("indexed");
        assert_eq!(both.versions.len(), 2);
        let none = shared.indexed(lists(&[])).expect("indexed");
        assert!(none.versions.is_empty() && none.index.entry_count() == 0);
    }

    #[test]
    fn an_index_nobody_uses_any_more_is_freed_and_built_again_when_asked_for() {
        let shared = WatchLists::new();
        let first = shared.indexed(lists(&[("local.csv", ONE)])).expect("indexed");
        let weak = Arc::downgrade(&first);
        drop(first);
        assert!(weak.upgrade().is_none(), "the cache kept an index nobody uses");
        let again = shared.indexed(lists(&[("local.csv", ONE)])).expect("indexed again");
        assert_eq!(again.versions.len(), 1);
    }

    #[test]
    fn a_list_that_cannot_be_read_is_reported_and_the_last_index_kept() {
        let shared = WatchLists::new();
        let first = shared.indexed(lists(&[("local.csv", ONE)])).expect("indexed");
        let problems =
            shared.indexed(lists(&[("broken.csv", "who,what\n1,2\n")])).expect_err("a list without its columns");
        assert!(problems.iter().any(|p| p.contains("broken.csv")), "{problems:?}");
        let again = shared.indexed(lists(&[("local.csv", ONE)])).expect("indexed");
        assert!(Arc::ptr_eq(&first, &again), "the failed reload replaced what was indexed");
    }
}
