//! Name normalisation as Argo CD does it for `nameNormalized`,
//! `path.basenameNormalized` and the `normalize` / `slugify` template
//! functions: a cluster or directory name made safe for a Kubernetes name.

/// Argo's `SanitizeName`: lower case, every character outside `a-z`, `0-9`,
/// `-` and `.` becomes `-`, at most 253 bytes, no leading or trailing `-`/`.`.
pub fn normalize_name(name: &str) -> String {
    let mut out: String = name
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if out.len() > 253 {
        let mut cut = 253;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
    }
    out.trim_matches(|c| c == '-' || c == '.').to_string()
}

/// Argo's `slugify`: lower case (by default), runs of characters outside
/// `a-z0-9` collapse into one `-`, trimmed, at most `max_len` bytes; with
/// smart truncation the cut falls on a `-` boundary when one exists.
pub fn slugify(name: &str, max_len: usize, smart_truncate: bool, lowercase: bool) -> String {
    let text = if lowercase {
        name.to_lowercase()
    } else {
        name.to_string()
    };
    let mut out = String::with_capacity(text.len());
    let mut dash = false;
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
            dash = false;
        } else if !dash {
            out.push('-');
            dash = true;
        }
    }
    let mut out = out.trim_matches('-').to_string();
    if max_len > 0 && out.len() > max_len {
        let cut = if smart_truncate {
            out[..=max_len]
                .rfind('-')
                .filter(|&at| at > 0)
                .unwrap_or(max_len)
        } else {
            max_len
        };
        out.truncate(cut);
        out = out.trim_matches('-').to_string();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_like_argo() {
        assert_eq!(normalize_name("My_Cluster.EU"), "my-cluster.eu");
        assert_eq!(normalize_name("-weird name-"), "weird-name");
        assert_eq!(normalize_name(&"a".repeat(300)).len(), 253);
    }

    #[test]
    fn slugifies() {
        assert_eq!(slugify("Hello, World!", 50, true, true), "hello-world");
        assert_eq!(slugify("aaa-bbb-ccc", 9, true, true), "aaa-bbb");
        assert_eq!(slugify("aaa-bbb-ccc", 9, false, true), "aaa-bbb-c");
    }
}
