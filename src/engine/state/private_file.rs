//! Files only their owner may read: the audit log and the process log hold
//! operator names, reasons and what changed where, so they are created 0600
//! like the state files (which `tempfile` already creates 0600).

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

/// Opens `path` for appending (and reading), creating it 0600 if it is
/// missing. An existing file keeps its mode: the owner may have chosen it.
pub fn open_private_append(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.create(true).append(true).read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_new_file_is_private_and_an_existing_one_is_appended_to() {
        use std::io::Write;
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.log");
        open_private_append(&path).unwrap().write_all(b"a").unwrap();
        open_private_append(&path).unwrap().write_all(b"b").unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(std::fs::read(&path).unwrap(), b"ab");
    }
}
