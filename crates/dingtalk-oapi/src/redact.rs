//! Keeping secrets out of `Debug`, `Display`, logs and errors.

use std::fmt;

/// Shows `<redacted>` in place of a value (or `None` when there is none).
pub struct Redacted<'a, T>(&'a T);

impl<'a, T> Redacted<'a, T> {
    pub fn of(value: &'a T) -> Self {
        Redacted(value)
    }
}

impl<T> fmt::Debug for Redacted<'_, Option<T>> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(_) => f.write_str("Some(<redacted>)"),
            None => f.write_str("None"),
        }
    }
}

impl fmt::Debug for Redacted<'_, String> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// A secret string: app secret, suite secret, signature. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Replaces every occurrence of each secret in `text` with `<redacted>`, and any
/// `access_token=…` / `appsecret=…` / `signature=…` query value whatever it is.
pub fn scrub(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_owned();
    for s in secrets.iter().filter(|s| s.len() >= 4) {
        out = out.replace(*s, "<redacted>");
    }
    for key in ["access_token=", "appsecret=", "signature=", "corpsecret=", "suiteTicket="] {
        let mut from = 0;
        while let Some(pos) = out[from..].find(key) {
            let start = from + pos + key.len();
            let end = out[start..].find(['&', ' ', '"', '\'', ')', '\n']).map_or(out.len(), |e| start + e);
            if &out[start..end] != "<redacted>" {
                out.replace_range(start..end, "<redacted>");
            }
            from = start + "<redacted>".len().min(out.len() - start);
        }
    }
    out
}

/// The first `max` characters of a body, printable, on one line, with secrets scrubbed.
pub fn snippet(body: &[u8], max: usize, secrets: &[&str]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out: String = text.chars().take(max).map(|c| if c.is_control() { ' ' } else { c }).collect();
    if text.chars().count() > max {
        out.push('…');
    }
    scrub(out.trim(), secrets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrubs_known_secrets_and_token_parameters() {
        let s = scrub("GET /x?access_token=abcd1234&size=1 secretvalue", &["secretvalue"]);
        assert_eq!(s, "GET /x?access_token=<redacted>&size=1 <redacted>");
        assert_eq!(scrub("access_token=", &[]), "access_token=<redacted>");
    }

    #[test]
    fn snippets_are_short_single_line_and_scrubbed() {
        let s = snippet(b"<html>\n<body>token tok123456 here</body></html>", 30, &["tok123456"]);
        assert!(!s.contains('\n'));
        assert!(!s.contains("tok123456"));
        assert!(s.ends_with('…'));
    }
}
