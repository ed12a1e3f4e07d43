//! fleetdeck's configuration file schema.
