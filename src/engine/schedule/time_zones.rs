//! Time zone names as users write them in `timeZone` fields, resolved to
//! zones. `""` and `UTC` are UTC (as Go's `time.LoadLocation` has it); IANA
//! names (`Europe/Paris`) are read as TZif files from a zoneinfo directory the
//! caller names (usually `/usr/share/zoneinfo`: the composition root picks it);
//! `+05:30` / `-08:00` / `+02` fixed offsets are also accepted, so a host
//! without tzdata can still express a zone.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use k8s_openapi::jiff::tz::{Offset, TimeZone};
use thiserror::Error;

#[derive(Debug, Clone, Error)]
pub enum ZoneError {
    #[error(
        "time zone {name:?}: no zoneinfo directory is available; only UTC and fixed offsets (+05:30) are supported"
    )]
    NoDatabase { name: String },
    #[error("time zone {name:?}: not a valid zone name")]
    InvalidName { name: String },
    #[error("time zone {name:?}: invalid fixed offset (expected +HH, +HH:MM or -HH:MM)")]
    InvalidOffset { name: String },
    #[error("time zone {name:?}: unknown (no {path})")]
    Unknown { name: String, path: PathBuf },
    #[error("time zone {name:?}: cannot read {path}")]
    Read {
        name: String,
        path: PathBuf,
        #[source]
        source: Arc<std::io::Error>,
    },
    #[error("time zone {name:?}: {path} is not a valid TZif file: {reason}")]
    Invalid {
        name: String,
        path: PathBuf,
        reason: String,
    },
}

/// Resolves zone names; loaded zones are cached, so resolving the same name
/// for every project costs one file read.
#[derive(Debug, Default)]
pub struct TimeZones {
    dir: Option<PathBuf>,
    cache: RwLock<HashMap<String, TimeZone>>,
}

impl TimeZones {
    /// UTC and fixed offsets only: IANA names are a [`ZoneError::NoDatabase`].
    pub fn without_database() -> Self {
        TimeZones::default()
    }

    /// IANA names read from `dir` (a zoneinfo tree: `dir/Europe/Paris`).
    pub fn from_dir(dir: impl Into<PathBuf>) -> Self {
        TimeZones {
            dir: Some(dir.into()),
            cache: RwLock::default(),
        }
    }

    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    pub fn resolve(&self, name: &str) -> Result<TimeZone, ZoneError> {
        let trimmed = name.trim();
        if trimmed.is_empty() || trimmed == "UTC" {
            return Ok(TimeZone::UTC);
        }
        if trimmed.starts_with(['+', '-']) {
            return parse_offset(trimmed).map(TimeZone::fixed).ok_or_else(|| {
                ZoneError::InvalidOffset {
                    name: name.to_string(),
                }
            });
        }
        if !valid_name(trimmed) {
            return Err(ZoneError::InvalidName {
                name: name.to_string(),
            });
        }
        if let Some(zone) = self
            .cache
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(trimmed)
        {
            return Ok(zone.clone());
        }
        let Some(dir) = &self.dir else {
            return Err(ZoneError::NoDatabase {
                name: name.to_string(),
            });
        };
        let zone = load(dir, trimmed)?;
        self.cache
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(trimmed.to_string(), zone.clone());
        Ok(zone)
    }
}

/// An IANA-style name: `/`-separated parts of letters, digits, `_`, `-`, `+`
/// and `.`, none of them `.` or `..` (so a name never leaves the directory).
fn valid_name(name: &str) -> bool {
    name.split('/').all(|part| {
        !part.is_empty()
            && part != "."
            && part != ".."
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+' | '.'))
    })
}

fn load(dir: &Path, name: &str) -> Result<TimeZone, ZoneError> {
    let path = dir.join(name);
    let data = std::fs::read(&path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            ZoneError::Unknown {
                name: name.to_string(),
                path: path.clone(),
            }
        } else {
            ZoneError::Read {
                name: name.to_string(),
                path: path.clone(),
                source: Arc::new(source),
            }
        }
    })?;
    TimeZone::tzif(name, &data).map_err(|error| ZoneError::Invalid {
        name: name.to_string(),
        path,
        reason: error.to_string(),
    })
}

