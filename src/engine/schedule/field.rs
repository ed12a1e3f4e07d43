//! One cron field (`*/15`, `mon-fri`, `1,15`) parsed into the set of values it
//! allows.

/// One field's allowed values as a bit set (bit n set: value n allowed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Bits(pub(super) u64);

impl Bits {
    pub(super) fn has(self, value: u32) -> bool {
        value < 64 && self.0 & (1 << value) != 0
    }
}

/// A parsed field: its values, and whether it was written as "any" (`*` or
/// `?`, unstepped). Cron's day rule depends on the latter: when either day field
/// is "any", a day must match both; otherwise either.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Field {
    pub(super) bits: Bits,
    pub(super) star: bool,
}

pub(super) struct FieldSpec {
    pub(super) name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
}

pub(super) const MINUTE: FieldSpec = FieldSpec {
    name: "minute",
    min: 0,
    max: 59,
    names: &[],
};
pub(super) const HOUR: FieldSpec = FieldSpec {
    name: "hour",
    min: 0,
    max: 23,
    names: &[],
};
pub(super) const DAY_OF_MONTH: FieldSpec = FieldSpec {
    name: "day-of-month",
    min: 1,
    max: 31,
    names: &[],
};
/// Names start at the field's minimum (`jan` = 1).
pub(super) const MONTH: FieldSpec = FieldSpec {
    name: "month",
    min: 1,
    max: 12,
    names: &[
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ],
};
/// 0 and 7 are both Sunday (`sun` = 0); the caller folds 7 into 0.
pub(super) const DAY_OF_WEEK: FieldSpec = FieldSpec {
    name: "day-of-week",
    min: 0,
    max: 7,
    names: &["sun", "mon", "tue", "wed", "thu", "fri", "sat"],
};

fn is_star(range: &str) -> bool {
    range == "*" || range == "?"
}

fn parse_value(text: &str, spec: &FieldSpec) -> Option<u32> {
    if let Ok(n) = text.parse::<u32>() {
        return (spec.min..=spec.max).contains(&n).then_some(n);
    }
    let lower = text.to_ascii_lowercase();
    let index = spec.names.iter().position(|name| *name == lower)?;
    u32::try_from(index).ok().map(|i| i + spec.min)
}

/// One comma-separated field; `None` when malformed.
pub(super) fn parse_field(text: &str, spec: &FieldSpec) -> Option<Field> {
    let mut bits = 0u64;
    let mut star = false;
    for part in text.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((range, step)) => (range, Some(step.parse::<u32>().ok().filter(|s| *s > 0)?)),
            None => (part, None),
        };
        let (start, end) = if is_star(range) {
            // `*/1` is still "any"; `*/2` is a restriction.
            star |= step.unwrap_or(1) == 1;
            (spec.min, spec.max)
        } else if let Some((low, high)) = range.split_once('-') {
            (parse_value(low, spec)?, parse_value(high, spec)?)
        } else {
            let start = parse_value(range, spec)?;
            // `5/10` means from 5 to the end in steps of 10.
            (start, if step.is_some() { spec.max } else { start })
        };
        if start > end {
            return None;
        }
        let step = step.unwrap_or(1);
        let mut value = start;
        while value <= end {
            bits |= 1 << value;
            value += step;
        }
    }
    (bits != 0).then_some(Field {
        bits: Bits(bits),
        star,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stars_steps_ranges_and_names() {
        let every = parse_field("*", &MINUTE).expect("parse");
        assert!(every.star && every.bits.has(0) && every.bits.has(59));
        let stepped = parse_field("*/20", &MINUTE).expect("parse");
        assert!(!stepped.star);
        assert_eq!(stepped.bits, Bits(1 | 1 << 20 | 1 << 40));
        assert!(parse_field("*/1", &MINUTE).expect("parse").star);
        let names = parse_field("MON-wed,fri", &DAY_OF_WEEK).expect("parse");
        assert_eq!(names.bits, Bits(0b10_1110));
        assert_eq!(parse_field("", &HOUR), None);
        assert_eq!(parse_field("24", &HOUR), None);
        assert_eq!(parse_field("1,", &HOUR), None);
    }
}
