//! Execution of a parsed template against the parameter data.
//!
//! Values are JSON values plus Go's "no value" (a missing map key), which
//! prints as `<no value>`, is false in conditions and passes through field
//! chains unless `missingkey=error` is set.

use serde_json::Value;

use super::parse::{Command, Node, Operand, Pipeline, Term};
use super::{GoOptions, GoTemplateError, MissingKey, funcs};
use crate::engine::appset::budget::Budget;
use crate::engine::appset::params::go_string;

/// A template value.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Val {
    /// Go's invalid value: a key that is not there.
    Missing,
    Json(Value),
}

impl Val {
    pub(super) fn truth(&self) -> bool {
        match self {
            Val::Missing => false,
            Val::Json(value) => match value {
                Value::Null => false,
                Value::Bool(flag) => *flag,
                Value::Number(number) => number.as_f64().is_some_and(|n| n != 0.0),
                Value::String(text) => !text.is_empty(),
                Value::Array(items) => !items.is_empty(),
                Value::Object(map) => !map.is_empty(),
            },
        }
    }

    pub(super) fn as_json(&self) -> Option<&Value> {
        match self {
            Val::Missing => None,
            Val::Json(value) => Some(value),
        }
    }

    /// The text Go's template printer writes for the value.
    pub(super) fn print(&self) -> String {
        match self {
            Val::Missing => "<no value>".to_string(),
            Val::Json(value) => go_string(value),
        }
    }

    /// The Go type name used in error messages.
    pub(super) fn type_name(&self) -> &'static str {
        match self {
            Val::Missing | Val::Json(Value::Null) => "<nil>",
            Val::Json(Value::Bool(_)) => "bool",
            Val::Json(Value::Number(_)) => "float64",
            Val::Json(Value::String(_)) => "string",
            Val::Json(Value::Array(_)) => "[]interface {}",
            Val::Json(Value::Object(_)) => "map[string]interface {}",
        }
    }
}

struct State<'d> {
    root: &'d Value,
    options: GoOptions,
    vars: Vec<(String, Val)>,
    out: String,
    budget: &'d mut Budget,
}

pub(super) fn render(
    nodes: &[Node],
    data: &Value,
    options: GoOptions,
    budget: &mut Budget,
) -> Result<String, GoTemplateError> {
    let mut state = State {
        root: data,
        options,
        vars: Vec::new(),
        out: String::new(),
        budget,
    };
    let dot = Val::Json(data.clone());
    state.exec(nodes, &dot)?;
    Ok(state.out)
}

