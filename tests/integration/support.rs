//! support integration tests.
