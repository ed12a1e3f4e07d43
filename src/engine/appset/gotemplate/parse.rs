//! Lexing and parsing of the template text into a tree of [`Node`]s.
//!
//! The text is scanned for `{{ ... }}` actions (honouring `{{-`/`-}}` trim
//! markers and `{{/* */}}` comments); each action is tokenised, then the
//! flat list of actions is folded into `if`/`with`/`range` blocks.

use serde_json::Value;

use super::GoTemplateError;
use super::funcs;
use crate::engine::appset::budget::MAX_NESTING;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Node {
    Text(String),
    Action(Pipeline),
    /// `if`; an `else if` chain is an `If` nested in `otherwise`.
    If {
        pipeline: Pipeline,
        body: Vec<Node>,
        otherwise: Vec<Node>,
    },
    With {
        pipeline: Pipeline,
        body: Vec<Node>,
        otherwise: Vec<Node>,
    },
    Range {
        pipeline: Pipeline,
        body: Vec<Node>,
        otherwise: Vec<Node>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Pipeline {
    /// Declared (`:=`) or assigned (`=`) variables, without `$`.
    pub decl: Vec<String>,
    pub assign: bool,
    pub commands: Vec<Command>,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Command {
    pub operands: Vec<Operand>,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Operand {
    pub term: Term,
    /// Field chain applied to the term (`.a.b`, `$x.a`, `(..).a`).
    pub fields: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Term {
    Dot,
    Var(String),
    Func(String),
    Lit(Value),
    Sub(Box<Pipeline>),
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Dot,
    Field(String),
    Var(String),
    Ident(String),
    Lit(Value),
    Pipe,
    LParen,
    RParen,
    Declare,
    Assign,
    Comma,
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    offset: usize,
    space_before: bool,
}

enum Item {
    Text(String),
    Action(Pipeline),
    If(Pipeline),
    ElseIf(Pipeline),
    With(Pipeline),
    ElseWith(Pipeline),
    Range(Pipeline),
    Else(usize),
    End(usize),
}

fn syntax(offset: usize, problem: impl Into<String>) -> GoTemplateError {
    GoTemplateError::Syntax {
        offset,
        problem: problem.into(),
    }
}

pub(super) fn parse(text: &str) -> Result<Vec<Node>, GoTemplateError> {
    let items = scan(text)?;
    let mut iter = items.into_iter().peekable();
    let (nodes, stop) = build(&mut iter, 0)?;
    match stop {
        None => Ok(nodes),
        Some(Item::Else(offset)) => Err(syntax(offset, "unexpected {{else}}")),
        Some(Item::End(offset)) => Err(syntax(offset, "unexpected {{end}}")),
        Some(_) => Err(syntax(text.len(), "unexpected {{else}}")),
    }
}

type Items = std::iter::Peekable<std::vec::IntoIter<Item>>;

/// Builds nodes until the input ends or an `else`/`end` item, which is
/// returned to the caller.
fn build(items: &mut Items, depth: usize) -> Result<(Vec<Node>, Option<Item>), GoTemplateError> {
    if depth > MAX_NESTING {
        return Err(syntax(
            0,
            format!("blocks nested more than {MAX_NESTING} deep"),
        ));
    }
    let depth = depth + 1;
    let mut nodes = Vec::new();
    while let Some(item) = items.next() {
        match item {
            Item::Text(text) => nodes.push(Node::Text(text)),
            Item::Action(pipeline) => nodes.push(Node::Action(pipeline)),
            Item::If(pipeline) => nodes.push(build_chain(items, pipeline, false, depth)?),
            Item::With(pipeline) => nodes.push(build_chain(items, pipeline, true, depth)?),
            Item::Range(pipeline) => {
                let (body, stop) = build(items, depth)?;
                let otherwise = match stop {
                    Some(Item::End(_)) => Vec::new(),
                    Some(Item::Else(offset)) => {
                        let (otherwise, stop) = build(items, depth)?;
                        expect_end(stop, offset)?;
                        otherwise
                    }
                    _ => return Err(syntax(0, "unterminated {{range}}")),
                };
                nodes.push(Node::Range {
                    pipeline,
                    body,
                    otherwise,
                });
            }
            stop @ (Item::Else(_) | Item::End(_) | Item::ElseIf(_) | Item::ElseWith(_)) => {
                return Ok((nodes, Some(stop)));
            }
        }
    }
    Ok((nodes, None))
}

/// The rest of an `if`/`with` block up to its `{{end}}`; `else if` and
/// `else with` become a nested block that shares that `{{end}}`.
fn build_chain(
    items: &mut Items,
    pipeline: Pipeline,
    with: bool,
    depth: usize,
) -> Result<Node, GoTemplateError> {
    let (body, stop) = build(items, depth)?;
    let otherwise = match stop {
        Some(Item::End(_)) => Vec::new(),
        Some(Item::Else(offset)) => {
            let (otherwise, stop) = build(items, depth)?;
            expect_end(stop, offset)?;
            otherwise
        }
        Some(Item::ElseIf(next)) => vec![build_chain(items, next, false, depth + 1)?],
        Some(Item::ElseWith(next)) => vec![build_chain(items, next, true, depth + 1)?],
        _ => {
            let keyword = if with { "with" } else { "if" };
            return Err(syntax(0, format!("unterminated {{{{{keyword}}}}}")));
        }
    };
    Ok(if with {
        Node::With {
            pipeline,
            body,
            otherwise,
        }
    } else {
        Node::If {
            pipeline,
            body,
            otherwise,
        }
    })
}

fn expect_end(stop: Option<Item>, offset: usize) -> Result<(), GoTemplateError> {
    match stop {
        Some(Item::End(_)) => Ok(()),
        _ => Err(syntax(offset, "expected {{end}}")),
    }
}

/// Splits the text into text items and parsed actions.
fn scan(text: &str) -> Result<Vec<Item>, GoTemplateError> {
    let mut items = Vec::new();
    let mut pos = 0;
    let mut trim_next = false;
    while pos <= text.len() {
        let Some(found) = text[pos..].find("{{") else {
            push_text(&mut items, &text[pos..], trim_next, false);
            break;
        };
        let start = pos + found;
        let mut inner = start + 2;
        let rest = &text[inner..];
        let trim_left = rest.starts_with('-') && rest[1..].starts_with(is_space);
        if trim_left {
            inner += 1;
        }
        push_text(&mut items, &text[pos..start], trim_next, trim_left);
        let after_space = inner + (text[inner..].len() - text[inner..].trim_start().len());
        if text[after_space..].starts_with("/*") {
            let Some(close) = text[after_space..].find("*/") else {
                return Err(syntax(start, "unclosed comment"));
            };
            let mut end = after_space + close + 2;
            let tail = text[end..].trim_start();
            let skipped = text[end..].len() - tail.len();
            trim_next = false;
            if skipped > 0 && tail.starts_with("-}}") {
                end += skipped + 3;
                trim_next = true;
            } else if tail.starts_with("}}") && skipped == 0 {
                end += 2;
            } else {
                return Err(syntax(start, "comment ends before closing delimiter"));
            }
            pos = end;
            continue;
        }
        let (tokens, end, trim_right) = lex(text, inner, start)?;
        items.push(action_item(tokens, start)?);
        trim_next = trim_right;
        pos = end;
    }
    Ok(items)
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

fn push_text(items: &mut Vec<Item>, text: &str, trim_start: bool, trim_end: bool) {
    let mut text = text;
    if trim_start {
        text = text.trim_start_matches(is_space);
    }
    if trim_end {
        text = text.trim_end_matches(is_space);
    }
    if !text.is_empty() {
        items.push(Item::Text(text.to_string()));
    }
}

/// Tokenises one action starting at `pos`; returns the tokens, the byte
/// after the closing delimiter and whether it was `-}}`.
fn lex(
    text: &str,
    mut pos: usize,
    start: usize,
) -> Result<(Vec<Token>, usize, bool), GoTemplateError> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    loop {
        let before = pos;
        while pos < bytes.len() && is_space(bytes[pos] as char) {
            pos += 1;
        }
        let space_before = pos > before;
        if pos >= bytes.len() {
            return Err(syntax(start, "unclosed action"));
        }
        let rest = &text[pos..];
        if rest.starts_with("}}") {
            return Ok((tokens, pos + 2, false));
        }
        if space_before && rest.starts_with("-}}") {
            return Ok((tokens, pos + 3, true));
        }
        let offset = pos;
        let c = bytes[pos] as char;
        let next = bytes.get(pos + 1).map(|b| *b as char);
        let tok = match c {
            '|' => {
                pos += 1;
                Tok::Pipe
            }
            '(' => {
                pos += 1;
                Tok::LParen
            }
            ')' => {
                pos += 1;
                Tok::RParen
            }
            ',' => {
                pos += 1;
                Tok::Comma
            }
            ':' if next == Some('=') => {
                pos += 2;
                Tok::Declare
            }
            '=' => {
                pos += 1;
                Tok::Assign
            }
            '"' => {
                let (value, end) = lex_quoted(text, pos)?;
                pos = end;
                Tok::Lit(Value::String(value))
            }
            '`' => {
                let Some(close) = text[pos + 1..].find('`') else {
                    return Err(syntax(offset, "unterminated raw string"));
                };
                let value = text[pos + 1..pos + 1 + close].to_string();
                pos += close + 2;
                Tok::Lit(Value::String(value))
            }
            '\'' => {
                let mut chars = text[pos + 1..].chars();
                let (Some(ch), Some('\'')) = (chars.next(), chars.next()) else {
                    return Err(syntax(offset, "unsupported character constant"));
                };
                pos += 2 + ch.len_utf8();
                Tok::Lit(Value::from(ch as u32))
            }
            '.' if next.is_some_and(is_ident_start) => {
                let end = ident_end(text, pos + 1);
                let name = text[pos + 1..end].to_string();
                pos = end;
                Tok::Field(name)
            }
            '.' if next.is_some_and(|n| n.is_ascii_digit()) => {
                let (value, end) = lex_number(text, pos)?;
                pos = end;
                Tok::Lit(value)
            }
            '.' => {
                pos += 1;
                Tok::Dot
            }
            '$' => {
                let end = ident_end(text, pos + 1);
                let name = text[pos + 1..end].to_string();
                pos = end;
                Tok::Var(name)
            }
            '-' | '+' if next.is_some_and(|n| n.is_ascii_digit() || n == '.') => {
                let (value, end) = lex_number(text, pos)?;
                pos = end;
                Tok::Lit(value)
            }
            c if c.is_ascii_digit() => {
                let (value, end) = lex_number(text, pos)?;
                pos = end;
                Tok::Lit(value)
            }
            c if is_ident_start(c) => {
                let end = ident_end(text, pos);
                let word = &text[pos..end];
                pos = end;
                match word {
                    "true" => Tok::Lit(Value::Bool(true)),
                    "false" => Tok::Lit(Value::Bool(false)),
                    "nil" => Tok::Lit(Value::Null),
                    _ => Tok::Ident(word.to_string()),
                }
            }
            other => return Err(syntax(offset, format!("unexpected {other:?} in action"))),
        };
        tokens.push(Token {
            tok,
            offset,
            space_before,
        });
    }
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn ident_end(text: &str, from: usize) -> usize {
    let bytes = text.as_bytes();
    let mut end = from;
    while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_') {
        end += 1;
    }
    end
}

fn lex_quoted(text: &str, start: usize) -> Result<(String, usize), GoTemplateError> {
    let mut out = String::new();
    let mut chars = text[start + 1..].char_indices();
    while let Some((index, c)) = chars.next() {
        match c {
            '"' => return Ok((out, start + 1 + index + 1)),
            '\\' => {
                let Some((_, escaped)) = chars.next() else {
                    break;
                };
                match escaped {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    '\\' => out.push('\\'),
                    '"' => out.push('"'),
                    '\'' => out.push('\''),
                    'x' | 'u' | 'U' => {
                        let width = match escaped {
                            'x' => 2,
                            'u' => 4,
                            _ => 8,
                        };
                        let mut code = String::new();
                        for _ in 0..width {
                            if let Some((_, digit)) = chars.next() {
                                code.push(digit);
                            }
                        }
                        let ch = u32::from_str_radix(&code, 16)
                            .ok()
                            .and_then(char::from_u32)
                            .ok_or_else(|| syntax(start, "invalid escape in string"))?;
                        out.push(ch);
                    }
                    _ => return Err(syntax(start, "invalid escape in string")),
                }
            }
            '\n' => break,
            other => out.push(other),
        }
    }
    Err(syntax(start, "unterminated quoted string"))
}

fn lex_number(text: &str, start: usize) -> Result<(Value, usize), GoTemplateError> {
    let bytes = text.as_bytes();
    let mut end = start;
    if matches!(bytes[end], b'-' | b'+') {
        end += 1;
    }
    while end < bytes.len() {
        let b = bytes[end];
        let sign_after_exponent = matches!(b, b'-' | b'+')
            && matches!(bytes[end - 1], b'e' | b'E')
            && !text[start..end].contains(['x', 'X']);
        if b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || sign_after_exponent {
            end += 1;
        } else {
            break;
        }
    }
    let literal: String = text[start..end].chars().filter(|c| *c != '_').collect();
    let (negative, digits) = match literal.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, literal.trim_start_matches('+')),
    };
    let radix = if digits.starts_with("0x") || digits.starts_with("0X") {
        Some((16, &digits[2..]))
    } else if digits.starts_with("0o") || digits.starts_with("0O") {
        Some((8, &digits[2..]))
    } else if digits.starts_with("0b") || digits.starts_with("0B") {
        Some((2, &digits[2..]))
    } else {
        None
    };
    let bad = || syntax(start, format!("bad number syntax: {literal:?}"));
    let value = if let Some((radix, body)) = radix {
        let number = i64::from_str_radix(body, radix).map_err(|_| bad())?;
        Value::from(if negative { -number } else { number })
    } else if let Ok(number) = literal.trim_start_matches('+').parse::<i64>() {
        Value::from(number)
    } else {
        let number: f64 = literal.trim_start_matches('+').parse().map_err(|_| bad())?;
        serde_json::Number::from_f64(number)
            .map(Value::Number)
            .ok_or_else(bad)?
    };
    Ok((value, end))
}

/// Turns one action's tokens into an item (keyword or plain pipeline).
fn action_item(tokens: Vec<Token>, start: usize) -> Result<Item, GoTemplateError> {
    let keyword = match tokens.first() {
        Some(Token {
            tok: Tok::Ident(word),
            ..
        }) => word.as_str(),
        None => return Err(syntax(start, "missing value for command")),
        _ => "",
    };
    let pipeline_after = |skip: usize| -> Result<Pipeline, GoTemplateError> {
        let mut parser = Parser {
            tokens: &tokens[skip..],
            pos: 0,
            start,
            depth: 0,
        };
        let pipeline = parser.pipeline(true)?;
        if parser.pos != parser.tokens.len() {
            return Err(syntax(parser.offset(), "unexpected token in action"));
        }
        Ok(pipeline)
    };
    let second_is =
        |word: &str| matches!(tokens.get(1), Some(Token { tok: Tok::Ident(w), .. }) if w == word);
    Ok(match keyword {
        "if" => Item::If(pipeline_after(1)?),
        "with" => Item::With(pipeline_after(1)?),
        "range" => Item::Range(pipeline_after(1)?),
        "else" if second_is("if") => Item::ElseIf(pipeline_after(2)?),
        "else" if second_is("with") => Item::ElseWith(pipeline_after(2)?),
        "else" if tokens.len() == 1 => Item::Else(start),
        "end" if tokens.len() == 1 => Item::End(start),
        "else" | "end" => return Err(syntax(start, format!("unexpected tokens after {keyword}"))),
        "define" | "template" | "block" | "break" | "continue" => {
            return Err(syntax(start, format!("{{{{{keyword}}}}} is not supported")));
        }
        _ => Item::Action(pipeline_after(0)?),
    })
}

struct Parser<'t> {
    tokens: &'t [Token],
    pos: usize,
    start: usize,
    /// Parentheses open around the current operand.
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos).map(|token| &token.tok)
    }

    fn offset(&self) -> usize {
        self.tokens
            .get(self.pos)
            .map_or(self.start, |token| token.offset)
    }

    fn pipeline(&mut self, allow_decl: bool) -> Result<Pipeline, GoTemplateError> {
        let mut decl = Vec::new();
        let mut assign = false;
        if allow_decl {
            let save = self.pos;
            let mut names = Vec::new();
            while let Some(Tok::Var(name)) = self.peek() {
                names.push(name.clone());
                self.pos += 1;
                match self.peek() {
                    Some(Tok::Comma) if names.len() == 1 => self.pos += 1,
                    Some(Tok::Declare) => {
                        self.pos += 1;
                        decl = names;
                        break;
                    }
                    Some(Tok::Assign) => {
                        self.pos += 1;
                        decl = names;
                        assign = true;
                        break;
                    }
                    _ => {
                        self.pos = save;
                        break;
                    }
                }
            }
            if decl.is_empty() {
                self.pos = save;
            }
        }
        let mut commands = vec![self.command()?];
        while let Some(Tok::Pipe) = self.peek() {
            self.pos += 1;
            commands.push(self.command()?);
        }
        Ok(Pipeline {
            decl,
            assign,
            commands,
        })
    }

    fn command(&mut self) -> Result<Command, GoTemplateError> {
        let mut operands = Vec::new();
        while let Some(tok) = self.peek() {
            if matches!(tok, Tok::Pipe | Tok::RParen) {
                break;
            }
            operands.push(self.operand()?);
        }
        if operands.is_empty() {
            return Err(syntax(self.offset(), "missing value for command"));
        }
        Ok(Command { operands })
    }

    fn operand(&mut self) -> Result<Operand, GoTemplateError> {
        let offset = self.offset();
        let Some(token) = self.tokens.get(self.pos) else {
            return Err(syntax(offset, "missing operand"));
        };
        self.pos += 1;
        let mut fields = Vec::new();
        let term = match &token.tok {
            Tok::Dot => Term::Dot,
            Tok::Field(name) => {
                fields.push(name.clone());
                Term::Dot
            }
            Tok::Var(name) => Term::Var(name.clone()),
            Tok::Ident(name) => {
                if !funcs::exists(name) {
                    return Err(GoTemplateError::UnknownFunction { name: name.clone() });
                }
                Term::Func(name.clone())
            }
            Tok::Lit(value) => Term::Lit(value.clone()),
            Tok::LParen => {
                if self.depth >= MAX_NESTING {
                    return Err(syntax(
                        offset,
                        format!("parentheses nested more than {MAX_NESTING} deep"),
                    ));
                }
                self.depth += 1;
                let inner = self.pipeline(true)?;
                self.depth -= 1;
                if self.peek() != Some(&Tok::RParen) {
                    return Err(syntax(self.offset(), "unclosed left paren"));
                }
                self.pos += 1;
                Term::Sub(Box::new(inner))
            }
            _ => return Err(syntax(offset, "unexpected token in operand")),
        };
        while let Some(Token {
            tok: Tok::Field(name),
            space_before: false,
            ..
        }) = self.tokens.get(self.pos)
        {
            fields.push(name.clone());
            self.pos += 1;
        }
        Ok(Operand { term, fields })
    }
}
