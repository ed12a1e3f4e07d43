//! Embedded simulated fleet.
