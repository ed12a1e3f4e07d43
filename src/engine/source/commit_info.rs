//! [`CommitInfo`]: what a user wants to see about a commit in a history list.

use serde::{Deserialize, Serialize};

use super::CommitId;

/// A commit's id, subject line, author and author time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommitInfo {
    pub id: CommitId,
    /// The first line of the message.
    pub subject: String,
    pub author_name: String,
    pub author_email: String,
    /// Author time, unix seconds.
    pub time: i64,
    /// The author's UTC offset in minutes (for showing local time).
    pub offset_minutes: i32,
}

impl CommitInfo {
    pub(crate) fn from_commit(commit: &git2::Commit<'_>) -> Self {
        let author = commit.author();
        let when = author.when();
        let subject = String::from_utf8_lossy(commit.message_bytes())
            .lines()
            .next()
            .unwrap_or_default()
            .trim_end()
            .to_owned();
        Self {
            id: CommitId::from_oid(commit.id()),
            subject,
            author_name: String::from_utf8_lossy(author.name_bytes()).into_owned(),
            author_email: String::from_utf8_lossy(author.email_bytes()).into_owned(),
            time: when.seconds(),
            offset_minutes: when.offset_minutes(),
        }
    }
}
