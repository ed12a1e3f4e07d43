//! Embedded simulated fleet: a Kubernetes API server on loopback (in progress).
