//! Printing results: JSON exactly as the API returns it, or a table for people.

use std::io::Write;

use dingtalk_oapi::{ExtContact, OpenLabelGroup};
use serde::Serialize;
use serde_json::Value;

use crate::{Failure, exit};

/// Prints a value as pretty JSON on stdout.
pub fn json<T: Serialize>(value: &T) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Failure { code: exit::TRANSPORT, message: format!("cannot print JSON: {e}") })?;
    print_line(&text)
}

/// Prints text as it is (a table ends with its own newline).
pub fn print(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    Ok(())
}

/// Any response for people: scalars as `name: value`, lists of objects as tables with a column
/// per member, nested objects indented. Members keep their wire names.
pub fn value_table(value: &Value) -> String {
    let mut out = String::new();
    render(value, 0, &mut out);
    if out.is_empty() {
        out.push_str("(empty)\n");
    }
    out
}

fn render(value: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match v {
                    Value::Object(_) => {
                        out.push_str(&format!("{pad}{key}:\n"));
                        render(v, indent + 2, out);
                    }
                    Value::Array(items) if items.iter().any(Value::is_object) => {
                        out.push_str(&format!("{pad}{key}: {} item(s)\n", items.len()));
                        render(v, indent + 2, out);
                    }
                    other => out.push_str(&format!("{pad}{key}: {}\n", cell(other))),
                }
            }
        }
        Value::Array(items) if items.iter().all(Value::is_object) => {
            if items.is_empty() {
                out.push_str(&format!("{pad}(no items)\n"));
            } else if items.iter().flat_map(|i| i.as_object().into_iter().flat_map(|m| m.values())).all(is_flat) {
                object_table(items, &pad, out);
            } else {
                // Items with nested objects: one block each, nested tables indented.
                for (i, item) in items.iter().enumerate() {
                    out.push_str(&format!("{pad}[{i}]\n"));
                    render(item, indent + 2, out);
                }
            }
        }
        other => out.push_str(&format!("{pad}{}\n", cell(other))),
    }
}

/// Whether a value fits in one cell: a scalar or a list of scalars.
fn is_flat(value: &Value) -> bool {
    match value {
        Value::Object(_) => false,
        Value::Array(items) => !items.iter().any(|v| v.is_object() || v.is_array()),
        _ => true,
    }
}

/// Objects of scalars as a table, a column per member in first-seen order.
fn object_table(items: &[Value], pad: &str, out: &mut String) {
    let mut columns: Vec<&str> = Vec::new();
    for item in items {
        for key in item.as_object().into_iter().flat_map(|m| m.keys()) {
            if !columns.contains(&key.as_str()) {
                columns.push(key);
            }
        }
    }
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|item| columns.iter().map(|c| item.get(*c).map_or_else(String::new, cell)).collect())
        .collect();
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0).max(c.chars().count()))
        .collect();
    let line = |cells: Vec<String>| {
        let text: Vec<String> = cells.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        format!("{pad}{}\n", text.join("  ").trim_end())
    };
    out.push_str(&line(columns.iter().map(|c| c.to_uppercase()).collect()));
    for row in rows {
        out.push_str(&line(row));
    }
}

/// One value in one cell: strings bare, lists of scalars comma-separated, the rest as JSON.
fn cell(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "-".to_owned(),
        Value::Array(items) if !items.iter().any(|v| v.is_object() || v.is_array()) => {
            items.iter().map(cell).collect::<Vec<_>>().join(", ")
        }
        other => other.to_string(),
    }
}

fn print_line(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    // A closed pipe (`| head`) is not an error worth a message.
    let _ = writeln!(out, "{text}");
    Ok(())
}

/// `#RRGGBB` of a signed ARGB colour (DingTalk sends e.g. -15220075 for 0xFF17C295).
pub fn rgb_hex(argb: i64) -> String {
    format!("#{:06X}", (argb as u64) & 0x00FF_FFFF)
}

/// The label groups as a table: each group with its colour, then its labels with ids.
pub fn label_groups_table(groups: &[OpenLabelGroup]) -> String {
    let mut out = String::new();
    if groups.is_empty() {
        out.push_str("(no label groups)\n");
    }
    for (i, g) in groups.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let name = g.name.as_deref().unwrap_or("(unnamed)");
        match g.color {
            Some(c) => out.push_str(&format!("{name}  color {c} {}\n", rgb_hex(c))),
            None => out.push_str(&format!("{name}\n")),
        }
        let width = g.labels.iter().map(|l| l.id.map_or(1, |id| id.to_string().len())).max().unwrap_or(2).max(2);
        out.push_str(&format!("  {:<width$}  LABEL\n", "ID"));
        for l in &g.labels {
            let id = l.id.map_or_else(|| "-".to_owned(), |id| id.to_string());
            out.push_str(&format!("  {id:<width$}  {}\n", l.name.as_deref().unwrap_or("")));
        }
    }
    out
}

/// External contacts, one per line.
pub fn contacts_table(contacts: &[ExtContact]) -> String {
    if contacts.is_empty() {
        return "(no external contacts)\n".to_owned();
    }
    let rows: Vec<[String; 5]> = contacts
        .iter()
        .map(|c| {
            let text = |v: &Option<String>| v.clone().unwrap_or_default();
            let labels = c.label_ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
            [text(&c.userid), text(&c.name), text(&c.mobile), text(&c.company_name), labels]
        })
        .collect();
    let header = ["USERID", "NAME", "MOBILE", "COMPANY", "LABELS"].map(str::to_owned);
    let mut widths = header.clone().map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let cells: Vec<String> = row.iter().zip(widths).map(|(c, w)| format!("{c:<w$}")).collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// One external contact, a field per line.
pub fn contact_details(c: &ExtContact) -> String {
    let join_ids = |ids: &[i64]| ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let fields = [
        ("userid", c.userid.clone()),
        ("name", c.name.clone()),
        ("mobile", c.mobile.clone()),
        ("state_code", c.state_code.clone()),
        ("follower_user_id", c.follower_user_id.clone()),
        ("label_ids", Some(join_ids(&c.label_ids))),
        ("share_dept_ids", Some(join_ids(&c.share_dept_ids))),
        ("share_user_ids", Some(c.share_user_ids.join(","))),
        ("title", c.title.clone()),
        ("address", c.address.clone()),
        ("remark", c.remark.clone()),
        ("company_name", c.company_name.clone()),
        ("email", c.email.clone()),
    ];
    let mut out = String::new();
    for (name, value) in fields {
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            out.push_str(&format!("{name:<17} {v}\n"));
        }
    }
    out
}

pub fn table(text: &str) -> Result<(), Failure> {
    print_line(text.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_are_argb() {
        assert_eq!(rgb_hex(-15220075), "#17C295");
        assert_eq!(rgb_hex(-11687445), "#4DA9EB");
        assert_eq!(rgb_hex(-543394), "#F7B55E");
    }
}