/// `+HH`, `+HHMM`, `+HH:MM` (or `-`), at most 25 hours.
fn parse_offset(text: &str) -> Option<Offset> {
    let (sign, digits) = match text.split_at(1) {
        ("+", rest) => (1, rest),
        ("-", rest) => (-1, rest),
        _ => return None,
    };
    let compact: String = match digits.split_once(':') {
        Some((hours, minutes)) if hours.len() == 2 && minutes.len() == 2 => {
            format!("{hours}{minutes}")
        }
        Some(_) => return None,
        None => digits.to_string(),
    };
    if !compact.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (hours, minutes) = match compact.len() {
        2 => (compact.parse::<i32>().ok()?, 0),
        4 => (
            compact[..2].parse::<i32>().ok()?,
            compact[2..].parse::<i32>().ok()?,
        ),
        _ => return None,
    };
    if hours > 25 || minutes > 59 {
        return None;
    }
    Offset::from_seconds(sign * (hours * 3600 + minutes * 60)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::jiff::Timestamp;

    #[test]
    fn utc_and_fixed_offsets_need_no_database() {
        let zones = TimeZones::without_database();
        assert_eq!(zones.resolve("").expect("utc"), TimeZone::UTC);
        assert_eq!(zones.resolve("UTC").expect("utc"), TimeZone::UTC);
        let india = zones.resolve("+05:30").expect("offset");
        let t: Timestamp = "2024-01-01T00:00:00Z".parse().expect("ts");
        assert_eq!(india.to_datetime(t).to_string(), "2024-01-01T05:30:00");
        assert!(zones.resolve("-08").is_ok());
        assert!(zones.resolve("-0800").is_ok());
        for bad in ["+5", "+05:3", "+26:00", "+05:60", "+ab"] {
            assert!(
                matches!(zones.resolve(bad), Err(ZoneError::InvalidOffset { .. })),
                "{bad}"
            );
        }
        assert!(matches!(
            zones.resolve("Europe/Paris"),
            Err(ZoneError::NoDatabase { .. })
        ));
        assert!(matches!(
            zones.resolve("../etc/passwd"),
            Err(ZoneError::InvalidName { .. })
        ));
        assert!(matches!(
            zones.resolve("/etc/passwd"),
            Err(ZoneError::InvalidName { .. })
        ));
    }

    #[test]
    fn iana_names_are_read_from_the_directory_and_cached() {
        let dir = tempfile::tempdir().expect("tempdir");
        let zones = TimeZones::from_dir(dir.path());
        assert!(matches!(
            zones.resolve("Mars/Olympus"),
            Err(ZoneError::Unknown { .. })
        ));
        std::fs::create_dir_all(dir.path().join("Europe")).expect("mkdir");
        std::fs::write(dir.path().join("Europe/Nowhere"), b"not tzif").expect("write");
        assert!(matches!(
            zones.resolve("Europe/Nowhere"),
            Err(ZoneError::Invalid { .. })
        ));
        // A real zone, when this machine has the system database (copied, so the
        // cache is shown to serve it after the file is gone).
        let system = Path::new("/usr/share/zoneinfo/Europe/Paris");
        if let Ok(data) = std::fs::read(system) {
            std::fs::write(dir.path().join("Europe/Paris"), data).expect("write");
            let paris = zones.resolve("Europe/Paris").expect("paris");
            let winter: Timestamp = "2024-01-15T12:00:00Z".parse().expect("ts");
            let summer: Timestamp = "2024-07-15T12:00:00Z".parse().expect("ts");
            assert_eq!(paris.to_datetime(winter).hour(), 13);
            assert_eq!(paris.to_datetime(summer).hour(), 14);
            std::fs::remove_file(dir.path().join("Europe/Paris")).expect("rm");
            assert!(zones.resolve("Europe/Paris").is_ok(), "served from cache");
        }
    }
}
