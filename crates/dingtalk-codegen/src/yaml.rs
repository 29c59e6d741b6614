//! A small spanned YAML tree, built from `saphyr-parser` events.
//!
//! The spec reader needs three things a generic deserializer does not give together: the
//! line and column of every value, all problems of a file in one run, and hard limits so that
//! no input (alias bombs, deep nesting, huge files) can exhaust memory or hang. The tree keeps
//! every value with its location, refuses anchors and aliases outright, rejects duplicate
//! keys, and stops at fixed depth and size limits.

use std::borrow::Cow;

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

use crate::diag::{Diagnostic, Location};

/// Deepest nesting of mappings and sequences a spec file may use.
pub const MAX_DEPTH: usize = 32;
/// Most YAML nodes one spec file may hold.
pub const MAX_NODES: usize = 200_000;
/// Largest spec file accepted, in bytes.
pub const MAX_FILE_BYTES: usize = 4 * 1024 * 1024;

/// A YAML value with the place it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Where the value starts.
    pub loc: Location,
    /// The value.
    pub value: Value,
}

/// A YAML value: a scalar, a sequence or a mapping.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A scalar (text, number, boolean or null).
    Scalar(Scalar),
    /// A sequence, in source order.
    Seq(Vec<Node>),
    /// Keys in source order; duplicates have already been rejected.
    Map(Vec<(Key, Node)>),
}

/// A mapping's key (a scalar, kept as its text) with the place it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    /// The key's text.
    pub name: String,
    /// Where the key was written.
    pub loc: Location,
}

/// A scalar as written, with how YAML 1.2's core schema resolves a plain scalar.
#[derive(Debug, Clone, PartialEq)]
pub struct Scalar {
    /// The text, with quotes, escapes and block indentation already resolved.
    pub text: String,
    /// `true` for plain (unquoted) scalars, which may resolve to numbers, booleans or null.
    pub plain: bool,
    /// For `|` and `>` block scalars: the line and column (1-based) where the text starts.
    pub block: Option<(usize, usize)>,
}

/// What a scalar means under the YAML 1.2 core schema.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolved<'a> {
    /// `null`, `~` or an empty plain scalar.
    Null,
    /// `true` or `false` (or their capitalised forms).
    Bool(bool),
    /// A whole number that fits an `i64`.
    Int(i64),
    /// A number with a fraction or an exponent, or a whole number too large for an `i64`.
    Float(f64),
    /// Anything else, and every quoted or block scalar.
    Str(&'a str),
}

impl Scalar {
    /// What the scalar means: a quoted or block scalar is always a string.
    pub fn resolve(&self) -> Resolved<'_> {
        if !self.plain {
            return Resolved::Str(&self.text);
        }
        let t = self.text.as_str();
        match t {
            "" | "~" | "null" | "Null" | "NULL" => return Resolved::Null,
            "true" | "True" | "TRUE" => return Resolved::Bool(true),
            "false" | "False" | "FALSE" => return Resolved::Bool(false),
            _ => {}
        }
        if let Some(i) = parse_int(t) {
            return Resolved::Int(i);
        }
        if looks_like_float(t)
            && let Ok(f) = t.parse::<f64>()
        {
            return Resolved::Float(f);
        }
        Resolved::Str(t)
    }
}

