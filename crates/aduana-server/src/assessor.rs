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
