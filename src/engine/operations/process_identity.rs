//! Who this process is, for lock claims: the machine's name, the pid and
//! when the process started (so a reused pid is not taken for the holder).

use std::sync::OnceLock;

use k8s_openapi::jiff::Timestamp;

/// This process, as a lock claim names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessIdentity {
    pub host: String,
    pub pid: u32,
    pub started_at: Option<Timestamp>,
}

/// Read once: none of it changes while the process runs.
pub fn this_process() -> &'static ProcessIdentity {
    static IDENTITY: OnceLock<ProcessIdentity> = OnceLock::new();
    IDENTITY.get_or_init(|| ProcessIdentity {
        host: host_name(),
        pid: std::process::id(),
        started_at: process_started_at(),
    })
}

fn host_name() -> String {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .filter_map(|path| std::fs::read_to_string(path).ok())
        .map(|text| text.trim().to_string())
        .find(|name| !name.is_empty())
        .unwrap_or_else(|| "localhost".to_string())
}

/// Linux: the boot time plus the process's start in clock ticks (field 22
/// of `/proc/self/stat`, at the kernel's fixed 100 ticks per second as
/// seen by user space). Elsewhere unknown.
fn process_started_at() -> Option<Timestamp> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) may hold spaces; fields resume after ')'.
    let after_name = stat.rsplit_once(')')?.1;
    let ticks: i64 = after_name.split_whitespace().nth(19)?.parse().ok()?;
    let boot: i64 = std::fs::read_to_string("/proc/stat")
        .ok()?
        .lines()
        .find_map(|line| line.strip_prefix("btime "))?
        .trim()
        .parse()
        .ok()?;
    Timestamp::from_second(boot.checked_add(ticks / 100)?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_named_with_its_pid_and_a_plausible_start() {
        let identity = this_process();
        assert_eq!(identity.pid, std::process::id());
        assert!(!identity.host.is_empty());
        if cfg!(target_os = "linux") {
            let started = identity.started_at.expect("linux knows");
            let now = Timestamp::now();
            assert!(started <= now, "{started} after {now}");
            assert!(
                now.duration_since(started).as_secs() < 24 * 3600,
                "a test process started today: {started}"
            );
        }
    }
}
