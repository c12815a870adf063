//! `RiskAssessor`: the server's assessor — the risk engine with the context the operator configured (profiles, AEO
//! register, watch lists, the built-in strategic-goods and embargo tables), assessed as of the moment each batch
//! arrives.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

use aduana_core::{Assessment, Consignment};
use aduana_risk::RiskContext;
use aduana_server::Assessor;

use crate::cli::risk_inputs::as_of;

/// Assesses with `aduana_risk`. The context is behind a mutex only so that `as_of` can be moved to the clock's
/// time for each batch; assessing a batch takes microseconds per consignment, so batches wait for each other briefly.
#[derive(Debug)]
pub(crate) struct RiskAssessor {
    ctx: Mutex<RiskContext>,
}

impl RiskAssessor {
    /// Returns an assessor over a built context.
    pub(crate) fn new(ctx: RiskContext) -> RiskAssessor {
        RiskAssessor { ctx: Mutex::new(ctx) }
    }
}

impl Assessor for RiskAssessor {
    fn assess_batch(&self, consignments: &[Consignment]) -> Vec<Assessment> {
        let mut ctx = self.ctx.lock().unwrap_or_else(PoisonError::into_inner);
        if let Ok(now) = as_of(None) {
            ctx.as_of = now;
        }
        aduana_risk::assess_batch(consignments, &ctx)
    }

    fn versions(&self) -> BTreeMap<String, String> {
        aduana_risk::versions(&self.ctx.lock().unwrap_or_else(PoisonError::into_inner))
    }
}
