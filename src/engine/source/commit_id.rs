//! [`CommitId`]: a Git commit id as a small `Copy` value.
//!
//! Kept separate from `git2::Oid` so the rest of the engine (snapshots, state,
//! render caches keyed by commit) never depends on git2, and so it serialises
//! as the familiar 40-digit hex string.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::SourceError;

/// A full (SHA-1) Git commit id.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CommitId([u8; 20]);

impl CommitId {
    /// The raw 20 bytes.
    pub fn as_bytes(&self) -> &[u8; 20] {
        &self.0
    }

    /// The 7-digit abbreviation people use in messages and UIs.
    pub fn short(&self) -> String {
        short_revision(&self.to_string()).to_string()
    }

    pub(crate) fn from_oid(oid: git2::Oid) -> Self {
        let mut bytes = [0u8; 20];
        // libgit2 here is built for SHA-1 only, so an oid is always 20 bytes.
        let raw = oid.as_bytes();
        let n = raw.len().min(20);
        bytes[..n].copy_from_slice(&raw[..n]);
        Self(bytes)
    }

    pub(crate) fn to_oid(self) -> git2::Oid {
        // `from_bytes` only rejects lengths other than 20, which cannot happen.
        git2::Oid::from_bytes(&self.0).unwrap_or(git2::Oid::ZERO_SHA1)
    }
}

/// The 7-character abbreviation of a full commit SHA held as text (history,
/// audit records, operations); anything else (a branch, a tag, a short
/// SHA) is returned whole.
pub fn short_revision(revision: &str) -> &str {
    let is_sha = revision.len() == 40 && revision.bytes().all(|b| b.is_ascii_hexdigit());
    if is_sha { &revision[..7] } else { revision }
}

impl fmt::Display for CommitId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for CommitId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CommitId({self})")
    }
}

impl FromStr for CommitId {
    type Err = SourceError;

    /// Parses exactly 40 hex digits (either case); abbreviations need a
    /// repository to resolve, see `Repo::resolve`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = || SourceError::InvalidCommitId {
            value: s.to_owned(),
        };
        let digits = s.as_bytes();
        if digits.len() != 40 {
            return Err(invalid());
        }
        let mut bytes = [0u8; 20];
        for (i, pair) in digits.chunks_exact(2).enumerate() {
            let hi = hex_value(pair[0]).ok_or_else(invalid)?;
            let lo = hex_value(pair[1]).ok_or_else(invalid)?;
            bytes[i] = (hi << 4) | lo;
        }
        Ok(Self(bytes))
    }
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

impl Serialize for CommitId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for CommitId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

    #[test]
    fn round_trips_through_text_and_serde() {
        let id: CommitId = SHA.parse().unwrap();
        assert_eq!(id.to_string(), SHA);
        assert_eq!(id.short(), "0123456");
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{SHA}\""));
        let back: CommitId = serde_json::from_str(&json).unwrap();
        assert_eq!(back, id);
        assert_eq!(CommitId::from_oid(id.to_oid()), id);
    }

    #[test]
    fn accepts_upper_case_and_rejects_bad_input() {
        let upper: CommitId = SHA.to_uppercase().parse().unwrap();
        assert_eq!(upper.to_string(), SHA);
        assert!("0123456".parse::<CommitId>().is_err());
        assert!(format!("{}g", &SHA[..39]).parse::<CommitId>().is_err());
        assert!(format!("{SHA}0").parse::<CommitId>().is_err());
    }
}
