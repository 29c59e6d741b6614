//! `multipart/form-data` bodies (`/media/upload`), read with multer (the parser behind axum's
//! own `Multipart`): text parts become parameters, file parts become what the spec's schema
//! checks of a file (`{"file_name", "size", "content_type"}`), their bytes kept aside.

use bytes::Bytes;
use serde_json::{Map, Value, json};

/// A file the server received in a multipart body.
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReceivedFile {
    /// The operation it was sent to.
    pub operation: Option<String>,
    /// The form field (`media`).
    pub field: String,
    /// The file name the part declared.
    pub file_name: String,
    /// The part's `Content-Type`.
    pub content_type: Option<String>,
    /// The contents.
    #[serde(skip)]
    pub bytes: Bytes,
    /// Their size, in bytes.
    pub size: usize,
}

impl std::fmt::Debug for ReceivedFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReceivedFile")
            .field("operation", &self.operation)
            .field("field", &self.field)
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .field("size", &self.size)
            .finish()
    }
}

/// A multipart body's text fields and files.
#[derive(Debug, Default)]
pub(crate) struct Parts {
    pub params: Map<String, Value>,
    pub files: Vec<ReceivedFile>,
}

/// The boundary of a `multipart/form-data` content type; `None` for another content type.
pub(crate) fn boundary(content_type: Option<&str>) -> Option<Result<String, String>> {
    let content_type = content_type?;
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    if !essence.eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    Some(multer::parse_boundary(content_type).map_err(|e| format!("the multipart content type is malformed ({e})")))
}

/// Reads every part of `body`.
pub(crate) async fn parse(boundary: String, body: Bytes) -> Result<Parts, String> {
    let stream = futures_util::stream::once(async move { Ok::<Bytes, std::convert::Infallible>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut parts = Parts::default();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return Err(format!("the multipart body is malformed ({e})")),
        };
        let Some(name) = field.name().map(str::to_owned) else {
            return Err("a multipart part has no name".to_owned());
        };
        let file_name = field.file_name().map(str::to_owned);
        let content_type = field.content_type().map(|m| m.essence_str().to_owned());
        let bytes = field.bytes().await.map_err(|e| format!("the multipart part `{name}` is malformed ({e})"))?;
        match file_name {
            Some(file_name) => {
                let summary = json!({"file_name": file_name, "size": bytes.len()});
                let mut summary = summary.as_object().cloned().unwrap_or_default();
                if let Some(ct) = &content_type {
                    summary.insert("content_type".into(), Value::String(ct.clone()));
                }
                parts.params.insert(name.clone(), Value::Object(summary));
                parts.files.push(ReceivedFile {
                    operation: None,
                    field: name,
                    file_name,
                    content_type,
                    size: bytes.len(),
                    bytes,
                });
            }
            None => {
                let text = String::from_utf8(bytes.to_vec())
                    .map_err(|_| format!("the multipart text part `{name}` is not UTF-8"))?;
                parts.params.insert(name, Value::String(text));
            }
        }
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn text_and_file_parts() {
        let body: &[u8] = b"--XyZ\r\nContent-Disposition: form-data; name=\"type\"\r\n\r\nimage\r\n\
                    --XyZ\r\nContent-Disposition: form-data; name=\"media\"; filename=\"a.png\"\r\n\
                    Content-Type: image/png\r\n\r\n\x89PNG\r\n--XyZ--\r\n";
        let found = boundary(Some("multipart/form-data; boundary=XyZ")).unwrap().unwrap();
        let parts = parse(found, Bytes::from_static(body)).await.unwrap();
        assert_eq!(parts.params["type"], "image");
        assert_eq!(parts.params["media"], json!({"file_name": "a.png", "size": 4, "content_type": "image/png"}));
        assert_eq!(parts.files[0].bytes.as_ref(), b"\x89PNG");
        assert!(boundary(Some("application/json")).is_none());
        assert!(parse("XyZ".into(), Bytes::from_static(b"--XyZ\r\nnonsense")).await.is_err());
    }
}
