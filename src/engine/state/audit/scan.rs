//! Reading the audit log line by line, keeping every intact record and
//! naming every line that is not one (torn by a crash, edited by hand, not
//! UTF-8), so one bad line never hides the rest.

use super::AuditRecord;

/// What a read found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuditReading {
    /// Intact records, oldest first.
    pub records: Vec<AuditRecord>,
    /// Lines that are not records, in file order.
    pub damaged: Vec<DamagedLine>,
}

/// A line of the log that is not a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DamagedLine {
    /// 1-based, as an editor counts.
    pub line: usize,
    /// Why it does not read, for the operator.
    pub problem: String,
}

/// Splits `bytes` into lines (a last line without `\n` counts) and reads
/// each. Blank lines are neither records nor damage.
pub(super) fn scan(bytes: &[u8]) -> AuditReading {
    let mut reading = AuditReading::default();
    for (index, line) in lines(bytes).enumerate() {
        match parse(line) {
            Line::Blank => {}
            Line::Record(record) => reading.records.push(*record),
            Line::Damaged(problem) => reading.damaged.push(DamagedLine {
                line: index + 1,
                problem,
            }),
        }
    }
    reading
}

pub(super) enum Line {
    Blank,
    Record(Box<AuditRecord>),
    Damaged(String),
}

pub(super) fn lines(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    body.split(|byte| *byte == b'\n')
        .filter(move |_| !bytes.is_empty())
}

pub(super) fn parse(line: &[u8]) -> Line {
    if line.trim_ascii().is_empty() {
        return Line::Blank;
    }
    match serde_json::from_slice::<AuditRecord>(line) {
        Ok(record) => Line::Record(Box::new(record)),
        Err(error) => Line::Damaged(error.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_count_like_an_editor() {
        let count = |bytes: &[u8]| lines(bytes).count();
        assert_eq!(count(b""), 0);
        assert_eq!(count(b"a"), 1);
        assert_eq!(count(b"a\n"), 1);
        assert_eq!(count(b"a\n\nb"), 3);
    }

    #[test]
    fn blank_lines_are_not_damage() {
        let reading = scan(b"\n  \n");
        assert!(reading.records.is_empty() && reading.damaged.is_empty());
    }
}
