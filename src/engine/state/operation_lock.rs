//! Operation locks that hold across the processes of one machine: one
//! file per app, `<state>/locks/<app>.lock`, locked with an OS advisory
//! lock (`flock`) and holding the holder's [`LockClaim`] as JSON.
//!
//! The kernel releases an advisory lock when its holder dies, whatever
//! the way (`kill -9` included), so a file that still holds a claim while
//! nobody holds its lock belongs to an operation that never finished: the
//! next taker reports that claim as stale. A clean release empties the
//! file before unlocking it.
//!
//! Two tasks of one process exclude each other too: each take opens the
//! file anew, and `flock` locks belong to the open file, not the process.
//! Files are never deleted (a deleted lock file lets two holders in, each
//! on its own inode); [`LockLease::still_held`] notices if one was.
//!
//! Taking a lock is a few non-blocking system calls and a write to the page
//! cache, no fsync: callers can take it on an async task and learn at once
//! whether it was refused. The claim matters only while its process lives
//! or after it died, both of which the page cache survives.

use std::fs::{File, OpenOptions};
use std::io::Read;
use std::path::{Path, PathBuf};

use k8s_openapi::jiff::Timestamp;

use super::file_name::encode_app_name;
use crate::engine::sync::{Acquired, AppLocks, LockClaim, LockError, LockLease, held_for};

/// The directory of lock files inside a state directory.
pub const LOCKS_DIR: &str = "locks";

/// The lock files of one state directory.
#[derive(Debug, Clone)]
pub struct FileLocks {
    dir: PathBuf,
}

impl FileLocks {
    /// The locks of the state directory `state_dir` (created on first use).
    pub fn in_state_dir(state_dir: &Path) -> Self {
        FileLocks {
            dir: state_dir.join(LOCKS_DIR),
        }
    }

    pub fn path_of(&self, app: &str) -> PathBuf {
        self.dir.join(format!("{}.lock", encode_app_name(app)))
    }

    /// The claim in `app`'s lock file, held or stale, if any: what a
    /// refusal names and what a stale lock leaves to record.
    pub fn claim_in_file(&self, app: &str) -> Result<Option<LockClaim>, LockError> {
        let path = self.path_of(app);
        match File::open(&path) {
            Ok(mut file) => read_claim(&mut file).map_err(|source| io(app, &path, "read", source)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(io(app, &path, "open", source)),
        }
    }
}

impl AppLocks for FileLocks {
    fn try_lock(&self, claim: &LockClaim) -> Result<Acquired, LockError> {
        let app = claim.app.as_str();
        std::fs::create_dir_all(&self.dir)
            .map_err(|source| io(app, &self.dir, "create", source))?;
        let path = self.path_of(app);
        let mut file = open_private(&path).map_err(|source| io(app, &path, "open", source))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                // A holder between taking the lock and writing its claim
                // shows as unknown rather than failing the refusal.
                let holder = read_claim(&mut file).ok().flatten().map(Box::new);
                return Err(LockError::Held {
                    app: app.to_string(),
                    held_for: holder
                        .as_ref()
                        .and_then(|holder| held_for(holder.since, Timestamp::now())),
                    holder,
                });
            }
            Err(std::fs::TryLockError::Error(source)) => {
                return Err(io(app, &path, "lock", source));
            }
        }
        // Locked: whatever claim is still in the file is a dead holder's.
        let stale = read_claim(&mut file).ok().flatten();
        write_claim(&file, claim).map_err(|source| io(app, &path, "write", source))?;
        Ok(Acquired {
            lease: Box::new(FileLease { file, path }),
            stale,
        })
    }
}

/// A held lock file; emptied and unlocked on drop.
#[derive(Debug)]
struct FileLease {
    file: File,
    path: PathBuf,
}

impl LockLease for FileLease {
    /// Still ours while the path names the file we locked: a lock file
    /// removed or replaced under us may be locked by someone else now.
    fn still_held(&self) -> bool {
        match (std::fs::metadata(&self.path), self.file.metadata()) {
            (Ok(on_disk), Ok(ours)) => same_file(&on_disk, &ours),
            _ => false,
        }
    }
}

impl Drop for FileLease {
    fn drop(&mut self) {
        // Emptied first, so the lock is never free with a claim in it
        // unless the holder died. Failures leave a claim behind, which the
        // next taker reports as interrupted: noisy, never silent.
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
    }
}

#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_: &std::fs::Metadata, _: &std::fs::Metadata) -> bool {
    true
}

