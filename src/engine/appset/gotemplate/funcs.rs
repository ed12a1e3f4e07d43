//! Template functions: Go's builtins, the Sprig functions ApplicationSets
//! use, and Argo CD's own (`normalize`, `slugify`).
//!
//! Argument order follows Sprig (the piped value comes last), so
//! `{{ .x | default "a" }}` is `default "a" .x`. String parameters accept
//! only strings, as Go does: `lower` of a missing key is an error that
//! names the function.
//!
//! Every call is a step of the [`Budget`] and every string it returns is
//! claimed from it; the functions whose result can be far larger than
//! their arguments (`repeat`, `printf` widths and precisions, `replace`,
//! `join`, `splitList`, case changes, JSON encoding) claim the size they
//! are about to build *before* building it.

use std::fmt::Write as _;

use serde_json::{Map, Value};

use super::eval::Val;
use super::{GoOptions, GoTemplateError};
use crate::engine::appset::budget::Budget;
use crate::engine::appset::normalize::{normalize_name, slugify};
use crate::engine::appset::params::go_string;

const FUNCTIONS: &[&str] = &[
    "and",
    "or",
    "not",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "index",
    "len",
    "print",
    "printf",
    "println",
    "default",
    "empty",
    "coalesce",
    "ternary",
    "required",
    "fail",
    "lower",
    "upper",
    "title",
    "trim",
    "trimPrefix",
    "trimSuffix",
    "trimAll",
    "replace",
    "trunc",
    "substr",
    "repeat",
    "contains",
    "hasPrefix",
    "hasSuffix",
    "quote",
    "squote",
    "cat",
    "join",
    "splitList",
    "list",
    "dict",
    "toJson",
    "toPrettyJson",
    "toRawJson",
    "toString",
    "atoi",
    "int",
    "int64",
    "float64",
    "normalize",
    "slugify",
    "first",
    "last",
    "hasKey",
    "keys",
    "add",
    "sub",
    "mul",
    "div",
    "mod",
];

pub(super) fn exists(name: &str) -> bool {
    FUNCTIONS.contains(&name)
}

fn problem(function: &str, text: impl Into<String>) -> GoTemplateError {
    GoTemplateError::Call {
        function: function.to_string(),
        problem: text.into(),
    }
}

fn arity(function: &str, args: &[Val], want: usize) -> Result<(), GoTemplateError> {
    if args.len() == want {
        Ok(())
    } else {
        Err(problem(
            function,
            format!("wrong number of args: want {want} got {}", args.len()),
        ))
    }
}

fn string<'a>(function: &str, value: &'a Val) -> Result<&'a str, GoTemplateError> {
    match value {
        Val::Json(Value::String(text)) => Ok(text),
        Val::Missing | Val::Json(Value::Null) => {
            Err(problem(function, "invalid value; expected string"))
        }
        other => Err(problem(
            function,
            format!(
                "wrong type for value; expected string; got {}",
                other.type_name()
            ),
        )),
    }
}

fn integer(function: &str, value: &Val) -> Result<i64, GoTemplateError> {
    match value {
        Val::Json(Value::Number(number)) => number
            .as_i64()
            .or_else(|| number.as_f64().map(|n| n as i64))
            .ok_or_else(|| problem(function, "number out of range")),
        Val::Json(Value::String(text)) => text
            .trim()
            .parse()
            .map_err(|_| problem(function, format!("{text:?} is not an integer"))),
        other => Err(problem(
            function,
            format!("expected an integer; got {}", other.type_name()),
        )),
    }
}

/// Sprig's `toString`: Go's `%v`, with nil as the empty string.
fn text(value: &Val) -> String {
    match value {
        Val::Missing | Val::Json(Value::Null) => String::new(),
        Val::Json(value) => go_string(value),
    }
}

fn json_of(value: &Val) -> Value {
    match value {
        Val::Missing => Value::Null,
        Val::Json(value) => sorted(value),
    }
}

