//! A Go `text/template` subset, as ApplicationSets with `goTemplate: true`
//! use it: fields (`{{.name}}`, `{{.path.basename}}`), variables, pipelines,
//! parentheses, `if`/`else if`/`else`, `with`, `range`, trim markers and
//! comments, Go's builtins (`index`, `len`, `eq`/`ne`/`lt`..., `and`/`or`/
//! `not`, `printf`...) and the Sprig and Argo CD functions templates use in
//! practice (`default`, `lower`, `upper`, `replace`, `trunc`, `quote`,
//! `toJson`, `normalize`, `slugify`...; see `funcs.rs`).
//!
//! Behaviour follows Go where users can see it: a missing key prints
//! `<no value>` unless `missingkey=error` makes it an error, unknown
//! functions are rejected when the template is parsed, numbers print as
//! Go prints a `float64` (the type Argo's JSON parameters have).
//!
//! Templates come from Git, so execution is bounded: every function claims
//! the size of its result from a [`Budget`] before building it, nodes,
//! calls and range iterations count as steps, and nesting is limited when
//! the template is parsed. Going over is an error, never an allocation.

mod eval;
mod funcs;
mod parse;

use serde_json::Value;
use thiserror::Error;

use super::budget::{Budget, OverBudget};

/// `goTemplateOptions` as they affect rendering.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GoOptions {
    pub missing_key: MissingKey,
}

/// Go's `missingkey=` option.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MissingKey {
    /// `default` / `invalid`: a missing key prints `<no value>`.
    #[default]
    Default,
    /// `zero`: a missing key is the zero value (`<nil>` for Argo's maps).
    Zero,
    /// `error`: a missing key stops rendering.
    Error,
}

impl GoOptions {
    /// Reads Argo's `goTemplateOptions` list; unknown options are ignored,
    /// the last `missingkey=` wins.
    pub fn from_options(options: &[String]) -> Self {
        let mut result = GoOptions::default();
        for option in options {
            match option.trim() {
                "missingkey=error" => result.missing_key = MissingKey::Error,
                "missingkey=zero" => result.missing_key = MissingKey::Zero,
                "missingkey=default" | "missingkey=invalid" => {
                    result.missing_key = MissingKey::Default
                }
                _ => {}
            }
        }
        result
    }
}

/// A parsed template.
#[derive(Debug, Clone, PartialEq)]
pub struct GoTemplate {
    nodes: Vec<parse::Node>,
}

impl GoTemplate {
    /// Parses `text`; syntax errors and unknown functions fail here.
    pub fn parse(text: &str) -> Result<Self, GoTemplateError> {
        Ok(GoTemplate {
            nodes: parse::parse(text)?,
        })
    }

    /// The text, when the template has no actions at all.
    pub fn static_text(&self) -> Option<&str> {
        match self.nodes.as_slice() {
            [] => Some(""),
            [parse::Node::Text(text)] => Some(text),
            _ => None,
        }
    }

    /// Executes the template with `data` as `.` (and `$`), within a fresh
    /// per-application budget.
    pub fn render(&self, data: &Value, options: GoOptions) -> Result<String, GoTemplateError> {
        self.render_within(data, options, &mut Budget::per_application())
    }

    /// Executes the template, claiming what it produces from `budget`.
    pub fn render_within(
        &self,
        data: &Value,
        options: GoOptions,
        budget: &mut Budget,
    ) -> Result<String, GoTemplateError> {
        eval::render(&self.nodes, data, options, budget)
    }
}