impl State<'_> {
    fn exec(&mut self, nodes: &[Node], dot: &Val) -> Result<(), GoTemplateError> {
        for node in nodes {
            self.budget.step("template")?;
            match node {
                Node::Text(text) => self.write(text)?,
                Node::Action(pipeline) => {
                    let value = self.pipeline(pipeline, dot, true)?;
                    if pipeline.decl.is_empty() {
                        self.write(&value.print())?;
                    }
                }
                Node::If {
                    pipeline,
                    body,
                    otherwise,
                } => {
                    let mark = self.vars.len();
                    let value = self.pipeline(pipeline, dot, true)?;
                    if value.truth() {
                        self.exec(body, dot)?;
                    } else {
                        self.exec(otherwise, dot)?;
                    }
                    self.vars.truncate(mark);
                }
                Node::With {
                    pipeline,
                    body,
                    otherwise,
                } => {
                    let mark = self.vars.len();
                    let value = self.pipeline(pipeline, dot, true)?;
                    if value.truth() {
                        self.exec(body, &value)?;
                    } else {
                        self.exec(otherwise, dot)?;
                    }
                    self.vars.truncate(mark);
                }
                Node::Range {
                    pipeline,
                    body,
                    otherwise,
                } => self.range(pipeline, body, otherwise, dot)?,
            }
        }
        Ok(())
    }

    fn write(&mut self, text: &str) -> Result<(), GoTemplateError> {
        self.budget.reserve("template output", Some(text.len()))?;
        self.out.push_str(text);
        Ok(())
    }

    fn range(
        &mut self,
        pipeline: &Pipeline,
        body: &[Node],
        otherwise: &[Node],
        dot: &Val,
    ) -> Result<(), GoTemplateError> {
        let mark = self.vars.len();
        let value = self.pipeline(pipeline, dot, false)?;
        // `range N` counts lazily: its length is the template's to choose.
        if let Val::Json(Value::Number(number)) = &value
            && let Some(count) = number.as_i64()
        {
            if count <= 0 {
                self.exec(otherwise, dot)?;
            }
            for index in 0..count.max(0) {
                let item = Value::from(index);
                self.iterate(pipeline, body, Value::from(index), item)?;
            }
            self.vars.truncate(mark);
            return Ok(());
        }
        let entries: Vec<(Value, Value)> = match &value {
            Val::Json(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(index, item)| (Value::from(index), item.clone()))
                .collect(),
            Val::Json(Value::Object(map)) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                keys.into_iter()
                    .map(|key| (Value::String(key.clone()), map[key].clone()))
                    .collect()
            }
            Val::Missing | Val::Json(Value::Null) => Vec::new(),
            other => {
                return Err(GoTemplateError::Call {
                    function: "range".into(),
                    problem: format!("range can't iterate over {}", other.print()),
                });
            }
        };
        if entries.is_empty() {
            self.exec(otherwise, dot)?;
        }
        for (key, item) in entries {
            self.iterate(pipeline, body, key, item)?;
        }
        self.vars.truncate(mark);
        Ok(())
    }

    /// One pass of a `range` body, with its variables bound.
    fn iterate(
        &mut self,
        pipeline: &Pipeline,
        body: &[Node],
        key: Value,
        item: Value,
    ) -> Result<(), GoTemplateError> {
        self.budget.step("range")?;
        let inner = self.vars.len();
        match pipeline.decl.as_slice() {
            [] => {}
            [value_name] => self
                .vars
                .push((value_name.clone(), Val::Json(item.clone()))),
            [key_name, value_name, ..] => {
                self.vars.push((key_name.clone(), Val::Json(key)));
                self.vars
                    .push((value_name.clone(), Val::Json(item.clone())));
            }
        }
        self.exec(body, &Val::Json(item))?;
        self.vars.truncate(inner);
        Ok(())
    }

    fn pipeline(
        &mut self,
        pipeline: &Pipeline,
        dot: &Val,
        declare: bool,
    ) -> Result<Val, GoTemplateError> {
        let mut value: Option<Val> = None;
        for command in &pipeline.commands {
            value = Some(self.command(command, dot, value.take())?);
        }
        let value = value.unwrap_or(Val::Missing);
        if declare {
            for name in &pipeline.decl {
                if pipeline.assign {
                    let slot = self
                        .vars
                        .iter_mut()
                        .rev()
                        .find(|(existing, _)| existing == name)
                        .ok_or_else(|| GoTemplateError::UndefinedVariable { name: name.clone() })?;
                    slot.1 = value.clone();
                } else {
                    self.vars.push((name.clone(), value.clone()));
                }
            }
        }
        Ok(value)
    }

    fn command(
        &mut self,
        command: &Command,
        dot: &Val,
        piped: Option<Val>,
    ) -> Result<Val, GoTemplateError> {
        let first = &command.operands[0];
        if let (Term::Func(name), true) = (&first.term, first.fields.is_empty()) {
            let args = &command.operands[1..];
            if name == "and" || name == "or" {
                return self.and_or(name == "and", args, dot, piped);
            }
            let mut values = Vec::with_capacity(args.len() + 1);
            for arg in args {
                values.push(self.operand(arg, dot)?);
            }
            if let Some(piped) = piped {
                values.push(piped);
            }
            return funcs::call(name, values, self.options, self.budget);
        }
        if command.operands.len() > 1 || piped.is_some() {
            return Err(GoTemplateError::Call {
                function: describe(first),
                problem: "can't give argument to non-function".into(),
            });
        }
        self.operand(first, dot)
    }

    /// `and` / `or` stop at the first operand that decides the result, so
    /// `and .a .a.b` does not evaluate `.a.b` when `.a` is missing.
    fn and_or(
        &mut self,
        and: bool,
        args: &[Operand],
        dot: &Val,
        piped: Option<Val>,
    ) -> Result<Val, GoTemplateError> {
        if args.is_empty() && piped.is_none() {
            return Err(GoTemplateError::Call {
                function: if and { "and" } else { "or" }.into(),
                problem: "wrong number of args: want at least 1 got 0".into(),
            });
        }
        let mut last = Val::Missing;
        for arg in args {
            last = self.operand(arg, dot)?;
            if last.truth() != and {
                return Ok(last);
            }
        }
        if let Some(piped) = piped {
            last = piped;
        }
        Ok(last)
    }

    fn operand(&mut self, operand: &Operand, dot: &Val) -> Result<Val, GoTemplateError> {
        let fields = &operand.fields;
        match &operand.term {
            Term::Dot => self.walk(dot.as_json(), fields),
            Term::Var(name) if name.is_empty() => self.walk(Some(self.root), fields),
            Term::Var(name) => {
                let slot = self
                    .vars
                    .iter()
                    .rev()
                    .find(|(existing, _)| existing == name)
                    .ok_or_else(|| GoTemplateError::UndefinedVariable { name: name.clone() })?;
                self.walk(slot.1.as_json(), fields)
            }
            Term::Func(name) => {
                let value = funcs::call(name, Vec::new(), self.options, self.budget)?;
                self.walk(value.as_json(), fields)
            }
            Term::Lit(value) => self.walk(Some(value), fields),
            Term::Sub(pipeline) => {
                let value = self.pipeline(pipeline, dot, true)?;
                self.walk(value.as_json(), fields)
            }
        }
    }

    /// Follows a field chain by reference and clones only what it ends on.
    fn walk(&self, base: Option<&Value>, fields: &[String]) -> Result<Val, GoTemplateError> {
        let mut current = base;
        let mut zero = false;
        for (index, field) in fields.iter().enumerate() {
            let chain = || fields[..=index].join(".");
            zero = false;
            current = match current {
                Some(Value::Object(map)) => match map.get(field) {
                    Some(inner) => Some(inner),
                    None => match self.options.missing_key {
                        MissingKey::Error => {
                            return Err(GoTemplateError::MissingKey { key: chain() });
                        }
                        MissingKey::Zero => {
                            zero = true;
                            None
                        }
                        MissingKey::Default => None,
                    },
                },
                None | Some(Value::Null) => {
                    if self.options.missing_key == MissingKey::Error {
                        return Err(GoTemplateError::MissingKey { key: chain() });
                    }
                    None
                }
                Some(other) => {
                    return Err(GoTemplateError::NotAMap {
                        field: chain(),
                        found: Val::Json(other.clone()).type_name(),
                    });
                }
            };
        }
        Ok(match current {
            Some(value) => Val::Json(value.clone()),
            None if zero => Val::Json(Value::Null),
            None => Val::Missing,
        })
    }
}

fn describe(operand: &Operand) -> String {
    let base = match &operand.term {
        Term::Dot => String::new(),
        Term::Var(name) => format!("${name}"),
        Term::Func(name) => name.clone(),
        Term::Lit(value) => value.to_string(),
        Term::Sub(_) => "(...)".into(),
    };
    if operand.fields.is_empty() && base.is_empty() {
        return ".".into();
    }
    format!("{base}.{}", operand.fields.join("."))
}
