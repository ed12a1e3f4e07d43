//! architecture integration tests.
