//! Tests of the EDIFACT reader.
