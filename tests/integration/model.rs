//! model integration tests.
