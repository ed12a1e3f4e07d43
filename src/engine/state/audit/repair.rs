//! `fleetdeck audit --repair`: the damaged lines leave the log for a side
//! file, with their line numbers, so the log reads clean and nothing that
//! was written is thrown away. The log is replaced atomically.

use std::io::Write;
use std::path::Path;

use super::scan::{Line, lines, parse};
use super::{AuditError, open_private_append};
use crate::engine::state::atomic_file::write_atomically;

/// Where damaged lines go, next to the log.
pub const DAMAGED_FILE: &str = "audit.jsonl.damaged";

/// What a repair did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RepairReport {
    /// Intact records kept in the log.
    pub kept: usize,
    /// Line numbers (as they were before the repair) moved aside.
    pub moved: Vec<usize>,
}

pub(super) fn repair(path: &Path) -> Result<RepairReport, AuditError> {
    let read_error = |source| AuditError::Read {
        path: path.to_path_buf(),
        source,
    };
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Ok(RepairReport::default());
        }
        Err(source) => return Err(read_error(source)),
    };
    let mut report = RepairReport::default();
    let mut intact = Vec::with_capacity(bytes.len());
    let mut aside = Vec::new();
    for (index, line) in lines(&bytes).enumerate() {
        match parse(line) {
            Line::Blank => {}
            Line::Record(_) => {
                report.kept += 1;
                intact.extend_from_slice(line);
                intact.push(b'\n');
            }
            Line::Damaged(problem) => {
                report.moved.push(index + 1);
                writeln!(aside, "# line {}: {problem}", index + 1)
                    .and_then(|()| aside.write_all(line))
                    .and_then(|()| aside.write_all(b"\n"))
                    .map_err(read_error)?;
            }
        }
    }
    if report.moved.is_empty() {
        return Ok(report);
    }
    let side = path.with_file_name(DAMAGED_FILE);
    let write_error = |source| AuditError::Write {
        path: side.clone(),
        source,
    };
    // The damaged lines are safe on disk before the log loses them.
    let mut side_file = open_private_append(&side).map_err(write_error)?;
    side_file.write_all(&aside).map_err(write_error)?;
    side_file.sync_all().map_err(write_error)?;
    write_atomically(path, &intact).map_err(|source| AuditError::Write {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::super::AuditLog;
    use super::super::tests::record;
    use super::*;

    #[test]
    fn damaged_lines_move_aside_and_intact_records_stay_byte_for_byte() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::open(dir.path()).unwrap();
        log.append(&record("sync", "web")).unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(log.path())
            .unwrap()
            .write_all(b"{\"at\":\"19")
            .unwrap();
        log.append(&record("sync", "api")).unwrap();
        let before = log.read().unwrap();

        let report = log.repair().unwrap();
        assert_eq!(
            report,
            RepairReport {
                kept: 2,
                moved: vec![2]
            }
        );
        let reading = log.read_checked().unwrap();
        assert_eq!(reading.records, before);
        assert!(reading.damaged.is_empty());
        let side = std::fs::read_to_string(dir.path().join(DAMAGED_FILE)).unwrap();
        assert!(side.starts_with("# line 2: "), "{side}");
        assert!(side.ends_with("{\"at\":\"19\n"), "{side}");

        let again = log.repair().unwrap();
        assert_eq!(
            again,
            RepairReport {
                kept: 2,
                moved: vec![]
            }
        );
    }
}
