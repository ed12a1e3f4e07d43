//! Application names to file names.
//!
//! Argo CD application names are DNS-1123 subdomains (`[a-z0-9.-]`, at most
//! 253 characters), but the store does not trust that: names come from Git.
//! The encoding keeps `[a-z0-9-]` and inner dots as they are, so files are
//! easy to find by hand, and writes every other byte as `%XX` — including
//! upper case (case-insensitive file systems would merge `Web` and `web`), a
//! leading dot (hidden files, `.` and `..`) and `/`. Names whose encoding
//! is too long for a file name (255 bytes on common file systems) keep a
//! prefix and end in `~` plus a hash of the whole name; `~` is always
//! escaped otherwise, so a hashed name never equals an unhashed one.
//!
//! The file also records the app's name, and the store checks it on load,
//! so even a hash collision could not mix two apps' state.

use std::fmt::Write as _;

/// The extension of state files.
pub const STATE_EXTENSION: &str = "json";

/// Longest encoded stem kept whole; longer ones are shortened and hashed.
/// Leaves room for `.json.lock` and the temp-file decoration.
const MAX_STEM: usize = 200;

/// The file stem (no extension) for `app`'s state. `app` must not be empty.
pub fn encode_app_name(app: &str) -> String {
    let mut stem = String::with_capacity(app.len());
    for (index, byte) in app.bytes().enumerate() {
        let plain = byte.is_ascii_lowercase()
            || byte.is_ascii_digit()
            || byte == b'-'
            || (byte == b'.' && index > 0);
        if plain {
            stem.push(char::from(byte));
        } else {
            // Writing to a String cannot fail.
            let _ = write!(stem, "%{byte:02X}");
        }
    }
    if stem.len() <= MAX_STEM {
        return stem;
    }
    let hash = blake3::hash(app.as_bytes()).to_hex();
    // Cut on a char boundary that does not split a `%XX` escape.
    let mut cut = MAX_STEM - 1 - 32;
    while stem.as_bytes()[cut - 1] == b'%' || stem.as_bytes()[cut.saturating_sub(2)] == b'%' {
        cut -= 1;
    }
    format!("{}~{}", &stem[..cut], &hash.as_str()[..32])
}

/// The file name (with extension) for `app`'s state.
pub fn state_file_name(app: &str) -> String {
    format!("{}.{STATE_EXTENSION}", encode_app_name(app))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_names_stay_readable() {
        assert_eq!(state_file_name("guestbook"), "guestbook.json");
        assert_eq!(
            state_file_name("team-a.web-prod-eu1"),
            "team-a.web-prod-eu1.json"
        );
    }

    #[test]
    fn everything_else_is_escaped() {
        assert_eq!(encode_app_name("Web"), "%57eb");
        assert_eq!(encode_app_name(".."), "%2E.");
        assert_eq!(encode_app_name("../etc/passwd"), "%2E.%2Fetc%2Fpasswd");
        assert_eq!(encode_app_name("a b~c"), "a%20b%7Ec");
        assert_eq!(encode_app_name("é"), "%C3%A9");
        assert_ne!(encode_app_name("web"), encode_app_name("Web"));
        assert_ne!(encode_app_name("a%2Fb"), encode_app_name("a/b"));
    }

    #[test]
    fn long_names_are_shortened_with_a_hash() {
        let long = "a".repeat(253);
        let other = format!("{}b", "a".repeat(252));
        let stem = encode_app_name(&long);
        assert!(stem.len() <= MAX_STEM, "{}", stem.len());
        assert!(stem.contains('~'));
        assert_ne!(stem, encode_app_name(&other));
        // Escapes are never cut in half.
        let escaped = encode_app_name(&"/".repeat(100));
        let (prefix, _) = escaped.split_once('~').unwrap();
        assert!(
            prefix.len() % 3 == 0 && prefix.len() <= MAX_STEM,
            "{prefix}"
        );
        assert_eq!(encode_app_name(&"a".repeat(MAX_STEM)), "a".repeat(MAX_STEM));
    }
}
