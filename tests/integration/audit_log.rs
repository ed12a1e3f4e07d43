//! The audit log against a crash mid-append, through the real binary: a
//! torn line costs that record only; the operations after it are shown and
//! the damaged line is named; `--repair` sets it aside.

use std::io::Write;

use super::cli::{Home, stderr, stdout};

fn audit_file(home: &Home) -> std::path::PathBuf {
    home.path().join("data/fleetdeck/state/audit.jsonl")
}

fn pause(home: &Home, app: &str, reason: &str) {
    let output = home.run(&["pause", app, "--for", "1h", "--reason", reason]);
    assert!(output.status.success(), "{}", stderr(&output));
}

#[test]
fn a_torn_audit_line_followed_by_two_operations_shows_both_and_names_the_line() {
    let home = Home::new();
    pause(&home, "web", "before the crash");
    // A crash mid-append: half a record, no newline.
    std::fs::OpenOptions::new()
        .append(true)
        .open(audit_file(&home))
        .expect("audit log exists")
        .write_all(br#"{"at":"2026-12-08T01:00:00Z","operator":"ali"#)
        .expect("tear");
    pause(&home, "api", "first after the crash");
    pause(&home, "db", "second after the crash");

    let output = home.run(&["audit"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    for reason in [
        "before the crash",
        "first after the crash",
        "second after the crash",
    ] {
        assert!(text.contains(reason), "{reason:?} missing from\n{text}");
    }
    let warning = stderr(&output);
    assert!(warning.contains("line 2 is damaged"), "{warning}");
    assert!(warning.contains("--repair"), "{warning}");

    let repair = home.run(&["audit", "--repair"]);
    assert!(repair.status.success(), "{}", stderr(&repair));
    assert!(
        stdout(&repair).contains("kept 3 records"),
        "{}",
        stdout(&repair)
    );
    let side = std::fs::read_to_string(audit_file(&home).with_file_name("audit.jsonl.damaged"))
        .expect("damaged lines kept aside");
    assert!(side.contains(r#""operator":"ali"#), "{side}");

    let again = home.run(&["audit"]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(stderr(&again).is_empty(), "{}", stderr(&again));
    assert_eq!(stdout(&again).lines().count(), 3, "{}", stdout(&again));
}

#[cfg(unix)]
#[test]
fn the_audit_and_process_logs_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let home = Home::new();
    pause(&home, "web", "why");
    for path in [
        audit_file(&home),
        home.path().join("state/fleetdeck/logs/fleetdeck.log"),
    ] {
        let mode = std::fs::metadata(&path)
            .unwrap_or_else(|error| panic!("{}: {error}", path.display()))
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{}", path.display());
    }
}

/// A name from Git holding a newline and ESC stays one line of audit
/// output and cannot colour the terminal.
#[test]
fn audit_output_escapes_control_characters() {
    let home = Home::new();
    pause(
        &home,
        "web",
        "line one\n2026-01-01T00:00:00Z  mallory  sync \u{1b}[31m",
    );
    let output = home.run(&["audit"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(!text.contains('\u{1b}'), "{text:?}");
    assert!(text.contains(r"line one\n2026"), "{text}");
}
