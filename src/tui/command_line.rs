//! The `:` command line: what it understands, Tab completion and the
//! history Up/Down walks. Parsing is pure; `update` carries commands out.

use super::app_list::GroupBy;

/// The commands, with the argument they take (for completion and help).
pub const COMMANDS: &[(&str, &str)] = &[
    ("apps", "the application list"),
    ("clusters", "the cluster list"),
    ("appsets", "the ApplicationSets"),
    ("audit", "the audit log"),
    (
        "ctx",
        "<cluster>: show only that cluster's apps (no name: all)",
    ),
    (
        "pause",
        "<duration> <reason>: pause the marked apps or the app under the cursor",
    ),
    (
        "freeze",
        "<duration> <reason>: pause everything the filter shows (asks first)",
    ),
    (
        "resume",
        "[pause id]: resume the app's own pauses, or one pause by id",
    ),
    ("sync", "sync the marked apps or the app under the cursor"),
    ("dry-run", "preview a sync of the app under the cursor"),
    (
        "refresh",
        "compare the app (or all apps) with Git and the clusters again",
    ),
    (
        "hard-refresh",
        "refresh trusting no cache: render again, re-list live objects (also :refresh!)",
    ),
    ("theme", "<name>: switch the colour theme"),
    (
        "group",
        "cluster|project|none: keep each cluster's (project's) apps together",
    ),
    ("help", "the keys of this view"),
    ("q", "quit"),
    ("quit", "quit"),
];

/// A command line as understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandLine {
    Apps,
    Clusters,
    AppSets,
    Audit,
    Context(Option<String>),
    Pause {
        duration: String,
        reason: String,
    },
    Freeze {
        duration: String,
        reason: String,
    },
    Resume(Option<String>),
    Sync,
    DryRun,
    /// `hard`: render again and re-list the live objects.
    Refresh {
        hard: bool,
    },
    Theme(String),
    Group(Option<GroupBy>),
    Help,
    Quit,
}

/// Why a line is not a command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    #[error("unknown command `{0}` (Tab completes, :help lists keys)")]
    Unknown(String),
    #[error("`{command}` needs {what}")]
    Missing {
        command: &'static str,
        what: &'static str,
    },
}

pub fn parse(line: &str) -> Result<Option<CommandLine>, CommandError> {
    let line = line.trim().trim_start_matches(':');
    let mut words = line.split_whitespace();
    let Some(command) = words.next() else {
        return Ok(None);
    };
    let rest: Vec<&str> = words.collect();
    let time_box = |command: &'static str| -> Result<(String, String), CommandError> {
        match rest.split_first() {
            Some((duration, reason)) if !reason.is_empty() => {
                Ok((duration.to_string(), reason.join(" ")))
            }
            _ => Err(CommandError::Missing {
                command,
                what: "a duration and a reason, as in `30m db migration`",
            }),
        }
    };
    let parsed = match command {
        "apps" | "applications" | "app" => CommandLine::Apps,
        "clusters" | "cluster" | "ctx-list" => CommandLine::Clusters,
        "appsets" | "appset" => CommandLine::AppSets,
        "audit" => CommandLine::Audit,
        "ctx" | "context" => CommandLine::Context(rest.first().map(|name| name.to_string())),
        "pause" => {
            let (duration, reason) = time_box("pause")?;
            CommandLine::Pause { duration, reason }
        }
        "freeze" => {
            let (duration, reason) = time_box("freeze")?;
            CommandLine::Freeze { duration, reason }
        }
        "resume" => CommandLine::Resume(rest.first().map(|id| id.to_string())),
        "sync" => CommandLine::Sync,
        "dry-run" | "dryrun" => CommandLine::DryRun,
        "refresh" => CommandLine::Refresh { hard: false },
        "refresh!" | "hard-refresh" => CommandLine::Refresh { hard: true },
        "theme" => match rest.first() {
            Some(name) => CommandLine::Theme(name.to_string()),
            None => {
                return Err(CommandError::Missing {
                    command: "theme",
                    what: "a theme name",
                });
            }
        },
        "group" => match rest.first().copied() {
            Some("cluster") => CommandLine::Group(Some(GroupBy::Cluster)),
            Some("project") => CommandLine::Group(Some(GroupBy::Project)),
            Some("none") | None => CommandLine::Group(None),
            Some(_) => {
                return Err(CommandError::Missing {
                    command: "group",
                    what: "cluster, project or none",
                });
            }
        },
        "help" | "?" => CommandLine::Help,
        "q" | "quit" | "q!" => CommandLine::Quit,
        other => return Err(CommandError::Unknown(other.to_string())),
    };
    Ok(Some(parsed))
}

