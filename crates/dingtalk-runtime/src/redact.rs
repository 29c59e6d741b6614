//! Keeping secrets out of `Debug`, `Display`, logs and errors.

use std::fmt;

/// Shows `<redacted>` in place of a value (or `None` when there is none).
pub struct Redacted<'a, T>(&'a T);

impl<'a, T> Redacted<'a, T> {
    /// Shows `value` as `<redacted>`.
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
    /// Keeps `value` secret.
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

/// Parameter and field names whose values are always secret, whatever the operation.
const SECRET_KEYS: &[&str] = &[
    "access_token",
    "accessToken",
    "appsecret",
    "app_secret",
    "appSecret",
    "corpsecret",
    "signature",
    "suiteTicket",
    "suite_ticket",
    "suite_secret",
    "suiteSecret",
];

/// Replaces every occurrence of each secret in `text` with `<redacted>`, and the value of every
/// secret-named key, written as a query parameter (`access_token=…`) or a JSON member
/// (`"access_token": "…"`), whatever the value is. `keys` adds names to the built-in ones.
pub fn scrub(text: &str, secrets: &[&str], keys: &[&str]) -> String {
    let mut out = text.to_owned();
    for s in secrets.iter().filter(|s| s.len() >= 4) {
        out = out.replace(*s, "<redacted>");
    }
    for key in SECRET_KEYS.iter().chain(keys) {
        out = redact_after(&out, &format!("{key}="), query_value_span);
        out = redact_after(&out, &format!("\"{key}\""), json_value_span);
    }
    out
}

/// Redacts the value that follows each `marker`; `span` gives where, in the text after the
/// marker, the value starts and ends (`None`: there is no value to redact).
fn redact_after(text: &str, marker: &str, span: impl Fn(&str) -> Option<(usize, usize)>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find(marker) {
        let after = pos + marker.len();
        out.push_str(&rest[..after]);
        rest = &rest[after..];
        if let Some((start, end)) = span(rest).filter(|(start, end)| end > start && &rest[*start..*end] != "<redacted>")
        {
            out.push_str(&rest[..start]);
            out.push_str("<redacted>");
            rest = &rest[end..];
        }
    }
    out.push_str(rest);
    out
}

/// After `key=`: the value, up to the next delimiter.
fn query_value_span(rest: &str) -> Option<(usize, usize)> {
    Some((0, rest.find(['&', ' ', '"', '\'', ')', '\n']).unwrap_or(rest.len())))
}

/// After a JSON key: the value of `: "value"` (inside the quotes) or of `: 123`.
fn json_value_span(rest: &str) -> Option<(usize, usize)> {
    let colon = rest.find(|c: char| !c.is_whitespace())?;
    if !rest[colon..].starts_with(':') {
        return None;
    }
    let value = colon + 1 + rest[colon + 1..].find(|c: char| !c.is_whitespace())?;
    if rest[value..].starts_with('"') {
        let mut escaped = false;
        for (i, c) in rest[value + 1..].char_indices() {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => return Some((value + 1, value + 1 + i)),
                _ => escaped = false,
            }
        }
        Some((value + 1, rest.len()))
    } else {
        Some((value, rest[value..].find([',', '}', ']', ' ', '\n']).map_or(rest.len(), |e| value + e)))
    }
}

/// The first `max` characters of a body, printable, on one line, with secrets scrubbed. The
/// text is scrubbed before it is cut, so a secret across the cut does not leave a prefix.
pub fn snippet(body: &[u8], max: usize, secrets: &[&str], keys: &[&str]) -> String {
    let head = &body[..body.len().min(max * 4 + 1024)];
    let text = scrub(&String::from_utf8_lossy(head), secrets, keys);
    let mut out: String = text.chars().take(max).map(|c| if c.is_control() { ' ' } else { c }).collect();
    if text.chars().count() > max || head.len() < body.len() {
        out.push('…');
    }
    out.trim().to_owned()
}

/// The headers of an answer with every value that holds a secret (an echoed token, a
/// `Location` carrying `access_token=…`) scrubbed, and values that are not text dropped from
/// view (`<binary>`), so that an error's `Debug` output can show them.
pub fn scrub_headers(headers: &http::HeaderMap, secrets: &[&str], keys: &[&str]) -> http::HeaderMap {
    let mut out = http::HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        let clean = match value.to_str() {
            Ok(text) => {
                let scrubbed = scrub(text, secrets, keys);
                if scrubbed == text {
                    value.clone()
                } else {
                    http::HeaderValue::from_str(&scrubbed).unwrap_or(http::HeaderValue::from_static("<redacted>"))
                }
            }
            Err(_) => http::HeaderValue::from_static("<binary>"),
        };
        out.append(name.clone(), clean);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_lose_their_secrets() {
        let mut headers = http::HeaderMap::new();
        headers.insert("location", http::HeaderValue::from_static("https://x/gettoken?access_token=abcd1234&a=1"));
        headers.insert("x-echo", http::HeaderValue::from_static("tok-SECRET-1"));
        headers.insert("x-acs-request-id", http::HeaderValue::from_static("4F1C-77"));
        let clean = scrub_headers(&headers, &["tok-SECRET-1"], &[]);
        assert_eq!(clean["location"], "https://x/gettoken?access_token=<redacted>&a=1");
        assert_eq!(clean["x-echo"], "<redacted>");
        assert_eq!(clean["x-acs-request-id"], "4F1C-77");
    }

    #[test]
    fn scrubs_known_secrets_and_token_parameters() {
        let s = scrub("GET /x?access_token=abcd1234&size=1 secretvalue", &["secretvalue"], &[]);
        assert_eq!(s, "GET /x?access_token=<redacted>&size=1 <redacted>");
        assert_eq!(scrub("access_token=", &[], &[]), "access_token=");
        let json = r#"{"errcode":0,"access_token" : "tok\"en1","expires_in":"7200","pin":1234,"x":{"signature":"a"}}"#;
        assert_eq!(
            scrub(json, &[], &["pin"]),
            r#"{"errcode":0,"access_token" : "<redacted>","expires_in":"7200","pin":<redacted>,"x":{"signature":"<redacted>"}}"#
        );
        assert_eq!(scrub(r#"{"access_token""#, &[], &[]), r#"{"access_token""#);
    }

    #[test]
    fn snippets_are_short_single_line_and_scrubbed() {
        let s = snippet(b"<html>\n<body>token tok123456 here</body></html>", 30, &["tok123456"], &[]);
        assert!(!s.contains('\n'));
        assert!(!s.contains("tok123456"));
        assert!(s.ends_with('…'));
    }
}

#[cfg(test)]
mod cut_tests {
    use super::*;

    #[test]
    fn a_secret_across_the_cut_leaves_no_prefix() {
        let body = format!("{}SECRETTOKEN-0123456789 and more", "x".repeat(150));
        let s = snippet(body.as_bytes(), 160, &["SECRETTOKEN-0123456789"], &[]);
        assert!(!s.contains("SECRET"), "{s}");
        let body = r#"{"errcode":0,"access_token":"LEAKEDTOKEN123","expires_in":"7200"}"#;
        assert!(!snippet(body.as_bytes(), 40, &[], &[]).contains("LEAKED"));
    }
}
