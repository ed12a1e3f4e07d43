//! Statuses as the widgets draw them: a theme slot, an icon and a word for
//! each sync and health value. Icons differ in shape, not only in colour,
//! so a status reads the same in the mono and colour-blind themes.

use crate::engine::api::{HealthStatus, ResourceSyncStatus, SyncStatus};

use super::super::theme::Slot;

pub fn health_slot(health: HealthStatus) -> Slot {
    match health {
        HealthStatus::Healthy => Slot::HealthHealthy,
        HealthStatus::Suspended => Slot::HealthSuspended,
        HealthStatus::Progressing => Slot::HealthProgressing,
        HealthStatus::Missing => Slot::HealthMissing,
        HealthStatus::Degraded => Slot::HealthDegraded,
        HealthStatus::Unknown => Slot::HealthUnknown,
    }
}

pub fn health_icon(health: HealthStatus) -> &'static str {
    match health {
        HealthStatus::Healthy => "♥",
        HealthStatus::Suspended => "‖",
        HealthStatus::Progressing => "◔",
        HealthStatus::Missing => "○",
        HealthStatus::Degraded => "✗",
        HealthStatus::Unknown => "?",
    }
}

/// Whether a health needs an operator's eyes (not healthy, not paused on
/// purpose).
pub fn health_needs_attention(health: HealthStatus) -> bool {
    !matches!(health, HealthStatus::Healthy | HealthStatus::Suspended)
}

pub fn sync_slot(sync: SyncStatus) -> Slot {
    match sync {
        SyncStatus::Synced => Slot::SyncSynced,
        SyncStatus::OutOfSync => Slot::SyncOutOfSync,
        SyncStatus::Unknown => Slot::SyncUnknown,
    }
}

pub fn sync_icon(sync: SyncStatus) -> &'static str {
    match sync {
        SyncStatus::Synced => "✓",
        SyncStatus::OutOfSync => "≠",
        SyncStatus::Unknown => "?",
    }
}

pub fn sync_label(sync: SyncStatus) -> &'static str {
    match sync {
        SyncStatus::Synced => "Synced",
        SyncStatus::OutOfSync => "OutOfSync",
        SyncStatus::Unknown => "Unknown",
    }
}

/// An extraneous resource is about to be deleted by a prune: it gets the
/// warning slot, not the quieter out-of-sync one.
pub fn resource_sync_slot(sync: ResourceSyncStatus) -> Slot {
    match sync {
        ResourceSyncStatus::Synced => Slot::SyncSynced,
        ResourceSyncStatus::OutOfSync | ResourceSyncStatus::Missing => Slot::SyncOutOfSync,
        ResourceSyncStatus::Extraneous => Slot::Warning,
    }
}

pub fn resource_sync_icon(sync: ResourceSyncStatus) -> &'static str {
    match sync {
        ResourceSyncStatus::Synced => "✓",
        ResourceSyncStatus::OutOfSync => "≠",
        ResourceSyncStatus::Missing => "+",
        ResourceSyncStatus::Extraneous => "−",
    }
}

pub fn resource_sync_label(sync: ResourceSyncStatus) -> &'static str {
    match sync {
        ResourceSyncStatus::Synced => "Synced",
        ResourceSyncStatus::OutOfSync => "OutOfSync",
        ResourceSyncStatus::Missing => "Missing",
        ResourceSyncStatus::Extraneous => "Extraneous",
    }
}
