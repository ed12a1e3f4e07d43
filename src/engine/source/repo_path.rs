//! [`RepoPath`]: a normalised path inside a repository (or any source tree).
//!
//! Application specs, kustomizations and symlinks all name paths relative to
//! somewhere in the repository; normalising them lexically in one place means
//! a path can never climb out of the tree and two spellings of one path
//! compare equal (useful as a render-cache key).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::SourceError;

/// A repository-relative path: `/`-separated, no leading `/`, no `.` or `..`
/// components, no empty components. The empty path is the root.
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RepoPath(String);

impl RepoPath {
    /// The repository root (`""`).
    pub fn root() -> Self {
        Self(String::new())
    }

    /// Normalises `path` lexically: `.` and empty components are dropped, `..`
    /// removes the previous component. Leading `/` is accepted and ignored (a
    /// path is always taken from the repository root, as Argo CD does for
    /// `spec.source.path`). A `..` with nothing left to remove is an error.
    pub fn new(path: &str) -> Result<Self, SourceError> {
        Self::root()
            .join(path)
            .map_err(|_| SourceError::PathEscapesRepo {
                path: path.to_owned(),
            })
    }

    /// `self` followed by the relative path `rest`, normalised as in
    /// [`RepoPath::new`]. `..` in `rest` may climb back up through `self`, but
    /// not above the root.
    pub fn join(&self, rest: &str) -> Result<Self, SourceError> {
        let mut parts: Vec<&str> = self.components().collect();
        for part in rest.split('/') {
            match part {
                "" | "." => {}
                ".." => {
                    if parts.pop().is_none() {
                        let joined = if self.is_root() {
                            rest.to_owned()
                        } else {
                            format!("{}/{rest}", self.0)
                        };
                        return Err(SourceError::PathEscapesRepo { path: joined });
                    }
                }
                other => parts.push(other),
            }
        }
        Ok(Self(parts.join("/")))
    }

    /// The containing directory; `None` for the root.
    pub fn parent(&self) -> Option<Self> {
        if self.is_root() {
            return None;
        }
        Some(match self.0.rfind('/') {
            Some(at) => Self(self.0[..at].to_owned()),
            None => Self::root(),
        })
    }

    /// The last component; `None` for the root.
    pub fn file_name(&self) -> Option<&str> {
        if self.is_root() {
            return None;
        }
        Some(match self.0.rfind('/') {
            Some(at) => &self.0[at + 1..],
            None => &self.0,
        })
    }

    /// The normalised text (`""` for the root).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is the repository root.
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// The components from the root down (none for the root).
    pub fn components(&self) -> impl Iterator<Item = &str> {
        self.0.split('/').filter(|part| !part.is_empty())
    }
}

impl fmt::Display for RepoPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for RepoPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RepoPath({:?})", self.0)
    }
}

impl AsRef<str> for RepoPath {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl FromStr for RepoPath {
    type Err = SourceError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl Serialize for RepoPath {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for RepoPath {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::new(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> RepoPath {
        RepoPath::new(text).unwrap()
    }

    #[test]
    fn normalises_lexically() {
        assert_eq!(p("apps/guestbook/../base").as_str(), "apps/base");
        assert_eq!(p("./apps//guestbook/./").as_str(), "apps/guestbook");
        assert_eq!(p("/apps/x").as_str(), "apps/x");
        assert_eq!(p("a/b/../..").as_str(), "");
        assert!(p(".").is_root());
        assert!(p("").is_root());
        assert_eq!(p("a/./b"), p("a/b/c/.."));
    }

    #[test]
    fn rejects_paths_escaping_the_root() {
        for bad in ["..", "../x", "a/../../x", "/.."] {
            let err = RepoPath::new(bad).unwrap_err();
            match &err {
                SourceError::PathEscapesRepo { path } => assert_eq!(path, bad),
                other => panic!("unexpected error for {bad}: {other:?}"),
            }
            assert_eq!(
                err.to_string(),
                format!("path '{bad}' escapes the repository root")
            );
        }
    }

    #[test]
    fn join_climbs_through_the_base_but_not_above_root() {
        let base = p("apps/guestbook");
        assert_eq!(
            base.join("overlays/prod").unwrap().as_str(),
            "apps/guestbook/overlays/prod"
        );
        assert_eq!(base.join("../../base").unwrap().as_str(), "base");
        assert_eq!(base.join("").unwrap(), base);
        let err = base.join("../../../etc").unwrap_err();
        assert!(
            matches!(err, SourceError::PathEscapesRepo { ref path } if path == "apps/guestbook/../../../etc")
        );
    }

    #[test]
    fn parent_and_file_name() {
        let path = p("apps/guestbook/deploy.yaml");
        assert_eq!(path.file_name(), Some("deploy.yaml"));
        assert_eq!(path.parent(), Some(p("apps/guestbook")));
        assert_eq!(p("top").parent(), Some(RepoPath::root()));
        assert_eq!(p("top").file_name(), Some("top"));
        assert_eq!(RepoPath::root().parent(), None);
        assert_eq!(RepoPath::root().file_name(), None);
        assert_eq!(
            path.components().collect::<Vec<_>>(),
            ["apps", "guestbook", "deploy.yaml"]
        );
        assert_eq!(RepoPath::root().components().count(), 0);
    }

    #[test]
    fn displays_and_serialises_as_plain_text() {
        let path = p("a/b");
        assert_eq!(path.to_string(), "a/b");
        assert_eq!(serde_json::to_string(&path).unwrap(), "\"a/b\"");
        let back: RepoPath = serde_json::from_str("\"a/./b/\"").unwrap();
        assert_eq!(back, path);
        assert!(serde_json::from_str::<RepoPath>("\"../x\"").is_err());
    }
}
