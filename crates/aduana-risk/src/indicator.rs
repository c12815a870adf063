//! Indicators: each looks at a consignment from one angle and reports `Hit`s with evidence (and, for
//! validation, findings). The scorer only sums and routes hits, so screening, strategic goods, enforcement history
//! and the learned model plug in as further `Indicator`s in `RiskContext::indicators` without changing it.

mod aeo;
mod embargo;
mod enforcement_history;
mod model;
mod profiles;
mod random_selection;
mod screening;
mod strategic_goods;
mod validation;

use std::fmt;

use aduana_core::{Consignment, Diagnostic, Hit, Text};

use crate::context::RiskContext;

pub use aeo::AeoIndicator;
pub use embargo::EmbargoIndicator;
pub use enforcement_history::{EnforcementHistory, EnforcementHistoryIndicator, HistoryWeights};
pub use model::{ModelIndicator, ModelPolicy};
pub use profiles::ProfileIndicator;
pub(crate) use profiles::{HitText, match_profiles};
pub use random_selection::RandomSelection;
pub use screening::{MemoStats, ScreeningIndicator, ScreeningWeights};
pub use strategic_goods::StrategicGoodsIndicator;
pub use validation::ValidationIndicator;

/// What indicators report about one consignment.
#[derive(Debug, Default)]
pub struct Signals {
    /// Hits, in the order raised.
    pub hits: Vec<Hit>,
    /// Validation findings.
    pub findings: Vec<Diagnostic>,
}

/// One source of risk signals.
pub trait Indicator: fmt::Debug + Send + Sync {
    /// The name hits carry in `indicator` (`profile`, `screening`, `model`…).
    fn name(&self) -> &str;
    /// The version of what the indicator uses (a list or model version), recorded in every assessment; `None` when
    /// the context's other versions already cover it.
    fn version(&self, ctx: &RiskContext) -> Option<Text>;
    /// Adds the indicator's hits (and findings) for one consignment.
    fn assess(&self, consignment: &Consignment, ctx: &RiskContext, signals: &mut Signals);
}
