//! The learned risk model. Features come from each declaration and from the history of earlier examination
//! outcomes (smoothed past fraud rates per HS code, origin, party and their combinations), computed in date
//! order from earlier days only so that nothing leaks from the future. A histogram gradient-boosted tree
//! ensemble scores them; each score comes with per-feature contributions and reasons in words.
//!
//! Pure: no I/O, no clock. Data come in as [`Consignment`](aduana_core::Consignment)s as the KCS CSV reader maps
//! them (labels in attribute `fraud`), models as bytes.

mod booster;
mod features;
mod metrics;
mod model;
mod selection;
#[cfg(test)]
mod tests;

pub use booster::BoosterConfig;
pub use features::{Counts, History, feature_names};
pub use metrics::{RATES, Ranking, auc, ranking};
pub use model::{Contribution, FORMAT_VERSION, FeatureMatrix, Model, ModelError, Prediction, TrainingReport, train};
pub use selection::{Pick, SeededRng, SelectionPolicy, select};
