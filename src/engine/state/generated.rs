//! `<state dir>/generated.json`: what each ApplicationSet generated, kept
//! across restarts so `applicationsSync` (create-only, create-update...)
//! means the same after a restart as before it.

use std::io;
use std::path::{Path, PathBuf};

use super::atomic_file::write_atomically;
use crate::engine::appset::GeneratedMemory;

pub const GENERATED_FILE: &str = "generated.json";

#[derive(Debug, thiserror::Error)]
pub enum GeneratedError {
    #[error("cannot {action} {path}: {source}")]
    Io {
        path: PathBuf,
        action: &'static str,
        #[source]
        source: io::Error,
    },
    #[error(
        "{path} is corrupt; it was moved to {moved_to} and the ApplicationSets start afresh: {source}"
    )]
    Corrupt {
        path: PathBuf,
        moved_to: PathBuf,
        #[source]
        source: serde_json::Error,
    },
}

/// Reads the memory; none yet is empty. A corrupt file is moved aside (not
/// deleted) and reported, with an empty memory: losing it only means the
/// sets' apps count as newly generated.
pub fn load_generated(state_dir: &Path) -> (GeneratedMemory, Option<GeneratedError>) {
    let path = state_dir.join(GENERATED_FILE);
    let text = match std::fs::read(&path) {
        Ok(text) => text,
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            return (GeneratedMemory::default(), None);
        }
        Err(source) => {
            return (
                GeneratedMemory::default(),
                Some(GeneratedError::Io {
                    path,
                    action: "read",
                    source,
                }),
            );
        }
    };
    match serde_json::from_slice(&text) {
        Ok(memory) => (memory, None),
        Err(source) => {
            let moved_to = state_dir.join(format!("{GENERATED_FILE}.corrupt"));
            let error = match std::fs::rename(&path, &moved_to) {
                Ok(()) => GeneratedError::Corrupt {
                    path,
                    moved_to,
                    source,
                },
                Err(rename) => GeneratedError::Io {
                    path,
                    action: "move aside the corrupt",
                    source: rename,
                },
            };
            (GeneratedMemory::default(), Some(error))
        }
    }
}

pub fn save_generated(state_dir: &Path, memory: &GeneratedMemory) -> Result<(), GeneratedError> {
    let path = state_dir.join(GENERATED_FILE);
    let text = serde_json::to_vec(memory).map_err(|source| GeneratedError::Io {
        path: path.clone(),
        action: "encode",
        source: io::Error::other(source),
    })?;
    std::fs::create_dir_all(state_dir).map_err(|source| GeneratedError::Io {
        path: path.clone(),
        action: "create the directory of",
        source,
    })?;
    write_atomically(&path, &text).map_err(|source| GeneratedError::Io {
        path,
        action: "write",
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_moves_a_corrupt_file_aside() {
        let dir = tempfile::tempdir().unwrap();
        let (empty, problem) = load_generated(dir.path());
        assert_eq!(empty, GeneratedMemory::default());
        assert!(problem.is_none());
        let mut memory = GeneratedMemory::default();
        memory.sets.entry("guestbook".into()).or_default();
        save_generated(dir.path(), &memory).unwrap();
        assert_eq!(load_generated(dir.path()).0, memory);
        std::fs::write(dir.path().join(GENERATED_FILE), "{").unwrap();
        let (fresh, problem) = load_generated(dir.path());
        assert_eq!(fresh, GeneratedMemory::default());
        assert!(matches!(problem, Some(GeneratedError::Corrupt { .. })));
        assert!(dir.path().join("generated.json.corrupt").exists());
    }
}
