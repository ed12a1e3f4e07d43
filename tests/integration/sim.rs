//! Simulated fleet integration tests (in progress).
