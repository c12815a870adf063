//! Integration tests of the risk engine.
