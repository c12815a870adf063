//! `Assessor`: the seam through which the server has consignments assessed. The server does not know how risk is
//! assessed; the binary passes an implementation in (the risk engine, or a stand-in until it is wired). What the
//! engine assesses with can change while the server runs: the server hands every new [`RiskConfig`] from the store
//! to [`Assessor::reload`] (see `state.rs`, which checks the store's risk generation before each batch).

use std::collections::BTreeMap;

use aduana_core::{Assessment, Consignment};
use aduana_risk::ProfileSource;
use aduana_store::RiskConfig;

/// Assesses consignments. Called on a blocking thread with a whole submission at once, so that shared set-up
/// (compiled profiles, list indexes) is paid once per batch.
pub trait Assessor: Send + Sync {
    /// Returns one assessment per consignment, in the same order.
    fn assess_batch(&self, consignments: &[Consignment]) -> Vec<Assessment>;
    /// Returns the versions of the profiles, lists and model in use, by name.
    fn versions(&self) -> BTreeMap<String, String>;
    /// Replaces the stored part of what consignments are assessed with (active profiles, watch lists, AEO
    /// register) by `config`. When `config` cannot be used (a profile that does not compile, a list that cannot be
    /// read) the assessor keeps what it had and returns every problem. Called on a blocking thread.
    fn reload(&self, config: &RiskConfig) -> Result<(), Vec<String>>;
    /// For back-tests: the ids of the profiles compiled from `profiles` that would select each consignment (in
    /// the same order), judged with the assessor's reference data (named lists, value norms) and with validity
    /// periods opened up, since a back-test asks what the rules would have selected whatever dates they are
    /// scheduled for. Fails with every compile error.
    fn profile_selections(
        &self,
        profiles: &[ProfileSource<'_>],
        consignments: &[Consignment],
    ) -> Result<Vec<Vec<String>>, Vec<String>>;
}

/// Screens one name across the lists the binary loaded (the workbench's screening page).
pub trait Screener: Send + Sync {
    /// Returns the candidates for a name, best first, each with its explanation.
    fn screen_name(&self, name: &str) -> Vec<ScreenedName>;
    /// Returns the loaded lists as `name@version`.
    fn lists(&self) -> Vec<String>;
    /// Replaces the lists by the watch lists of `config` (what the store holds: seeded files and uploads), as
    /// [`Assessor::reload`] does for assessments. When a list cannot be read the screener keeps what it had and
    /// returns every problem. Called on a blocking thread.
    fn reload(&self, config: &RiskConfig) -> Result<(), Vec<String>>;
}

/// One candidate for a screened name.
#[derive(Debug, Clone, PartialEq)]
pub struct ScreenedName {
    /// The list.
    pub list: String,
    /// The entry's id in the list.
    pub entry_id: String,
    /// The entry's name (or alias) that matched.
    pub name: String,
    /// The similarity, 0 to 1.
    pub score: f32,
    /// Whether the score reaches the matching threshold.
    pub matched: bool,
    /// Why, in words.
    pub explanation: String,
    /// Further evidence (dates of birth, nationalities…).
    pub evidence: Vec<String>,
}
