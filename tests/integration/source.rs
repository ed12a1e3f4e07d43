//! source integration tests.
