//! Integration tests of the risk engine through its public API.

mod aeo; // the AEO register CSV, the AEO benefit, and the norms and list readers
mod fixtures; // consignments, contexts and profile text used by the other modules
mod language; // the profile language: parsing, located errors, evaluation and evidence
mod scoring; // lanes, thresholds, policies and determinism
mod screening; // the screening indicator on the UN list and its memo
mod strategic_goods; // the strategic-goods indicator on the shipped correlation table