/// Go's encoding/json writes map keys sorted.
fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            Value::Object(
                keys.into_iter()
                    .map(|key| (key.clone(), sorted(&map[key])))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

fn ok_str(text: impl Into<String>) -> Result<Val, GoTemplateError> {
    Ok(Val::Json(Value::String(text.into())))
}

fn ok_bool(flag: bool) -> Result<Val, GoTemplateError> {
    Ok(Val::Json(Value::Bool(flag)))
}

pub(super) fn call(
    name: &str,
    args: Vec<Val>,
    options: GoOptions,
    budget: &mut Budget,
) -> Result<Val, GoTemplateError> {
    budget.step(name)?;
    let result = call_unaccounted(name, args, options, budget)?;
    if let Val::Json(Value::String(text)) = &result {
        budget.reserve(name, Some(text.len()))?;
    }
    Ok(result)
}

/// Upper bound of a text `factor` times as long as `len`.
fn scaled(len: usize, factor: usize) -> Option<usize> {
    len.checked_mul(factor)
}

fn call_unaccounted(
    name: &str,
    args: Vec<Val>,
    _options: GoOptions,
    budget: &mut Budget,
) -> Result<Val, GoTemplateError> {
    let f = name;
    match name {
        "not" => {
            arity(f, &args, 1)?;
            ok_bool(!args[0].truth())
        }
        "eq" => {
            if args.len() < 2 {
                return Err(problem(f, "missing argument for comparison"));
            }
            for other in &args[1..] {
                if compare_eq(f, &args[0], other)? {
                    return ok_bool(true);
                }
            }
            ok_bool(false)
        }
        "ne" => {
            arity(f, &args, 2)?;
            ok_bool(!compare_eq(f, &args[0], &args[1])?)
        }
        "lt" | "le" | "gt" | "ge" => {
            arity(f, &args, 2)?;
            let order = compare_order(f, &args[0], &args[1])?;
            ok_bool(match name {
                "lt" => order.is_lt(),
                "le" => order.is_le(),
                "gt" => order.is_gt(),
                _ => order.is_ge(),
            })
        }
        "index" => index(&args),
        "len" => {
            arity(f, &args, 1)?;
            let length = match &args[0] {
                Val::Json(Value::String(text)) => text.len(),
                Val::Json(Value::Array(items)) => items.len(),
                Val::Json(Value::Object(map)) => map.len(),
                other => return Err(problem(f, format!("len of type {}", other.type_name()))),
            };
            Ok(Val::Json(Value::from(length)))
        }
        "print" => ok_str(go_sprint(&args)),
        "println" => {
            let parts: Vec<String> = args.iter().map(Val::print).collect();
            ok_str(format!("{}\n", parts.join(" ")))
        }
        "printf" => {
            let Some((format, rest)) = args.split_first() else {
                return Err(problem(f, "wrong number of args: want at least 1 got 0"));
            };
            ok_str(printf(string(f, format)?, rest, budget)?)
        }
        "default" => match args.as_slice() {
            [fallback] => Ok(fallback.clone()),
            [fallback, given] => Ok(if given.truth() {
                given.clone()
            } else {
                fallback.clone()
            }),
            _ => Err(problem(
                f,
                format!("wrong number of args: want 1 or 2 got {}", args.len()),
            )),
        },
        "empty" => {
            arity(f, &args, 1)?;
            ok_bool(!args[0].truth())
        }
        "coalesce" => Ok(args
            .iter()
            .find(|value| value.truth())
            .cloned()
            .unwrap_or(Val::Json(Value::Null))),
        "ternary" => {
            arity(f, &args, 3)?;
            Ok(if args[2].truth() {
                args[0].clone()
            } else {
                args[1].clone()
            })
        }
        "required" => {
            arity(f, &args, 2)?;
            let missing = match &args[1] {
                Val::Missing | Val::Json(Value::Null) => true,
                Val::Json(Value::String(text)) => text.is_empty(),
                _ => false,
            };
            if missing {
                return Err(problem(f, text(&args[0])));
            }
            Ok(args[1].clone())
        }
        "fail" => {
            arity(f, &args, 1)?;
            Err(problem(f, text(&args[0])))
        }
        "lower" | "upper" | "title" | "trim" => {
            arity(f, &args, 1)?;
            let value = string(f, &args[0])?;
            // A case change can triple a character's UTF-8 length.
            budget.reserve(f, scaled(value.len(), 3))?;
            ok_str(match name {
                "lower" => value.to_lowercase(),
                "upper" => value.to_uppercase(),
                "title" => title(value),
                _ => value.trim().to_string(),
            })
        }
        "trimPrefix" | "trimSuffix" | "trimAll" | "contains" | "hasPrefix" | "hasSuffix" => {
            arity(f, &args, 2)?;
            let what = string(f, &args[0])?;
            let value = string(f, &args[1])?;
            match name {
                "trimPrefix" => ok_str(value.strip_prefix(what).unwrap_or(value)),
                "trimSuffix" => ok_str(value.strip_suffix(what).unwrap_or(value)),
                "trimAll" => ok_str(value.trim_matches(|c| what.contains(c))),
                "contains" => ok_bool(value.contains(what)),
                "hasPrefix" => ok_bool(value.starts_with(what)),
                _ => ok_bool(value.ends_with(what)),
            }
        }
        "replace" => {
            arity(f, &args, 3)?;
            let old = string(f, &args[0])?;
            let new = string(f, &args[1])?;
            let value = string(f, &args[2])?;
            let matches = if old.is_empty() {
                value.chars().count() + 1
            } else {
                value.matches(old).count()
            };
            let size = matches
                .checked_mul(new.len())
                .and_then(|added| added.checked_add(value.len()));
            budget.reserve(f, size)?;
            ok_str(value.replace(old, new))
        }
        "trunc" => {
            arity(f, &args, 2)?;
            let length = integer(f, &args[0])?;
            let value = string(f, &args[1])?;
            let chars: Vec<char> = value.chars().collect();
            let count = chars.len() as i64;
            ok_str(if length < 0 {
                let keep = length.saturating_neg().min(count);
                chars[(count - keep) as usize..].iter().collect::<String>()
            } else {
                chars[..length.min(count) as usize]
                    .iter()
                    .collect::<String>()
            })
        }
        "substr" => {
            arity(f, &args, 3)?;
            let start = integer(f, &args[0])?;
            let end = integer(f, &args[1])?;
            let chars: Vec<char> = string(f, &args[2])?.chars().collect();
            let len = chars.len() as i64;
            let start = start.clamp(0, len) as usize;
            let end = if end < 0 || end > len { len } else { end } as usize;
            ok_str(if start >= end {
                String::new()
            } else {
                chars[start..end].iter().collect()
            })
        }
        "repeat" => {
            arity(f, &args, 2)?;
            let count = integer(f, &args[0])?.max(0);
            let value = string(f, &args[1])?;
            let size = usize::try_from(count)
                .ok()
                .and_then(|count| count.checked_mul(value.len()));
            budget.reserve(f, size)?;
            ok_str(value.repeat(usize::try_from(count).unwrap_or(0)))
        }
        "quote" | "squote" => {
            let quoted: Vec<String> = args
                .iter()
                .filter(|value| !matches!(value, Val::Missing | Val::Json(Value::Null)))
                .map(|value| {
                    if name == "quote" {
                        go_quote(&text(value))
                    } else {
                        format!("'{}'", text(value))
                    }
                })
                .collect();
            ok_str(quoted.join(" "))
        }
        "cat" => {
            let parts: Vec<String> = args
                .iter()
                .filter(|value| !matches!(value, Val::Missing | Val::Json(Value::Null)))
                .map(text)
                .collect();
            ok_str(parts.join(" "))
        }
        "join" => {
            arity(f, &args, 2)?;
            let separator = string(f, &args[0])?;
            let parts: Vec<String> = match &args[1] {
                Val::Json(Value::Array(items)) => items
                    .iter()
                    .map(|item| text(&Val::Json(item.clone())))
                    .collect(),
                other => vec![text(other)],
            };
            let size = parts.iter().try_fold(
                separator.len().checked_mul(parts.len().saturating_sub(1)),
                |total, part| Some(total?.checked_add(part.len())),
            );
            budget.reserve(f, size.flatten())?;
            ok_str(parts.join(separator))
        }
        "splitList" => {
            arity(f, &args, 2)?;
            let separator = string(f, &args[0])?;
            let value = string(f, &args[1])?;
            let pieces = if separator.is_empty() {
                value.chars().count() + 2
            } else {
                value.matches(separator).count() + 1
            };
            let size = pieces
                .checked_mul(std::mem::size_of::<Value>() + std::mem::size_of::<String>())
                .and_then(|overhead| overhead.checked_add(value.len()));
            budget.reserve(f, size)?;
            Ok(Val::Json(Value::Array(
                value
                    .split(separator)
                    .map(|part| Value::String(part.to_string()))
                    .collect(),
            )))
        }
        "list" => Ok(Val::Json(Value::Array(args.iter().map(json_of).collect()))),
        "dict" => {
            let mut map = Map::new();
            for pair in args.chunks(2) {
                let key = text(&pair[0]);
                let value = pair.get(1).map_or(Value::String(String::new()), json_of);
                map.insert(key, value);
            }
            Ok(Val::Json(Value::Object(map)))
        }
        "toJson" | "toRawJson" | "toPrettyJson" => {
            arity(f, &args, 1)?;
            ok_str(bounded_json(
                f,
                &json_of(&args[0]),
                name == "toPrettyJson",
                budget,
            )?)
        }
        "toString" => {
            arity(f, &args, 1)?;
            ok_str(text(&args[0]))
        }
        "atoi" | "int" | "int64" => {
            arity(f, &args, 1)?;
            let number = match &args[0] {
                Val::Json(Value::String(value)) => value.trim().parse::<i64>().unwrap_or(0),
                Val::Json(Value::Number(number)) => number
                    .as_i64()
                    .unwrap_or_else(|| number.as_f64().unwrap_or(0.0) as i64),
                Val::Json(Value::Bool(flag)) => i64::from(*flag),
                _ => 0,
            };
            Ok(Val::Json(Value::from(number)))
        }
        "float64" => {
            arity(f, &args, 1)?;
            let number = match &args[0] {
                Val::Json(Value::String(value)) => value.trim().parse::<f64>().unwrap_or(0.0),
                Val::Json(Value::Number(number)) => number.as_f64().unwrap_or(0.0),
                _ => 0.0,
            };
            Ok(Val::Json(
                serde_json::Number::from_f64(number).map_or(Value::Null, Value::Number),
            ))
        }
        "add" | "sub" | "mul" | "div" | "mod" => arithmetic(name, &args),
        "normalize" => {
            arity(f, &args, 1)?;
            ok_str(normalize_name(string(f, &args[0])?))
        }
        "slugify" => {
            let (max_len, smart, value) = match args.as_slice() {
                [value] => (50, true, value),
                [max, value] => (integer(f, max)?, true, value),
                [max, smart, value] => (integer(f, max)?, smart.truth(), value),
                _ => return Err(problem(f, "wrong number of args: want 1 to 3")),
            };
            ok_str(slugify(
                string(f, value)?,
                max_len.max(0) as usize,
                smart,
                true,
            ))
        }
        "first" | "last" => {
            arity(f, &args, 1)?;
            match &args[0] {
                Val::Json(Value::Array(items)) => Ok(Val::Json(
                    if name == "first" {
                        items.first()
                    } else {
                        items.last()
                    }
                    .cloned()
                    .unwrap_or(Value::Null),
                )),
                other => Err(problem(
                    f,
                    format!("expected a list; got {}", other.type_name()),
                )),
            }
        }
        "hasKey" => {
            arity(f, &args, 2)?;
            let key = string(f, &args[1])?;
            match &args[0] {
                Val::Json(Value::Object(map)) => ok_bool(map.contains_key(key)),
                other => Err(problem(
                    f,
                    format!("expected a map; got {}", other.type_name()),
                )),
            }
        }
        "keys" => {
            let mut keys: Vec<Value> = Vec::new();
            for arg in &args {
                if let Val::Json(Value::Object(map)) = arg {
                    keys.extend(map.keys().map(|key| Value::String(key.clone())));
                }
            }
            Ok(Val::Json(Value::Array(keys)))
        }
        _ => Err(GoTemplateError::UnknownFunction {
            name: name.to_string(),
        }),
    }
}

/// JSON text of `value`, written into a buffer that refuses to grow past
/// what the budget has left (indentation can multiply a deep value's size).
fn bounded_json(
    function: &str,
    value: &Value,
    pretty: bool,
    budget: &mut Budget,
) -> Result<String, GoTemplateError> {
    struct Bounded {
        bytes: Vec<u8>,
        limit: usize,
    }
    impl std::io::Write for Bounded {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.bytes.len() + buf.len() > self.limit {
                return Err(std::io::Error::other("over budget"));
            }
            self.bytes.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let limit = budget.bytes_left();
    let mut out = Bounded {
        bytes: Vec::new(),
        limit,
    };
    let written = if pretty {
        serde_json::to_writer_pretty(&mut out, value)
    } else {
        serde_json::to_writer(&mut out, value)
    };
    if written.is_err() {
        budget.reserve(function, limit.checked_add(1))?;
    }
    Ok(String::from_utf8(out.bytes).unwrap_or_default())
}

fn title(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut start = true;
    for c in value.chars() {
        if start && c.is_alphabetic() {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        start = c.is_whitespace();
    }
    out
}

/// Go's `%q` for a string: double quotes with Go escapes (JSON's escapes
/// agree for everything templates meet).
fn go_quote(value: &str) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

fn go_sprint(args: &[Val]) -> String {
    let mut out = String::new();
    for (index, arg) in args.iter().enumerate() {
        let is_string = matches!(arg, Val::Json(Value::String(_)));
        let previous_string = index > 0 && matches!(args[index - 1], Val::Json(Value::String(_)));
        if index > 0 && !is_string && !previous_string {
            out.push(' ');
        }
        out.push_str(&arg.print());
    }
    out
}

fn number_of(value: &Val) -> Option<f64> {
    match value {
        Val::Json(Value::Number(number)) => number.as_f64(),
        _ => None,
    }
}

fn compare_eq(function: &str, left: &Val, right: &Val) -> Result<bool, GoTemplateError> {
    match (left, right) {
        (Val::Missing | Val::Json(Value::Null), Val::Missing | Val::Json(Value::Null)) => Ok(true),
        (Val::Missing | Val::Json(Value::Null), _) | (_, Val::Missing | Val::Json(Value::Null)) => {
            Ok(false)
        }
        (Val::Json(Value::Number(_)), Val::Json(Value::Number(_))) => {
            Ok(number_of(left) == number_of(right))
        }
        (Val::Json(Value::String(a)), Val::Json(Value::String(b))) => Ok(a == b),
        (Val::Json(Value::Bool(a)), Val::Json(Value::Bool(b))) => Ok(a == b),
        (Val::Json(Value::Array(_) | Value::Object(_)), _)
        | (_, Val::Json(Value::Array(_) | Value::Object(_))) => {
            Err(problem(function, "invalid type for comparison"))
        }
        _ => Err(problem(function, "incompatible types for comparison")),
    }
}

fn compare_order(
    function: &str,
    left: &Val,
    right: &Val,
) -> Result<std::cmp::Ordering, GoTemplateError> {
    match (left, right) {
        (Val::Json(Value::Number(_)), Val::Json(Value::Number(_))) => number_of(left)
            .zip(number_of(right))
            .and_then(|(a, b)| a.partial_cmp(&b))
            .ok_or_else(|| problem(function, "invalid type for comparison")),
        (Val::Json(Value::String(a)), Val::Json(Value::String(b))) => Ok(a.cmp(b)),
        _ => Err(problem(function, "incompatible types for comparison")),
    }
}

fn index(args: &[Val]) -> Result<Val, GoTemplateError> {
    let Some((first, keys)) = args.split_first() else {
        return Err(problem(
            "index",
            "wrong number of args: want at least 1 got 0",
        ));
    };
    let mut current = first.clone();
    for key in keys {
        current = match (current, key) {
            (Val::Json(Value::Object(mut map)), Val::Json(Value::String(name))) => {
                Val::Json(map.remove(name).unwrap_or(Value::Null))
            }
            (Val::Json(Value::Array(mut items)), position) => {
                let at = integer("index", position)?;
                let len = items.len();
                if at < 0 || at as usize >= len {
                    return Err(problem("index", format!("index out of range: {at}")));
                }
                Val::Json(items.swap_remove(at as usize))
            }
            (Val::Json(Value::String(text)), position) => {
                let at = integer("index", position)?;
                let byte = usize::try_from(at)
                    .ok()
                    .and_then(|at| text.as_bytes().get(at).copied())
                    .ok_or_else(|| problem("index", format!("index out of range: {at}")))?;
                Val::Json(Value::from(byte))
            }
            (Val::Missing | Val::Json(Value::Null), _) => {
                return Err(problem("index", "index of untyped nil"));
            }
            (other, key) => {
                return Err(problem(
                    "index",
                    format!(
                        "can't index item of type {} with {}",
                        other.type_name(),
                        key.print()
                    ),
                ));
            }
        };
    }
    Ok(current)
}

fn arithmetic(name: &str, args: &[Val]) -> Result<Val, GoTemplateError> {
    arity(name, args, 2)?;
    let a = integer(name, &args[0])?;
    let b = integer(name, &args[1])?;
    let result = match name {
        "add" => a.checked_add(b),
        "sub" => a.checked_sub(b),
        "mul" => a.checked_mul(b),
        "div" => a.checked_div(b),
        _ => a.checked_rem(b),
    }
    .ok_or_else(|| problem(name, "integer overflow or division by zero"))?;
    Ok(Val::Json(Value::from(result)))
}

/// Go's `fmt.Sprintf` for the verbs templates use: `%s %v %d %q %t %f %x
/// %%`, with `-`, `0`, width and precision. Widths and precisions are the
/// template's to choose, so their padding is claimed from the budget first.
fn printf(format: &str, args: &[Val], budget: &mut Budget) -> Result<String, GoTemplateError> {
    let mut out = String::new();
    let mut chars = format.chars().peekable();
    let mut next_arg = 0;
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut left = false;
        let mut zero = false;
        while let Some(&flag) = chars.peek() {
            match flag {
                '-' => left = true,
                '0' => zero = true,
                '+' | ' ' | '#' => {}
                _ => break,
            }
            chars.next();
        }
        let mut width = String::new();
        while let Some(&digit) = chars.peek().filter(|c| c.is_ascii_digit()) {
            width.push(digit);
            chars.next();
        }
        let mut precision: Option<usize> = None;
        if chars.peek() == Some(&'.') {
            chars.next();
            let mut digits = String::new();
            while let Some(&digit) = chars.peek().filter(|c| c.is_ascii_digit()) {
                digits.push(digit);
                chars.next();
            }
            // Too many digits for a number is simply too large.
            precision = Some(if digits.is_empty() {
                0
            } else {
                digits.parse().unwrap_or(usize::MAX)
            });
        }
        let Some(verb) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(arg) = args.get(next_arg) else {
            let _ = write!(out, "%!{verb}(MISSING)");
            continue;
        };
        next_arg += 1;
        let body = match verb {
            's' | 'v' => {
                let text = arg.print();
                match precision {
                    Some(limit) => text.chars().take(limit).collect(),
                    None => text,
                }
            }
            'q' => go_quote(&arg.print()),
            't' => arg.print(),
            'd' => match number_of(arg) {
                Some(number) if number.fract() == 0.0 => format!("{}", number as i64),
                _ => format!("%!d({}={})", arg.type_name(), arg.print()),
            },
            'f' | 'F' => match number_of(arg) {
                Some(number) => {
                    let precision = precision.unwrap_or(6);
                    budget.reserve("printf", precision.checked_add(320))?;
                    format!("{number:.precision$}")
                }
                None => format!("%!f({}={})", arg.type_name(), arg.print()),
            },
            'x' => match (number_of(arg), arg) {
                (Some(number), _) => format!("{:x}", number as i64),
                (None, Val::Json(Value::String(text))) => {
                    text.bytes().map(|byte| format!("{byte:02x}")).collect()
                }
                _ => format!("%!x({})", arg.print()),
            },
            other => format!("%!{other}({}={})", arg.type_name(), arg.print()),
        };
        let width: usize = if width.is_empty() {
            0
        } else {
            width.parse().unwrap_or(usize::MAX)
        };
        let pad = width.saturating_sub(body.chars().count());
        budget.reserve("printf", Some(pad))?;
        if left {
            out.push_str(&body);
            out.extend(std::iter::repeat_n(' ', pad));
        } else {
            let fill = if zero { '0' } else { ' ' };
            out.extend(std::iter::repeat_n(fill, pad));
            out.push_str(&body);
        }
    }
    if next_arg < args.len() {
        let extra: Vec<String> = args[next_arg..]
            .iter()
            .map(|arg| format!("{}={}", arg.type_name(), arg.print()))
            .collect();
        let _ = write!(out, "%!(EXTRA {})", extra.join(", "));
    }
    Ok(out)
}
