//! Printing results: JSON exactly as the API returns it, or a table for people.

use std::io::Write;

use dingtalk_oapi::{ExtContact, OpenLabelGroup};
use serde::Serialize;

use crate::{Failure, exit};

/// Prints a value as pretty JSON on stdout.
pub fn json<T: Serialize>(value: &T) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Failure { code: exit::TRANSPORT, message: format!("cannot print JSON: {e}") })?;
    print_line(&text)
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
