//! Just enough of Prometheus for the tests: the text exposition parsed into
//! samples, and the alert expressions `deploy/alerts.yaml` uses (one
//! selector with `=`, `!=`, `=~`, `!~` matchers, compared with a number)
//! evaluated against them. Anything else in an expression is an error, so
//! a rule the evaluator cannot judge fails the test instead of passing it.

use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

/// Samples of a text exposition, and the metric names its `# TYPE` lines
/// declare (a family with no samples yet still exists).
pub fn parse_exposition(text: &str) -> (Vec<Sample>, Vec<String>) {
    let mut samples = Vec::new();
    let mut declared = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            if let Some(name) = rest.split_whitespace().next() {
                declared.push(name.to_string());
            }
            continue;
        }
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let (series, value) = line.rsplit_once(' ').expect("sample line has a value");
        let (name, labels) = match series.split_once('{') {
            Some((name, labels)) => (
                name,
                parse_labels(labels.strip_suffix('}').expect("closing brace")),
            ),
            None => (series, BTreeMap::new()),
        };
        samples.push(Sample {
            name: name.to_string(),
            labels,
            value: value.parse().expect("sample value"),
        });
    }
    (samples, declared)
}

fn parse_labels(text: &str) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::new();
    let mut chars = text.chars().peekable();
    loop {
        let name: String = std::iter::from_fn(|| chars.next_if(|c| *c != '=')).collect();
        if name.is_empty() {
            break;
        }
        assert_eq!(chars.next(), Some('='));
        assert_eq!(chars.next(), Some('"'));
        let mut value = String::new();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some('n') => value.push('\n'),
                    Some(other) => value.push(other),
                    None => break,
                },
                '"' => break,
                c => value.push(c),
            }
        }
        labels.insert(name.trim_start_matches(',').to_string(), value);
        chars.next_if_eq(&',');
    }
    labels
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expression {
    pub metric: String,
    matchers: Vec<(String, String, String)>,
    comparison: String,
    threshold: f64,
}

/// `metric{label="v",...} <op> <number>`.
pub fn parse_expression(text: &str) -> Result<Expression, String> {
    let text = text.trim();
    // The comparison follows the selector's closing brace (if any).
    let tail_start = text.rfind('}').map_or(0, |at| at + 1);
    let (offset, op) = ["==", "!=", ">=", "<=", ">", "<"]
        .into_iter()
        .filter_map(|op| text[tail_start..].find(op).map(|at| (at, op)))
        .min_by_key(|(at, op)| (*at, std::cmp::Reverse(op.len())))
        .ok_or_else(|| format!("no comparison in `{text}`"))?;
    let at = tail_start + offset;
    let (selector, threshold) = (text[..at].trim(), text[at + op.len()..].trim());
    let threshold: f64 = threshold
        .parse()
        .map_err(|_| format!("`{threshold}` is not a number in `{text}`"))?;
    let (metric, matchers) = match selector.split_once('{') {
        Some((metric, rest)) => {
            let body = rest
                .strip_suffix('}')
                .ok_or_else(|| format!("unclosed selector in `{text}`"))?;
            (metric, parse_matchers(body)?)
        }
        None => (selector, Vec::new()),
    };
    if metric.is_empty()
        || !metric
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
    {
        return Err(format!(
            "`{metric}` is not a bare metric name (functions are not supported)"
        ));
    }
    Ok(Expression {
        metric: metric.to_string(),
        matchers,
        comparison: op.to_string(),
        threshold,
    })
}

fn parse_matchers(body: &str) -> Result<Vec<(String, String, String)>, String> {
    let mut matchers = Vec::new();
    for part in body
        .split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
    {
        let op = ["=~", "!~", "!=", "="]
            .into_iter()
            .find(|op| part.contains(op))
            .ok_or_else(|| format!("no matcher operator in `{part}`"))?;
        let (name, value) = part.split_once(op).expect("operator present");
        let value = value
            .trim()
            .strip_prefix('"')
            .and_then(|value| value.strip_suffix('"'))
            .ok_or_else(|| format!("unquoted value in `{part}`"))?;
        matchers.push((name.trim().to_string(), op.to_string(), value.to_string()));
    }
    Ok(matchers)
}

impl Expression {
    /// The samples for which the alert would fire.
    pub fn evaluate<'a>(&self, samples: &'a [Sample]) -> Vec<&'a Sample> {
        samples
            .iter()
            .filter(|sample| sample.name == self.metric)
            .filter(|sample| {
                self.matchers.iter().all(|(name, op, wanted)| {
                    let value = sample.labels.get(name).map_or("", String::as_str);
                    let full = |pattern: &str| {
                        regex::Regex::new(&format!("^(?:{pattern})$"))
                            .expect("matcher regex")
                            .is_match(value)
                    };
                    match op.as_str() {
                        "=" => value == wanted,
                        "!=" => value != wanted,
                        "=~" => full(wanted),
                        _ => !full(wanted),
                    }
                })
            })
            .filter(|sample| match self.comparison.as_str() {
                "==" => sample.value == self.threshold,
                "!=" => sample.value != self.threshold,
                ">=" => sample.value >= self.threshold,
                "<=" => sample.value <= self.threshold,
                ">" => sample.value > self.threshold,
                _ => sample.value < self.threshold,
            })
            .collect()
    }
}

#[test]
fn the_evaluator_selects_by_label_and_compares() {
    let text = "# TYPE argocd_app_info gauge\nargocd_app_info{name=\"a\",sync_status=\"OutOfSync\"} 1\nargocd_app_info{name=\"b\",sync_status=\"Synced\"} 1\nargocd_app_sync_total{name=\"a\",phase=\"Failed\"} 2\n";
    let (samples, declared) = parse_exposition(text);
    assert_eq!(declared, ["argocd_app_info"]);
    let out_of_sync = parse_expression("argocd_app_info{sync_status=\"OutOfSync\"} == 1").unwrap();
    let firing = out_of_sync.evaluate(&samples);
    assert_eq!(firing.len(), 1);
    assert_eq!(firing[0].labels["name"], "a");
    let failed = parse_expression("argocd_app_sync_total{phase=~\"Failed|Error\"} > 0").unwrap();
    assert_eq!(failed.evaluate(&samples).len(), 1);
    let none =
        parse_expression("argocd_app_info{sync_status!=\"Synced\",name=\"b\"} == 1").unwrap();
    assert!(none.evaluate(&samples).is_empty());
    assert!(parse_expression("sum(argocd_app_info) > 1").is_err());
    assert!(parse_expression("argocd_app_info").is_err());
}
