//! The one rule for theme and keymap files: a shipped file (embedded in the
//! binary) by name, with an optional user file applied on top as a patch.
//!
//! Loading never fails: an unknown name falls back to `default` (the user
//! file still applies), a user file that cannot be read or parsed is skipped
//! as a whole (never half-applied), and every problem is returned so the UI
//! can show it loudly while running on the defaults.

use std::path::{Path, PathBuf};

/// A configuration that is a shipped file plus user patches.
pub(crate) trait Layered: Sized {
    type Error;

    /// The shipped files: (name, TOML text).
    const SHIPPED: &'static [(&'static str, &'static str)];
    /// The folder the shipped files live in, for error messages.
    const FOLDER: &'static str;

    /// The starting point that every file patches.
    fn blank() -> Self;
    fn set_name(&mut self, name: &str);
    fn patched(&self, text: &str, file: &Path) -> Result<Self, Self::Error>;
    fn unknown(name: &str) -> Self::Error;
    fn unreadable(file: &Path, source: std::io::Error) -> Self::Error;
}

/// The shipped configuration `name`.
pub(crate) fn shipped<T: Layered>(name: &str) -> Result<T, T::Error> {
    let (name, text) = T::SHIPPED
        .iter()
        .find(|(known, _)| *known == name)
        .ok_or_else(|| T::unknown(name))?;
    let file = PathBuf::from(format!("{}/{name}.toml", T::FOLDER));
    let mut value = T::blank().patched(text, &file)?;
    value.set_name(name);
    Ok(value)
}

/// The shipped configuration `name` with `user_file` on top; always usable.
pub(crate) fn load<T: Layered>(name: &str, user_file: Option<&Path>) -> (T, Vec<T::Error>) {
    let mut errors = Vec::new();
    let base = shipped::<T>(name).unwrap_or_else(|error| {
        errors.push(error);
        shipped::<T>("default").unwrap_or_else(|error| {
            errors.push(error);
            T::blank()
        })
    });
    let Some(file) = user_file else {
        return (base, errors);
    };
    let patched = std::fs::read_to_string(file)
        .map_err(|source| T::unreadable(file, source))
        .and_then(|text| base.patched(&text, file));
    match patched {
        Ok(value) => (value, errors),
        Err(error) => {
            errors.push(error);
            (base, errors)
        }
    }
}