fn parse_int(t: &str) -> Option<i64> {
    let (neg, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let v: i128 = digits.parse().ok()?;
    let v = if neg { -v } else { v };
    i64::try_from(v).ok()
}

fn looks_like_float(t: &str) -> bool {
    let body = t.trim_start_matches(['-', '+']);
    !body.is_empty()
        && body.bytes().any(|b| b.is_ascii_digit())
        && body.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'))
}

impl Value {
    /// What the value is, for messages (`a string`, `a list`, `a mapping`, …).
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Scalar(s) => match s.resolve() {
                Resolved::Null => "null",
                Resolved::Bool(_) => "a boolean",
                Resolved::Int(_) => "an integer",
                Resolved::Float(_) => "a number",
                Resolved::Str(_) => "a string",
            },
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

fn loc(path: &str, span: &Span) -> Location {
    Location::new(path, span.start.line(), span.start.col() + 1)
}

/// Checks the raw bytes of a spec file: size, UTF-8 and emptiness.
pub fn decode_text<'a>(path: &str, bytes: &'a [u8]) -> Result<&'a str, Diagnostic> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(Diagnostic::new(
            Location::new(path, 1, 1),
            format!(
                "file is {} bytes; a spec file may be at most {} bytes (split the endpoint into several files)",
                bytes.len(),
                MAX_FILE_BYTES
            ),
        ));
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(e) => {
            let good = &bytes[..e.valid_up_to()];
            let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
            let line_start = good.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
            let column = String::from_utf8_lossy(&good[line_start..]).chars().count() + 1;
            Err(Diagnostic::new(
                Location::new(path, line, column),
                format!("invalid UTF-8 (byte 0x{:02x}); spec files must be UTF-8 text", bytes[e.valid_up_to()]),
            ))
        }
    }
}

enum Frame {
    Seq(Location, Vec<Node>),
    Map(Location, Vec<(Key, Node)>, Option<Key>),
}

/// Parses one YAML document into a [`Node`] tree.
///
/// Returns every problem it can attribute a location to; a YAML syntax error ends the
/// reading of that file, as the rest of it cannot be trusted.
pub fn parse(path: &str, text: &str) -> Result<Node, Vec<Diagnostic>> {
    let mut diags = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Node> = None;
    let mut nodes = 0usize;
    let mut documents = 0usize;

    for event in Parser::new_from_str(text) {
        let (event, span) = match event {
            Ok(ev) => ev,
            Err(e) => {
                let m = e.marker();
                diags.push(Diagnostic::new(
                    Location::new(path, m.line(), m.col() + 1),
                    format!("YAML syntax error: {}", e.info()),
                ));
                return Err(diags);
            }
        };
        let here = loc(path, &span);
        let (anchor, tag) = match &event {
            Event::Scalar(_, _, anchor, tag) | Event::SequenceStart(anchor, tag) | Event::MappingStart(anchor, tag) => {
                (*anchor, tag.as_ref().map(|t| t.to_string()))
            }
            _ => (0, None),
        };
        if anchor != 0 {
            diags.push(Diagnostic::new(
                here.clone(),
                "anchors (`&name`) are not allowed in spec files; write the value out in full",
            ));
        }
        if let Some(tag) = tag {
            diags.push(Diagnostic::new(
                here.clone(),
                format!("YAML tags such as `{tag}` are not allowed in spec files; remove the tag"),
            ));
        }
        let node = match event {
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => continue,
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    diags.push(Diagnostic::new(
                        here,
                        "a spec file holds exactly one YAML document; remove the second `---`",
                    ));
                    return Err(diags);
                }
                continue;
            }
            Event::Alias(_) => {
                diags.push(Diagnostic::new(
                    here,
                    "aliases (`*name`) are not allowed in spec files; write the value out in full",
                ));
                return Err(diags);
            }
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                if stack.len() >= MAX_DEPTH {
                    diags.push(Diagnostic::new(
                        here,
                        format!("nesting deeper than {MAX_DEPTH} levels; a spec never needs this much"),
                    ));
                    return Err(diags);
                }
                if matches!(event, Event::SequenceStart(..)) {
                    stack.push(Frame::Seq(here, Vec::new()));
                } else {
                    stack.push(Frame::Map(here, Vec::new(), None));
                }
                continue;
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq(l, items)) => Node { loc: l, value: Value::Seq(items) },
                _ => unreachable_frame(path, &mut diags, here)?,
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map(l, entries, _)) => Node { loc: l, value: Value::Map(entries) },
                _ => unreachable_frame(path, &mut diags, here)?,
            },
            Event::Scalar(text, style, _, _) => {
                let text = match text {
                    Cow::Borrowed(s) => s.to_owned(),
                    Cow::Owned(s) => s,
                };
                let block = matches!(style, ScalarStyle::Literal | ScalarStyle::Folded).then(|| {
                    // saphyr-parser starts a block scalar's span at its first non-blank line of
                    // text, at the block's indentation (not at the `|` or `>` indicator); blank
                    // lines before it are the leading newlines of the text.
                    let blank = text.bytes().take_while(|&b| b == b'\n').count();
                    (here.line.saturating_sub(blank).max(1), here.column)
                });
                Node { loc: here, value: Value::Scalar(Scalar { text, plain: style == ScalarStyle::Plain, block }) }
            }
        };
        nodes += 1;
        if nodes > MAX_NODES {
            diags.push(Diagnostic::new(
                node.loc,
                format!("more than {MAX_NODES} YAML values in one file; split the spec"),
            ));
            return Err(diags);
        }
        match stack.last_mut() {
            None => root = Some(node),
            Some(Frame::Seq(_, items)) => items.push(node),
            Some(Frame::Map(_, entries, pending)) => match pending.take() {
                None => match &node.value {
                    Value::Scalar(s) => {
                        let key = Key { name: s.text.clone(), loc: node.loc.clone() };
                        if let Some((first, _)) = entries.iter().find(|(k, _)| k.name == key.name) {
                            diags.push(Diagnostic::new(
                                key.loc.clone(),
                                format!(
                                    "duplicate key `{}` (first written at line {}); keep one of them",
                                    key.name, first.loc.line
                                ),
                            ));
                        }
                        *pending = Some(key);
                    }
                    _ => {
                        diags.push(Diagnostic::new(
                            node.loc.clone(),
                            format!("mapping keys must be plain names, found {}", node.value.kind()),
                        ));
                        *pending = Some(Key { name: String::new(), loc: node.loc.clone() });
                    }
                },
                Some(key) => {
                    if !entries.iter().any(|(k, _)| k.name == key.name) && !key.name.is_empty() {
                        entries.push((key, node));
                    }
                }
            },
        }
    }
    match root {
        Some(root) if diags.is_empty() => Ok(root),
        Some(_) => Err(diags),
        None => {
            diags.push(Diagnostic::new(
                Location::new(path, 1, 1),
                "the file is empty; a spec file holds one `service:`, `operation:` or `types:` mapping",
            ));
            Err(diags)
        }
    }
}

