//! cli integration tests.
