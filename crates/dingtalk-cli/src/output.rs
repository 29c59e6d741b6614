//! Printing results: JSON exactly as the API returns it, or a table for people.

use std::io::Write;

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
fn object_table(items: &[Value], indent: &str, out: &mut String) {
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
        .map(|(i, c)| rows.iter().map(|r| width(&r[i])).max().unwrap_or(0).max(width(c)))
        .collect();
    let line = |cells: Vec<String>| {
        let text: Vec<String> = cells.iter().zip(&widths).map(|(c, w)| pad(c, *w)).collect();
        format!("{indent}{}\n", text.join("  ").trim_end())
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

/// Display columns of a text in a terminal: CJK and other wide characters take two, combining
/// marks none (DingTalk's data is mostly Chinese).
pub fn width(text: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(text)
}

/// `text` followed by spaces up to `columns` display columns.
pub fn pad(text: &str, columns: usize) -> String {
    let mut out = text.to_owned();
    out.extend(std::iter::repeat_n(' ', columns.saturating_sub(width(text))));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_line_up_with_chinese_text() {
        let items = serde_json::json!([{"name": "张三", "dept": "销售部"}, {"name": "Li Si", "dept": "R&D"}]);
        let table = value_table(&items);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines, ["NAME   DEPT", "张三   销售部", "Li Si  R&D"]);
        // Each column starts at the same display column on every line.
        let dept_at = |line: &str| width(&line[..line.find(['销', 'R', 'D']).unwrap()]);
        assert_eq!(dept_at(lines[1]), dept_at(lines[2]));
        assert_eq!(pad("中文", 5), "中文 ");
        assert_eq!(width("中文ab"), 6);
    }
}
