//! `Assessor`: the seam through which the server has consignments assessed. The server does not know how risk is
//! assessed; the binary passes an implementation in (the risk engine, or a stand-in until it is wired).

use std::collections::BTreeMap;

use aduana_core::{Assessment, Consignment};

/// Assesses consignments. Called on a blocking thread with a whole submission at once, so that shared set-up
/// (compiled profiles, list indexes) is paid once per batch.
pub trait Assessor: Send + Sync {
    /// Returns one assessment per consignment, in the same order.
    fn assess_batch(&self, consignments: &[Consignment]) -> Vec<Assessment>;
    /// Returns the versions of the profiles, lists and model in use, by name.
    fn versions(&self) -> BTreeMap<String, String>;
}

/// Screens one name across the lists the binary loaded (the workbench's screening page).
pub trait Screener: Send + Sync {
    /// Returns the candidates for a name, best first, each with its explanation.
    fn screen_name(&self, name: &str) -> Vec<ScreenedName>;
    /// Returns the loaded lists as `name@version`.
    fn lists(&self) -> Vec<String>;
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