/// Completes the last word of `line`: a command name for the first word,
/// a cluster for `ctx`, a theme for `theme`. Returns the new line (the
/// longest common prefix of the candidates, plus a space when only one
/// fits) and the candidates, for the status line.
pub fn complete(line: &str, clusters: &[&str], themes: &[&str]) -> (String, Vec<String>) {
    let ends_with_space = line.ends_with(' ');
    let words: Vec<&str> = line.split_whitespace().collect();
    let (done, partial): (&[&str], &str) = match (words.split_last(), ends_with_space) {
        (None, _) => (&[], ""),
        (Some(_), true) => (&words[..], ""),
        (Some((last, before)), false) => (before, last),
    };
    let candidates: Vec<String> = match done {
        [] => COMMANDS
            .iter()
            .map(|(name, _)| *name)
            .filter(|name| name.starts_with(partial))
            .map(str::to_string)
            .collect(),
        ["ctx" | "context"] => prefixed(clusters, partial),
        ["theme"] => prefixed(themes, partial),
        ["group"] => prefixed(&["cluster", "project", "none"], partial),
        _ => Vec::new(),
    };
    if candidates.is_empty() {
        return (line.to_string(), candidates);
    }
    let common = common_prefix(&candidates);
    let mut completed: String = done.iter().map(|word| format!("{word} ")).collect();
    completed.push_str(&common);
    if candidates.len() == 1 {
        completed.push(' ');
    }
    (completed, candidates)
}

fn prefixed(names: &[&str], partial: &str) -> Vec<String> {
    names
        .iter()
        .filter(|name| name.starts_with(partial))
        .map(|name| name.to_string())
        .collect()
}

fn common_prefix(words: &[String]) -> String {
    let Some(first) = words.first() else {
        return String::new();
    };
    let mut length = first.len();
    for word in &words[1..] {
        length = first
            .char_indices()
            .zip(word.chars())
            .take_while(|((_, a), b)| a == b)
            .last()
            .map_or(0, |((index, a), _)| index + a.len_utf8())
            .min(length);
    }
    first[..length].to_string()
}

/// Lines run before, newest last, and where Up/Down stands.
#[derive(Debug, Clone, Default)]
pub struct CommandHistory {
    lines: Vec<String>,
}

impl CommandHistory {
    pub fn push(&mut self, line: &str) {
        let line = line.trim();
        if line.is_empty() || self.lines.last().is_some_and(|last| last == line) {
            return;
        }
        self.lines.push(line.to_string());
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// The line `back` steps before the newest (1 = the newest).
    pub fn get(&self, back: usize) -> Option<&str> {
        self.lines
            .len()
            .checked_sub(back)
            .and_then(|index| self.lines.get(index))
            .map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_commands_and_refuses_the_unknown() {
        assert_eq!(parse(":apps"), Ok(Some(CommandLine::Apps)));
        assert_eq!(parse("  "), Ok(None));
        assert_eq!(
            parse("ctx prod-eu"),
            Ok(Some(CommandLine::Context(Some("prod-eu".into()))))
        );
        assert_eq!(
            parse("pause 30m db migration now"),
            Ok(Some(CommandLine::Pause {
                duration: "30m".into(),
                reason: "db migration now".into()
            }))
        );
        assert!(matches!(
            parse("pause 30m"),
            Err(CommandError::Missing {
                command: "pause",
                ..
            })
        ));
        assert_eq!(
            parse("frobnicate"),
            Err(CommandError::Unknown("frobnicate".into()))
        );
        assert_eq!(parse("q"), Ok(Some(CommandLine::Quit)));
        assert_eq!(
            parse("refresh"),
            Ok(Some(CommandLine::Refresh { hard: false }))
        );
        for hard in [":refresh!", "hard-refresh"] {
            assert_eq!(
                parse(hard),
                Ok(Some(CommandLine::Refresh { hard: true })),
                "{hard}"
            );
        }
    }

    #[test]
    fn completes_commands_clusters_and_themes() {
        let clusters = ["prod-eu", "prod-us", "staging"];
        let themes = ["default", "light", "mono"];
        let complete = |line| complete(line, &clusters, &themes);
        assert_eq!(complete("cl").0, "clusters ");
        assert_eq!(
            complete("a"),
            (
                "a".to_string(),
                vec!["apps".to_string(), "appsets".into(), "audit".into()]
            )
        );
        assert_eq!(complete("app").0, "apps");
        assert_eq!(complete("ctx p").0, "ctx prod-");
        assert_eq!(complete("ctx s").0, "ctx staging ");
        assert_eq!(complete("ctx ").1.len(), 3);
        assert_eq!(complete("theme m").0, "theme mono ");
        assert_eq!(complete("zzz").0, "zzz");
        assert!(complete("zzz").1.is_empty());
    }

    #[test]
    fn history_walks_back_from_the_newest() {
        let mut history = CommandHistory::default();
        history.push("apps");
        history.push("ctx hub");
        history.push("ctx hub");
        assert_eq!(history.len(), 2);
        assert_eq!(history.get(1), Some("ctx hub"));
        assert_eq!(history.get(2), Some("apps"));
        assert_eq!(history.get(3), None);
    }
}
