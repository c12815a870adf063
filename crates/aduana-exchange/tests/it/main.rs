//! Integration tests of the exchange protocol: several nodes in one process talking through the in-process
//! transport.

mod compat; // old envelopes still load (test_data/compat/envelope)
mod delivery; // the outbox, retries and the in-process transport
mod nodes; // building a small network of nodes for the tests
mod receiving; // what a node accepts and what it refuses, and why
