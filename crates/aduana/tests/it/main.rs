//! End-to-end tests of the `aduana` binary: each module runs the built binary the way a user would.

mod architecture; // the allowed dependency edges between workspace crates
mod csv; // `aduana validate` on the KCS and flat CSV layouts
mod helpers; // running the binary in a fresh temporary directory
mod hs; // `aduana hs`
mod learn; // `aduana train` and `aduana evaluate` on a KCS slice
mod validate; // `aduana validate` on the canonical formats and the shipped examples
