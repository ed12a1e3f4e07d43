//! render integration tests.
