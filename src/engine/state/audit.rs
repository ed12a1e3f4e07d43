//! The audit log: one JSON line per operator action and per automated
//! sync, appended and fsynced before the action is reported done, so that
//! "who did what, when and why" survives a crash. Append-only, except for
//! [`AuditLog::repair`], which an operator asks for.
//!
//! A crash mid-append leaves a torn line. It must cost that one record and
//! nothing else: every append starts on a fresh line (so the next record is
//! never glued to the torn one), readers skip damaged lines and name them by
//! number ([`AuditLog::read_checked`]), and a repair moves them to a side
//! file so the log reads clean again with every intact record kept.

mod repair;
mod scan;

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use k8s_openapi::jiff::Timestamp;
use serde::{Deserialize, Serialize};

pub use repair::{DAMAGED_FILE, RepairReport};
pub use scan::{AuditReading, DamagedLine};

use super::private_file::open_private_append;

/// The file's name inside the state directory.
pub const AUDIT_FILE: &str = "audit.jsonl";

/// Held (as an advisory lock) by every append and by a repair, so a repair's
/// rename never swaps the file under an append of another process.
const LOCK_FILE: &str = "audit.jsonl.lock";

/// One action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditRecord {
    pub at: Timestamp,
    /// The operator, or `automated`.
    pub operator: String,
    /// `sync`, `prune`, `rollback`, `pause`, `resume`, `approve`, `cancel`,
    /// `self-heal`, `auto-sync`...
    pub action: String,
    /// The app, or the scope of a pause (`cluster prod`).
    pub target: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub revision: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// How it ended: `Succeeded`, `Failed: ...`, `done`.
    pub result: String,
}

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("cannot write the audit log {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read the audit log {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Kept for callers that match on it; readers now skip damaged lines
    /// and report them in [`AuditReading::damaged`] instead.
    #[error("audit log {path}, line {line}: {source}")]
    Corrupt {
        path: PathBuf,
        line: usize,
        #[source]
        source: serde_json::Error,
    },
}

/// The log of one state directory.
#[derive(Debug)]
pub struct AuditLog {
    path: PathBuf,
    lock_path: PathBuf,
    /// Appends from one process never interleave; across processes the
    /// lock file keeps them apart.
    writing: Mutex<()>,
}

