//! End-to-end tests of the `aduana` binary: each module runs the built binary the way a user would.

mod architecture; // the allowed dependency edges between workspace crates
mod helpers; // running the binary in a fresh temporary directory
mod hs; // `aduana hs`
mod screen; // `aduana screen`: single names, batch CSV (quality figures on the yente files), list diffs
mod validate; // `aduana validate` on the canonical formats and the shipped examples