fn open_private(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// The first JSON value in the file; a shorter claim written over a
/// longer one is followed by the old tail until the file is cut, so the
/// rest is ignored. Empty or unreadable: no claim.
fn read_claim(file: &mut File) -> std::io::Result<Option<LockClaim>> {
    use std::io::Seek;
    file.seek(std::io::SeekFrom::Start(0))?;
    let mut bytes = Vec::new();
    file.take(64 * 1024).read_to_end(&mut bytes)?;
    let mut values = serde_json::Deserializer::from_slice(&bytes).into_iter::<LockClaim>();
    Ok(values.next().and_then(Result::ok))
}

/// One positioned write of the whole claim, then the file is cut to it:
/// a reader sees the old claim or the new one, never half of one.
fn write_claim(file: &File, claim: &LockClaim) -> std::io::Result<()> {
    let mut bytes = serde_json::to_vec(claim).map_err(std::io::Error::other)?;
    bytes.push(b'\n');
    write_at_start(file, &bytes)?;
    file.set_len(bytes.len() as u64)
}

#[cfg(unix)]
fn write_at_start(file: &File, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::FileExt;
    file.write_all_at(bytes, 0)
}

#[cfg(not(unix))]
fn write_at_start(mut file: &File, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::{Seek, Write};
    file.seek(std::io::SeekFrom::Start(0))?;
    file.write_all(bytes)
}

fn io(app: &str, path: &Path, action: &'static str, source: std::io::Error) -> LockError {
    LockError::Io {
        app: app.to_string(),
        path: path.to_path_buf(),
        action,
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    /// Set in the helper process that holds a lock until it is killed.
    const HELPER_DIR: &str = "FLEETDECK_LOCK_HELPER_DIR";

    fn claim(app: &str, operator: &str) -> LockClaim {
        LockClaim {
            app: app.into(),
            operator: operator.into(),
            action: "sync".into(),
            revision: "abc123".into(),
            reason: "release 7".into(),
            dry_run: false,
            host: "build-7".into(),
            pid: std::process::id(),
            process_started_at: None,
            since: Timestamp::now(),
        }
    }

    #[test]
    fn a_held_lock_refuses_a_second_taker_naming_the_holder() {
        let dir = tempfile::tempdir().expect("tempdir");
        let locks = FileLocks::in_state_dir(dir.path());
        let first = locks.try_lock(&claim("web", "alice")).expect("first");
        assert!(first.stale.is_none());
        assert!(first.lease.still_held());
        // Another FileLocks on the same directory stands in for another
        // process; the same one for another task of this process.
        for other in [locks.clone(), FileLocks::in_state_dir(dir.path())] {
            match other.try_lock(&claim("web", "bob")) {
                Err(LockError::Held {
                    holder: Some(holder),
                    ..
                }) => assert_eq!(holder.operator, "alice"),
                other => panic!("expected a refusal naming alice, got {other:?}"),
            }
        }
        assert!(
            locks.try_lock(&claim("api", "bob")).is_ok(),
            "apps are apart"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(locks.path_of("web"))
                .expect("lock file")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_dropped_lease_releases_the_lock_and_leaves_no_claim() {
        let dir = tempfile::tempdir().expect("tempdir");
        let locks = FileLocks::in_state_dir(dir.path());
        let first = locks.try_lock(&claim("web", "alice")).expect("first");
        assert_eq!(
            locks
                .claim_in_file("web")
                .expect("read")
                .map(|c| c.operator),
            Some("alice".to_string())
        );
        drop(first);
        assert_eq!(locks.claim_in_file("web").expect("read"), None);
        let second = locks.try_lock(&claim("web", "bob")).expect("free again");
        assert!(second.stale.is_none(), "a clean release is not stale");
    }

    #[test]
    fn a_removed_lock_file_is_no_longer_held() {
        let dir = tempfile::tempdir().expect("tempdir");
        let locks = FileLocks::in_state_dir(dir.path());
        let held = locks.try_lock(&claim("web", "alice")).expect("lock");
        std::fs::remove_file(locks.path_of("web")).expect("remove");
        assert!(!held.lease.still_held());
    }

    #[test]
    fn a_claim_written_over_a_longer_one_reads_whole() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("x.lock");
        let file = open_private(&path).expect("open");
        let mut long = claim("web", "someone-with-a-long-name");
        long.reason = "x".repeat(200);
        write_claim(&file, &long).expect("long");
        // The moment between the write and the cut: the old tail follows.
        let short = claim("web", "al");
        let mut bytes = serde_json::to_vec(&short).expect("json");
        bytes.push(b'\n');
        write_at_start(&file, &bytes).expect("short");
        let mut reader = File::open(&path).expect("open");
        assert_eq!(read_claim(&mut reader).expect("read"), Some(short));
    }

    /// Not a test of its own: the helper process of the next test, which
    /// takes a lock, says so on stdout and waits to be killed.
    #[test]
    #[ignore = "helper process for a_killed_holder_leaves_a_stale_claim"]
    fn lock_holder_helper() {
        // Set only by the parent test; run alone, the helper does nothing.
        use std::env;
        let Some(dir) = env::var_os(HELPER_DIR) else {
            return;
        };
        let locks = FileLocks::in_state_dir(Path::new(&dir));
        let _held = locks
            .try_lock(&claim("web", "helper"))
            .expect("helper lock");
        println!("locked by pid {}", std::process::id());
        // Blocks until the parent kills this process.
        let mut line = String::new();
        let _ = std::io::stdin().read_line(&mut line);
        std::process::abort();
    }

    #[test]
    fn a_killed_holder_leaves_a_stale_claim_and_a_free_lock() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut child = Command::new(std::env::current_exe().expect("test binary"))
            .args([
                "--exact",
                "engine::state::operation_lock::tests::lock_holder_helper",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(HELPER_DIR, dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn helper");
        let stdout = child.stdout.take().expect("stdout");
        let locked = BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .any(|line| line.contains("locked by pid"));
        assert!(locked, "the helper took the lock");

        let locks = FileLocks::in_state_dir(dir.path());
        match locks.try_lock(&claim("web", "alice")) {
            Err(LockError::Held {
                holder: Some(holder),
                ..
            }) => {
                assert_eq!(holder.operator, "helper");
                assert_eq!(holder.pid, child.id());
            }
            other => panic!("the helper holds the lock, got {other:?}"),
        }

        // SIGKILL: no destructor runs, the claim stays in the file.
        child.kill().expect("kill -9");
        child.wait().expect("reap");

        let taken = locks.try_lock(&claim("web", "alice")).expect("stale lock");
        let stale = taken.stale.expect("the dead holder's claim");
        assert_eq!(stale.operator, "helper");
        assert_eq!(stale.revision, "abc123");
        assert_eq!(stale.reason, "release 7");
        assert_eq!(
            locks
                .claim_in_file("web")
                .expect("read")
                .map(|c| c.operator),
            Some("alice".to_string()),
            "the new holder's claim replaced it"
        );
    }
}
