//! Runs an external renderer binary: no shell, a timeout, output captured.
//!
//! Arguments are passed as a vector, never through a shell, so a value such
//! as `a;rm -rf /` in a Helm parameter is only ever a value. stdout and stderr
//! are drained on their own threads so a chatty binary cannot deadlock on a
//! full pipe while we wait for it.

use std::ffi::OsString;
use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::tool_error::ToolError;

/// stderr kept in an error message, so a runaway binary cannot flood the UI.
const MAX_STDERR_CHARS: usize = 4000;

/// How often a running child is polled for exit.
const POLL_INTERVAL: Duration = Duration::from_millis(5);

/// Runs `binary args...` in `dir` and returns its stdout as text.
pub(crate) fn run_tool(
    tool: &'static str,
    binary: &Path,
    args: &[OsString],
    dir: &Path,
    timeout: Duration,
) -> Result<String, ToolError> {
    let command = display_command(binary, args);
    let mut child = Command::new(binary)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| ToolError::Spawn {
            tool,
            binary: binary.to_path_buf(),
            source,
        })?;
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let status = match wait(&mut child, timeout) {
        Ok(Some(status)) => status,
        outcome => {
            // Best effort: the child may have exited between the last poll
            // and the kill; either way it is gone after `wait`.
            let _ = child.kill();
            let _ = child.wait();
            return Err(match outcome {
                Err(source) => ToolError::Spawn {
                    tool,
                    binary: binary.to_path_buf(),
                    source,
                },
                Ok(_) => ToolError::TimedOut { command, timeout },
            });
        }
    };
    let stdout = join(stdout);
    let stderr = join(stderr);
    if !status.success() {
        let status = match status.code() {
            Some(code) => format!("exit status {code}"),
            None => "killed by a signal".to_string(),
        };
        return Err(ToolError::Failed {
            command,
            status,
            stderr: trim_stderr(&stderr),
        });
    }
    String::from_utf8(stdout).map_err(|_| ToolError::NotUtf8 { command })
}

/// The child's exit status, or `None` if it is still running at `timeout`.
fn wait(child: &mut Child, timeout: Duration) -> std::io::Result<Option<std::process::ExitStatus>> {
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait()? {
            Some(status) => return Ok(Some(status)),
            None if Instant::now() < deadline => std::thread::sleep(POLL_INTERVAL),
            None => return Ok(None),
        }
    }
}

fn drain(pipe: Option<impl Read + Send + 'static>) -> Option<JoinHandle<Vec<u8>>> {
    pipe.map(|mut pipe| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            // A read error ends the capture; what was read so far is kept.
            let _ = pipe.read_to_end(&mut bytes);
            bytes
        })
    })
}

fn join(handle: Option<JoinHandle<Vec<u8>>>) -> Vec<u8> {
    handle
        .and_then(|handle| handle.join().ok())
        .unwrap_or_default()
}

fn trim_stderr(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim();
    if text.is_empty() {
        return "no error output".to_string();
    }
    match text.char_indices().nth(MAX_STDERR_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// The command as a user would type it, for messages.
fn display_command(binary: &Path, args: &[OsString]) -> String {
    let name = binary.file_name().map_or_else(
        || binary.display().to_string(),
        |name| name.to_string_lossy().into_owned(),
    );
    let mut text = name;
    for arg in args {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stderr_is_trimmed_and_bounded() {
        assert_eq!(trim_stderr(b"  Error: boom\n\n"), "Error: boom");
        assert_eq!(trim_stderr(b"\n"), "no error output");
        let long = "x".repeat(MAX_STDERR_CHARS + 10);
        assert_eq!(
            trim_stderr(long.as_bytes()).chars().count(),
            MAX_STDERR_CHARS + 1
        );
    }

    #[test]
    fn missing_binary_is_a_spawn_error() {
        let dir = tempfile::tempdir().unwrap();
        let error = run_tool(
            "helm",
            &dir.path().join("no-such-helm"),
            &[],
            dir.path(),
            Duration::from_secs(5),
        )
        .unwrap_err();
        assert!(
            matches!(error, ToolError::Spawn { tool: "helm", .. }),
            "{error}"
        );
    }
}
