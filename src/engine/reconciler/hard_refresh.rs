//! [`HardRefresh`]: which apps the next Git pass renders again whatever
//! the render cache holds. Hard refreshes asked while a pass runs gather
//! here and are answered together by the next one.

use std::collections::BTreeSet;

/// The apps a pass must render anew (and recompute, even when their
/// render came out the same).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum HardRefresh {
    /// Renders come from the cache as usual.
    #[default]
    None,
    Apps(BTreeSet<String>),
    /// Every app: the render cache is emptied first.
    All,
}

impl HardRefresh {
    /// Adds one app, or every app for `None`.
    pub fn add(&mut self, app: Option<&str>) {
        match (app, &mut *self) {
            (_, HardRefresh::All) => {}
            (None, _) => *self = HardRefresh::All,
            (Some(app), HardRefresh::Apps(apps)) => {
                apps.insert(app.to_string());
            }
            (Some(app), HardRefresh::None) => {
                *self = HardRefresh::Apps(BTreeSet::from([app.to_string()]));
            }
        }
    }

    pub fn covers(&self, app: &str) -> bool {
        match self {
            HardRefresh::None => false,
            HardRefresh::Apps(apps) => apps.contains(app),
            HardRefresh::All => true,
        }
    }

    pub fn is_all(&self) -> bool {
        matches!(self, HardRefresh::All)
    }

    /// The apps named one by one (none for `None` and `All`).
    pub fn apps(&self) -> impl Iterator<Item = &String> {
        match self {
            HardRefresh::Apps(apps) => Some(apps.iter()),
            HardRefresh::None | HardRefresh::All => None,
        }
        .into_iter()
        .flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apps_gather_until_the_whole_fleet_is_asked_for() {
        let mut hard = HardRefresh::default();
        assert!(!hard.covers("web"));
        hard.add(Some("web"));
        hard.add(Some("api"));
        assert!(hard.covers("web") && hard.covers("api") && !hard.covers("db"));
        assert_eq!(hard.apps().collect::<Vec<_>>(), ["api", "web"]);
        hard.add(None);
        assert!(hard.is_all() && hard.covers("db"));
        hard.add(Some("web"));
        assert!(hard.is_all(), "one app does not narrow the whole fleet");
        assert_eq!(hard.apps().count(), 0);
    }
}
