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

mod eval;
mod funcs;
mod parse;

use serde_json::Value;
use thiserror::Error;

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

    /// Executes the template with `data` as `.` (and `$`).
    pub fn render(&self, data: &Value, options: GoOptions) -> Result<String, GoTemplateError> {
        eval::render(&self.nodes, data, options)
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
}

impl GoTemplateError {
    /// The parameter, variable or function the error is about.
    pub fn parameter(&self) -> Option<&str> {
        match self {
            GoTemplateError::Syntax { .. } => None,
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
}
