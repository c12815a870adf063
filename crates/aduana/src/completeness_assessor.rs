//! `CompletenessOnlyAssessor`: the default assessor until the risk engine is wired into the server. It is honest
//! about what it does: every consignment goes to the green lane with score 0 and no hits; the only thing it adds
//! is the completeness check (missing SAFE / PLACI data elements) as `findings`. Its `versions` say so, so an
//! assessment made by it can never be mistaken for a risk assessment.

use std::collections::BTreeMap;

use aduana_core::{Assessment, Consignment, Lane, completeness};
use aduana_server::Assessor;

/// Green lane, score 0, no hits; completeness findings attached.
#[derive(Debug)]
pub(crate) struct CompletenessOnlyAssessor;

impl Assessor for CompletenessOnlyAssessor {
    fn assess_batch(&self, consignments: &[Consignment]) -> Vec<Assessment> {
        consignments
            .iter()
            .map(|consignment| Assessment {
                reference: consignment.reference.clone(),
                score: 0.0,
                lane: Lane::Green,
                referrals: Vec::new(),
                hits: Vec::new(),
                findings: completeness::check(consignment),
                versions: self.versions(),
            })
            .collect()
    }

    fn versions(&self) -> BTreeMap<String, String> {
        BTreeMap::from([("assessor".to_owned(), "completeness-only (risk engine not wired)".to_owned())])
    }
}