fn unreachable_frame(path: &str, diags: &mut Vec<Diagnostic>, here: Location) -> Result<Node, Vec<Diagnostic>> {
    let _ = path;
    diags.push(Diagnostic::new(here, "unbalanced YAML structure"));
    Err(std::mem::take(diags))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_core_schema_scalars() {
        let s = |t: &str| Scalar { text: t.into(), plain: true, block: None };
        assert_eq!(s("20").resolve(), Resolved::Int(20));
        assert_eq!(s("-15220075").resolve(), Resolved::Int(-15220075));
        assert_eq!(s("1.5").resolve(), Resolved::Float(1.5));
        assert_eq!(s("true").resolve(), Resolved::Bool(true));
        assert_eq!(s("~").resolve(), Resolved::Null);
        assert_eq!(s("isp.-1").resolve(), Resolved::Str("isp.-1"));
        assert_eq!(s("99999999999999999999").resolve(), Resolved::Float(1e20));
        assert_eq!(Scalar { text: "20".into(), plain: false, block: None }.resolve(), Resolved::Str("20"));
    }

    #[test]
    fn deep_nesting_is_refused_without_recursion() {
        let err = parse("deep.yaml", &"[".repeat(100_000)).unwrap_err();
        assert_eq!(err.len(), 1, "{err:?}");
        let mut text = String::new();
        for depth in 0..40 {
            text.push_str(&format!("{}k{depth}:\n", "  ".repeat(depth)));
        }
        let err = parse("deep.yaml", &text).unwrap_err();
        assert!(err[0].message.contains("nesting deeper than 32"), "{err:?}");
    }

    #[test]
    fn duplicate_keys_are_reported_with_both_lines() {
        let err = parse("d.yaml", "a: 1\nb: 2\na: 3\n").unwrap_err();
        assert_eq!(err[0].loc.line, 3);
        assert!(err[0].message.contains("first written at line 1"));
    }
}
