//! Cron schedules as Kubernetes CronJobs and Argo CD sync windows write them,
//! evaluated in a time zone.
//!
//! [`CronSchedule`] is the parsed five-field expression, working on whole
//! "civil minutes" (minutes since 1970-01-01T00:00 of a wall clock, no zone);
//! [`ZonedSchedule`] ties it to a [`TimeZone`] and answers in instants
//! ([`Timestamp`]). [`TimeZones`] resolves the zone names users write
//! (`timeZone: Europe/Paris`) from an explicit zoneinfo directory: the engine
//! never picks that path itself.

mod civil;
mod cron;
mod field;
mod time_zones;
mod zoned;

pub use cron::{CronError, CronSchedule};
pub use time_zones::{TimeZones, ZoneError};
pub use zoned::ZonedSchedule;

pub use k8s_openapi::jiff::Timestamp;
pub use k8s_openapi::jiff::tz::TimeZone;