/// A template that does not parse or does not execute.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum GoTemplateError {
    #[error("template syntax error at byte {offset}: {problem}")]
    Syntax { offset: usize, problem: String },
    #[error("function {name:?} not defined")]
    UnknownFunction { name: String },
    /// `missingkey=error`: the parameter is absent.
    #[error("map has no entry for key {key:?}")]
    MissingKey { key: String },
    #[error("can't evaluate field {field} in type {found}")]
    NotAMap { field: String, found: &'static str },
    #[error("undefined variable ${name}")]
    UndefinedVariable { name: String },
    #[error("error calling {function}: {problem}")]
    Call { function: String, problem: String },
    #[error(transparent)]
    OverBudget(#[from] OverBudget),
}

impl GoTemplateError {
    /// The parameter, variable or function the error is about.
    pub fn parameter(&self) -> Option<&str> {
        match self {
            GoTemplateError::Syntax { .. } | GoTemplateError::OverBudget(_) => None,
            GoTemplateError::UnknownFunction { name } => Some(name),
            GoTemplateError::MissingKey { key } => Some(key),
            GoTemplateError::NotAMap { field, .. } => Some(field),
            GoTemplateError::UndefinedVariable { name } => Some(name),
            GoTemplateError::Call { function, .. } => Some(function),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn render(text: &str, data: Value) -> String {
        GoTemplate::parse(text)
            .unwrap()
            .render(&data, GoOptions::default())
            .unwrap()
    }

    fn strict(text: &str, data: Value) -> Result<String, GoTemplateError> {
        let options = GoOptions::from_options(&["missingkey=error".to_string()]);
        GoTemplate::parse(text).unwrap().render(&data, options)
    }

    #[test]
    fn fields_index_and_pipelines() {
        let data = json!({"name": "web", "path": {"basename": "Prod", "segments": ["apps", "web"]},
            "replicas": 3, "big": 1000000});
        assert_eq!(
            render("{{.name}}-{{ .path.basename | lower }}", data.clone()),
            "web-prod"
        );
        assert_eq!(render("{{index .path.segments 1}}", data.clone()), "web");
        assert_eq!(
            render("{{ .replicas }} {{ .big }}", data.clone()),
            "3 1e+06"
        );
        assert_eq!(render("{{ .missing }}", data.clone()), "<no value>");
        assert_eq!(render("{{ .missing.deeper }}", data.clone()), "<no value>");
        assert_eq!(
            render("{{ (index .path.segments 0) | upper }}", data.clone()),
            "APPS"
        );
        assert_eq!(
            render("{{ $n := .name }}{{ $n }}/{{ $.name }}", data),
            "web/web"
        );
    }

    #[test]
    fn control_flow_and_trim_markers() {
        let data = json!({"env": "prod", "items": ["a", "b"], "m": {"y": 2, "x": 1}});
        let text =
            "{{- if eq .env \"prod\" -}}\n  P\n{{- else if eq .env \"dev\" }}D{{ else }}O{{ end }}";
        assert_eq!(render(text, data.clone()), "P");
        assert_eq!(
            render("{{if ne .env \"prod\"}}x{{else}}y{{end}}", data.clone()),
            "y"
        );
        assert_eq!(
            render(
                "{{range $i, $v := .items}}{{$i}}={{$v}};{{end}}",
                data.clone()
            ),
            "0=a;1=b;"
        );
        assert_eq!(
            render("{{range $k, $v := .m}}{{$k}}{{$v}}{{end}}", data.clone()),
            "x1y2"
        );
        assert_eq!(
            render(
                "{{with .m}}{{.x}}{{end}}{{with .none}}n{{else}}e{{end}}",
                data.clone()
            ),
            "1e"
        );
        assert_eq!(
            render("{{/* note */}}{{ and .env (not .none) }}", data.clone()),
            "true"
        );
        assert_eq!(render("{{ or .none \"fallback\" }}", data), "fallback");
    }

    #[test]
    fn sprig_and_argo_functions() {
        let data = json!({"name": "My_Cluster", "list": [1, "a"], "empty": ""});
        assert_eq!(
            render("{{ .empty | default \"dflt\" }}", data.clone()),
            "dflt"
        );
        assert_eq!(
            render("{{ .missing | default \"dflt\" }}", data.clone()),
            "dflt"
        );
        assert_eq!(render("{{ normalize .name }}", data.clone()), "my-cluster");
        assert_eq!(
            render("{{ printf \"%s-%d-%v\" .name 7 true }}", data.clone()),
            "My_Cluster-7-true"
        );
        assert_eq!(render("{{ toJson .list }}", data.clone()), "[1,\"a\"]");
        assert_eq!(
            render("{{ .name | quote }}", data.clone()),
            "\"My_Cluster\""
        );
        assert_eq!(render("{{ trunc 4 .name }}", data.clone()), "My_C");
        assert_eq!(
            render("{{ replace \"_\" \"-\" .name }}", data.clone()),
            "My-Cluster"
        );
        assert_eq!(render("{{ len .list }}", data), "2");
    }

    #[test]
    fn missing_key_error_names_the_parameter() {
        let data = json!({"path": {"basename": "web"}});
        let error = strict("{{ .path.basenam }}", data.clone()).unwrap_err();
        assert_eq!(
            error,
            GoTemplateError::MissingKey {
                key: "path.basenam".into()
            }
        );
        assert_eq!(error.parameter(), Some("path.basenam"));
        assert_eq!(strict("{{ .path.basename }}", data).unwrap(), "web");
    }

    #[test]
    fn parse_errors() {
        assert!(matches!(
            GoTemplate::parse("{{ frobnicate .x }}"),
            Err(GoTemplateError::UnknownFunction { name }) if name == "frobnicate"
        ));
        assert!(matches!(
            GoTemplate::parse("{{ .x "),
            Err(GoTemplateError::Syntax { .. })
        ));
        assert!(matches!(
            GoTemplate::parse("{{ if .x }}a"),
            Err(GoTemplateError::Syntax { .. })
        ));
        assert!(matches!(
            GoTemplate::parse("{{ end }}"),
            Err(GoTemplateError::Syntax { .. })
        ));
        assert_eq!(
            GoTemplate::parse("plain").unwrap().static_text(),
            Some("plain")
        );
    }

    #[test]
    fn type_errors() {
        let data = json!({"name": "web"});
        let error = GoTemplate::parse("{{ .name.first }}")
            .unwrap()
            .render(&data, GoOptions::default())
            .unwrap_err();
        assert!(matches!(error, GoTemplateError::NotAMap { .. }), "{error}");
        let error = GoTemplate::parse("{{ lower .missing }}")
            .unwrap()
            .render(&data, GoOptions::default())
            .unwrap_err();
        assert!(matches!(error, GoTemplateError::Call { ref function, .. } if function == "lower"));
    }

    fn over_budget(text: &str) -> GoTemplateError {
        GoTemplate::parse(text)
            .unwrap()
            .render(
                &json!({"name": "web", "list": ["a", "b"]}),
                GoOptions::default(),
            )
            .unwrap_err()
    }

    #[test]
    fn template_bombs_are_over_budget_errors_not_allocations() {
        for bomb in [
            r#"{{ repeat 20000000000 "x" }}"#,
            r#"{{ repeat 9223372036854775807 "x" }}"#,
            r#"{{ printf "%99999999999s" .name }}"#,
            r#"{{ printf "%999999999999999999999999s" .name }}"#,
            r#"{{ printf "%.99999999999f" 1.5 }}"#,
            r#"{{ repeat 1000 "x" | repeat 1000 | repeat 1000 }}"#,
            r#"{{ replace "" (repeat 4000 "y") (repeat 4000 "x") }}"#,
            r#"{{ join (repeat 1000000 "-") (splitList "" (repeat 1000 "x")) }}"#,
            r#"{{ range 9223372036854775807 }}x{{ end }}"#,
            r#"{{ range $i := 100000 }}{{ range 100000 }}{{ end }}{{ end }}"#,
            r#"{{ toPrettyJson (splitList "" (repeat 5000000 "x")) }}"#,
            r#"{{ upper (repeat 3000000 "ß") }}"#,
        ] {
            let error = over_budget(bomb);
            assert!(
                matches!(error, GoTemplateError::OverBudget(_)),
                "{bomb}: {error}"
            );
        }
        let error = over_budget(r#"{{ repeat 20000000000 "x" }}"#);
        assert!(
            error
                .to_string()
                .starts_with("repeat would produce 20000000000 bytes"),
            "{error}"
        );
    }

    #[test]
    fn ordinary_uses_of_the_bounded_functions_still_work() {
        let data = json!({"name": "web"});
        assert_eq!(render(r#"{{ repeat 3 "ab" }}"#, data.clone()), "ababab");
        assert_eq!(
            render(r#"{{ printf "%5s|%-4d|%.2f" .name 7 1.5 }}"#, data.clone()),
            "  web|7   |1.50"
        );
        assert_eq!(
            render(r#"{{ trunc -9223372036854775808 .name }}"#, data.clone()),
            "web"
        );
        assert_eq!(render(r#"{{ range 3 }}x{{ end }}"#, data), "xxx");
    }

    #[test]
    fn nesting_is_bounded_when_parsed() {
        let deep_parens = format!("{{{{ {}1{} }}}}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(matches!(
            GoTemplate::parse(&deep_parens),
            Err(GoTemplateError::Syntax { .. })
        ));
        let deep_ifs = format!(
            "{}x{}",
            "{{ if 1 }}".repeat(10_000),
            "{{ end }}".repeat(10_000)
        );
        assert!(matches!(
            GoTemplate::parse(&deep_ifs),
            Err(GoTemplateError::Syntax { .. })
        ));
        let shallow = format!("{}x{}", "{{ if 1 }}".repeat(50), "{{ end }}".repeat(50));
        assert_eq!(render(&shallow, json!({})), "x");
    }
}
