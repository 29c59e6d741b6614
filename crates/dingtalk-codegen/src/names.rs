//! Rust names from spec names: case conversion, sanitising and keyword escaping.

use heck::{ToSnakeCase, ToUpperCamelCase};
use proc_macro2::{Ident, Span};

/// Words that are reserved in Rust 2024 and need `r#` (or, for the few that cannot be raw, a suffix).
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern", "false", "fn",
    "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self",
    "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where", "while", "abstract",
    "become", "box", "do", "final", "macro", "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];
const NOT_RAW: &[&str] = &["crate", "self", "Self", "super", "_"];

/// A type name without the group qualifier the loader gives types of `by_group` groups
/// (`contact_1_0::GetUserResponseBody` → `GetUserResponseBody`).
pub fn bare(name: &str) -> &str {
    name.rsplit("::").next().unwrap_or(name)
}

/// The snake_case form of `text`, with characters an identifier cannot hold replaced by `_`
/// (and `_` before a leading digit).
pub fn snake(text: &str) -> String {
    sanitize(&text.to_snake_case())
}

/// The UpperCamelCase form of `text`, with characters an identifier cannot hold replaced by `_`
/// (and `_` before a leading digit).
pub fn upper_camel(text: &str) -> String {
    sanitize(&text.to_upper_camel_case())
}

fn sanitize(text: &str) -> String {
    let mut out: String = text.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

/// Whether `text` is already a snake_case identifier (lowercase ASCII, digits and `_`, not `_`
/// alone).
pub fn is_snake_ident(text: &str) -> bool {
    !text.is_empty()
        && text.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && text.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && text != "_"
}

/// Whether `text` is already an UpperCamelCase identifier (ASCII letters and digits, in that case).
pub fn is_upper_camel_ident(text: &str) -> bool {
    text.starts_with(|c: char| c.is_ascii_uppercase())
        && text.chars().all(|c| c.is_ascii_alphanumeric())
        && text.to_upper_camel_case() == text
}

/// The Rust field name for a wire name: snake_case, with keywords escaped.
pub fn field_name(wire: &str) -> String {
    snake(wire)
}

/// An identifier token, raw (`r#type`) for keywords, suffixed (`self_`) where raw is not allowed.
pub fn ident(name: &str) -> Ident {
    if NOT_RAW.contains(&name) {
        Ident::new(&format!("{name}_"), Span::call_site())
    } else if KEYWORDS.contains(&name) {
        Ident::new_raw(name, Span::call_site())
    } else {
        Ident::new(name, Span::call_site())
    }
}

/// The name serde sees for an identifier made by [`ident`] (raw identifiers lose their `r#`).
pub fn serde_name(name: &str) -> String {
    if NOT_RAW.contains(&name) { format!("{name}_") } else { name.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_and_odd_wire_names_become_identifiers() {
        assert_eq!(ident("type").to_string(), "r#type");
        assert_eq!(ident("self").to_string(), "self_");
        assert_eq!(field_name("request_id"), "request_id");
        assert_eq!(field_name("userId"), "user_id");
        assert_eq!(field_name("x-trace"), "x_trace");
        assert_eq!(field_name("2fa"), "_2fa");
        assert!(is_upper_camel_ident("OpenLabelGroup"));
        assert!(!is_upper_camel_ident("openLabelGroup"));
        assert!(is_snake_ident("extcontact"));
    }
}
