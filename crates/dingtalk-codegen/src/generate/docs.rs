//! Rustdoc text from spec descriptions.

use crate::model::{Field, ParamType};

/// Splits text into `///` lines (each with the leading space rustdoc expects).
pub fn lines(text: &str) -> Vec<String> {
    let text = text.trim();
    if text.is_empty() {
        return Vec::new();
    }
    text.lines().map(|l| if l.is_empty() { String::new() } else { format!(" {}", l.trim_end()) }).collect()
}

/// Joins paragraphs, skipping empty ones.
pub fn paragraphs(parts: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for part in parts.iter().filter(|p| !p.trim().is_empty()) {
        if !out.is_empty() {
            out.push(String::new());
        }
        out.extend(lines(part));
    }
    out
}

/// A field's documentation: its description, wire name, constraints and example.
pub fn field(f: &Field) -> Vec<String> {
    let mut facts = Vec::new();
    if f.rust_name.is_some() || crate::names::field_name(&f.name) != f.name {
        facts.push(format!("Wire name `{}`.", f.name));
    }
    if f.required {
        facts.push("Required.".to_owned());
    }
    let c = &f.constraints;
    match (c.min, c.max) {
        (Some(min), Some(max)) => facts.push(format!("From {min} to {max}.")),
        (Some(min), None) => facts.push(format!("At least {min}.")),
        (None, Some(max)) => facts.push(format!("At most {max}.")),
        (None, None) => {}
    }
    if let Some(n) = c.max_length {
        facts.push(format!("At most {n} characters."));
    }
    if let Some(n) = c.max_items {
        facts.push(format!("At most {n} items."));
    }
    if let Some(n) = c.max_json_bytes {
        facts.push(format!("At most {n} bytes as JSON."));
    }
    if let Some(n) = c.max_bytes {
        facts.push(format!("At most {n} bytes, checked before it is read."));
    }
    if let Some(by) = &c.max_bytes_by {
        let limits: Vec<String> = by.limits.iter().map(|(v, n)| format!("{n} when `{}` is `{v}`", by.param)).collect();
        facts.push(format!("At most {}.", limits.join(", ")));
    }
    if f.comma {
        facts.push("Sent as one comma-separated string.".to_owned());
    }
    if f.secret {
        facts.push("Secret: redacted from `Debug` output.".to_owned());
    }
    if let Some((_, example)) = &f.example {
        facts.push(format!("Example: `{example}`."));
    }
    if f.description.is_empty() {
        // No prose to keep apart: the type and the facts on one line.
        facts.insert(0, describe_type(&f.ty));
        return lines(&facts.join(" "));
    }
    paragraphs(&[f.description.clone(), facts.join(" ")])
}

fn describe_type(ty: &ParamType) -> String {
    format!("A `{}` value.", spelling(ty))
}

/// The spec spelling with bare type names: types of a `by_group` group are qualified in the
/// model (`crm_1_0::X`), and the docs are read inside the group, where `X` is the type.
fn spelling(ty: &ParamType) -> String {
    match ty {
        ParamType::List(inner) => format!("list<{}>", spelling(inner)),
        ParamType::Named(name) => crate::names::bare(name).to_owned(),
        other => other.spelling(),
    }
}