impl AuditLog {
    pub fn open(state_dir: &Path) -> Result<AuditLog, AuditError> {
        std::fs::create_dir_all(state_dir).map_err(|source| AuditError::Write {
            path: state_dir.to_path_buf(),
            source,
        })?;
        Ok(AuditLog {
            path: state_dir.join(AUDIT_FILE),
            lock_path: state_dir.join(LOCK_FILE),
            writing: Mutex::new(()),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends a record and fsyncs it. If the file does not end in a
    /// newline (a torn append), one is written first, in the same write, so
    /// the new record stands on its own line.
    pub fn append(&self, record: &AuditRecord) -> Result<(), AuditError> {
        let write_error = |source| AuditError::Write {
            path: self.path.clone(),
            source,
        };
        let mut line = serde_json::to_vec(record).map_err(|error| write_error(error.into()))?;
        line.push(b'\n');
        let _one_at_a_time = self.writing.lock().unwrap_or_else(|p| p.into_inner());
        let _lock = self.lock().map_err(write_error)?;
        let mut file = open_private_append(&self.path).map_err(write_error)?;
        if !ends_with_newline(&mut file).map_err(write_error)? {
            line.insert(0, b'\n');
        }
        file.write_all(&line).map_err(write_error)?;
        file.sync_data().map_err(write_error)
    }

    /// Every intact record, oldest first; damaged lines are skipped. Use
    /// [`AuditLog::read_checked`] to learn which lines were.
    pub fn read(&self) -> Result<Vec<AuditRecord>, AuditError> {
        Ok(self.read_checked()?.records)
    }

    /// Every intact record, oldest first, and the damaged lines by number.
    pub fn read_checked(&self) -> Result<AuditReading, AuditError> {
        let bytes = match std::fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(source) => {
                return Err(AuditError::Read {
                    path: self.path.clone(),
                    source,
                });
            }
        };
        Ok(scan::scan(&bytes))
    }

    /// Moves every damaged line to [`DAMAGED_FILE`] next to the log (with
    /// its line number, appended, so earlier repairs are kept) and rewrites
    /// the log with the intact lines, byte for byte. Nothing to repair
    /// leaves both files untouched.
    pub fn repair(&self) -> Result<RepairReport, AuditError> {
        let _one_at_a_time = self.writing.lock().unwrap_or_else(|p| p.into_inner());
        let _lock = self.lock().map_err(|source| AuditError::Write {
            path: self.path.clone(),
            source,
        })?;
        repair::repair(&self.path)
    }

    fn lock(&self) -> std::io::Result<File> {
        let file = open_private_append(&self.lock_path)?;
        file.lock()?;
        Ok(file)
    }
}

/// Whether the file is empty or its last byte is `\n`.
fn ends_with_newline(file: &mut File) -> std::io::Result<bool> {
    let len = file.metadata()?.len();
    if len == 0 {
        return Ok(true);
    }
    file.seek(SeekFrom::Start(len - 1))?;
    let mut last = [0u8; 1];
    file.read_exact(&mut last)?;
    Ok(last[0] == b'\n')
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs::OpenOptions;

    pub(super) fn record(action: &str, target: &str) -> AuditRecord {
        AuditRecord {
            at: Timestamp::UNIX_EPOCH,
            operator: "alice".into(),
            action: action.into(),
            target: target.into(),
            revision: "abc".into(),
            reason: String::new(),
            result: "Succeeded".into(),
        }
    }

    fn tear(log: &AuditLog, bytes: &[u8]) {
        let mut file = OpenOptions::new()
            .append(true)
            .open(log.path())
            .expect("open");
        file.write_all(bytes).expect("torn");
    }

    #[test]
    fn records_append_in_order_and_survive_a_reopen() {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = AuditLog::open(dir.path()).expect("open");
        log.append(&record("sync", "web")).expect("append");
        log.append(&record("pause", "cluster prod"))
            .expect("append");
        let again = AuditLog::open(dir.path()).expect("reopen");
        let actions: Vec<String> = again
            .read()
            .expect("read")
            .into_iter()
            .map(|r| r.action)
            .collect();
        assert_eq!(actions, ["sync", "pause"]);
    }

    #[test]
    fn an_append_after_a_torn_line_starts_a_fresh_line_and_stays_visible() {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = AuditLog::open(dir.path()).expect("open");
        log.append(&record("sync", "web")).expect("append");
        tear(&log, b"{\"at\":\"19");
        log.append(&record("sync", "api")).expect("append");
        log.append(&record("pause", "app api")).expect("append");
        let reading = log.read_checked().expect("read");
        let targets: Vec<&str> = reading.records.iter().map(|r| r.target.as_str()).collect();
        assert_eq!(targets, ["web", "api", "app api"]);
        let lines: Vec<usize> = reading.damaged.iter().map(|d| d.line).collect();
        assert_eq!(lines, [2]);
    }

    #[test]
    fn a_broken_middle_line_is_skipped_and_named_not_fatal() {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = AuditLog::open(dir.path()).expect("open");
        log.append(&record("sync", "web")).expect("append");
        tear(&log, b"garbage\n\xff\xfe\n{\"at\": 1}\n");
        log.append(&record("sync", "api")).expect("append");
        let reading = log.read_checked().expect("read");
        assert_eq!(reading.records.len(), 2);
        let lines: Vec<usize> = reading.damaged.iter().map(|d| d.line).collect();
        assert_eq!(lines, [2, 3, 4]);
        assert_eq!(log.read().expect("read").len(), 2);
    }

    #[test]
    fn a_torn_last_line_alone_is_reported_too() {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = AuditLog::open(dir.path()).expect("open");
        log.append(&record("sync", "web")).expect("append");
        tear(&log, b"{\"at\":\"19");
        let reading = log.read_checked().expect("read");
        assert_eq!(reading.records.len(), 1);
        assert_eq!(reading.damaged.len(), 1);
        assert_eq!(reading.damaged[0].line, 2);
    }

    #[cfg(unix)]
    #[test]
    fn the_log_is_created_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let log = AuditLog::open(dir.path()).expect("open");
        log.append(&record("sync", "web")).expect("append");
        let mode = std::fs::metadata(log.path())
            .expect("stat")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
