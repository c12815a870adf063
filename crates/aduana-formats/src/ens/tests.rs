//! Tests of the ENS reader: golden files, detection and the HMRC schema suite.
