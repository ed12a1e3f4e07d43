//! The audit log: one JSON line per operator action and per automated
//! sync, appended and fsynced before the action is reported done, so that
//! "who did what, when and why" survives a crash. Append-only: nothing here
//! rewrites or trims the file.
//!
//! Readers skip a torn last line (a crash mid-append) and report any other
//! unreadable line by number rather than hiding it.

use std::fs::OpenOptions;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use k8s_openapi::jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The file's name inside the state directory.
pub const AUDIT_FILE: &str = "audit.jsonl";

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
    /// Appends from one process never interleave (each is one `write`
    /// of a whole line on an `O_APPEND` file, which also keeps processes
    /// apart for lines of this size).
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
            writing: Mutex::new(()),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends a record and fsyncs it.
    pub fn append(&self, record: &AuditRecord) -> Result<(), AuditError> {
        let write_error = |source| AuditError::Write {
            path: self.path.clone(),
            source,
        };
        let mut line = serde_json::to_vec(record).map_err(|error| write_error(error.into()))?;
        line.push(b'\n');
        let _one_at_a_time = self.writing.lock().unwrap_or_else(|p| p.into_inner());
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(write_error)?;
        file.write_all(&line).map_err(write_error)?;
        file.sync_data().map_err(write_error)
    }

    /// Every record, oldest first.
    pub fn read(&self) -> Result<Vec<AuditRecord>, AuditError> {
        let file = match std::fs::File::open(&self.path) {
            Ok(file) => file,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => {
                return Err(AuditError::Read {
                    path: self.path.clone(),
                    source,
                });
            }
        };
        let lines: Vec<String> = BufReader::new(file)
            .lines()
            .collect::<Result<_, _>>()
            .map_err(|source| AuditError::Read {
                path: self.path.clone(),
                source,
            })?;
        let count = lines.len();
        let mut records = Vec::with_capacity(count);
        for (index, line) in lines.iter().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str(line) {
                Ok(record) => records.push(record),
                // A crash mid-append leaves a torn last line: not an error.
                Err(_) if index + 1 == count => {}
                Err(source) => {
                    return Err(AuditError::Corrupt {
                        path: self.path.clone(),
                        line: index + 1,
                        source,
                    });
                }
            }
        }
        Ok(records)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(action: &str, target: &str) -> AuditRecord {
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
    fn a_torn_last_line_is_skipped_but_a_broken_middle_line_is_an_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = AuditLog::open(dir.path()).expect("open");
        log.append(&record("sync", "web")).expect("append");
        let mut file = OpenOptions::new()
            .append(true)
            .open(log.path())
            .expect("open");
        file.write_all(b"{\"at\":\"19").expect("torn");
        assert_eq!(log.read().expect("read").len(), 1);
        file.write_all(b"\n").expect("newline");
        log.append(&record("sync", "api")).expect("append");
        let error = log.read().expect_err("corrupt middle line");
        assert!(
            matches!(error, AuditError::Corrupt { line: 2, .. }),
            "{error}"
        );
    }
}
