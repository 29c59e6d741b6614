//! Files a call uploads (`multipart/form-data`): [`Upload`], what a typed request holds for a
//! [`ParamType::File`](crate::ParamType::File) parameter (a path, or bytes in memory), and
//! [`FilePart`], the file as it is sent, read once before the first attempt.
//!
//! In a call's parameters (JSON) an upload is `{"path": "…"}` or `{"file_name": "…",
//! "base64": "…"}`, each with an optional `content_type`. Once read it becomes
//! `{"file_name": "…", "size": N, "content_type": "…"}` (what the schema checks, what the fake
//! server sees of a received file) and its bytes travel beside the parameters, never in them.

use std::fmt;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// A file to upload: a path read when the call is made, or bytes already in memory.
///
/// ```
/// use dingtalk_runtime::Upload;
/// let from_disk = Upload::path("reports/q3.pdf");
/// let in_memory = Upload::bytes("chart.png", vec![0x89, b'P', b'N', b'G']).content_type("image/png");
/// assert_eq!(in_memory.len(), Some(4));
/// # let _ = from_disk;
/// ```
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Upload {
    source: Source,
    file_name: Option<String>,
    content_type: Option<String>,
}

#[derive(Clone, PartialEq, Eq)]
enum Source {
    Path(PathBuf),
    Bytes(Bytes),
}

impl Default for Source {
    fn default() -> Self {
        Source::Bytes(Bytes::new())
    }
}

impl Upload {
    /// The file at `path`, read when the call is made (its size checked first); sent under the
    /// path's last component.
    pub fn path(path: impl Into<PathBuf>) -> Self {
        Upload { source: Source::Path(path.into()), file_name: None, content_type: None }
    }

    /// Bytes in memory, sent as a file named `file_name`.
    pub fn bytes(file_name: impl Into<String>, bytes: impl Into<Bytes>) -> Self {
        Upload { source: Source::Bytes(bytes.into()), file_name: Some(file_name.into()), content_type: None }
    }

    /// The name the file is sent under (a path's last component by default).
    pub fn file_name(mut self, name: impl Into<String>) -> Self {
        self.file_name = Some(name.into());
        self
    }

    /// The part's `Content-Type` (by default guessed from the file name's extension).
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// The size of bytes in memory; `None` for a path (not read yet).
    pub fn len(&self) -> Option<usize> {
        match &self.source {
            Source::Bytes(b) => Some(b.len()),
            Source::Path(_) => None,
        }
    }

    /// Whether these are bytes in memory and there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == Some(0)
    }
}

impl From<PathBuf> for Upload {
    fn from(path: PathBuf) -> Self {
        Upload::path(path)
    }
}

impl From<&Path> for Upload {
    fn from(path: &Path) -> Self {
        Upload::path(path)
    }
}

impl fmt::Debug for Upload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Upload");
        match &self.source {
            Source::Path(p) => s.field("path", p),
            // The contents are the user's: their size, never the bytes.
            Source::Bytes(b) => s.field("bytes", &format_args!("{} bytes", b.len())),
        };
        s.field("file_name", &self.file_name).field("content_type", &self.content_type).finish()
    }
}

impl Serialize for Upload {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = Map::new();
        match &self.source {
            Source::Path(p) => {
                out.insert("path".into(), Value::String(p.to_string_lossy().into_owned()));
            }
            Source::Bytes(b) => {
                out.insert("base64".into(), Value::String(STANDARD.encode(b)));
            }
        }
        if let Some(name) = &self.file_name {
            out.insert("file_name".into(), Value::String(name.clone()));
        }
        if let Some(ct) = &self.content_type {
            out.insert("content_type".into(), Value::String(ct.clone()));
        }
        out.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Upload {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let object = Map::<String, Value>::deserialize(deserializer)?;
        let text = |k: &str| object.get(k).and_then(Value::as_str).map(str::to_owned);
        let source = match (text("path"), text("base64")) {
            (Some(p), None) => Source::Path(p.into()),
            (None, Some(b)) => Source::Bytes(STANDARD.decode(b).map_err(serde::de::Error::custom)?.into()),
            _ => return Err(serde::de::Error::custom("an upload holds either `path` or `base64`")),
        };
        Ok(Upload { source, file_name: text("file_name"), content_type: text("content_type") })
    }
}

/// A file as a multipart body sends it.
#[derive(Clone, PartialEq, Eq)]
pub struct FilePart {
    /// The parameter's wire name (the form field: `media`).
    pub field: &'static str,
    /// The file name the part declares.
    pub file_name: String,
    /// The part's `Content-Type`.
    pub content_type: String,
    /// The contents.
    pub bytes: Bytes,
}

impl fmt::Debug for FilePart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FilePart")
            .field("field", &self.field)
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .field("bytes", &format_args!("{} bytes", self.bytes.len()))
            .finish()
    }
}

impl FilePart {
    /// The file as the call's parameters show it once read: `{"file_name", "size",
    /// "content_type"}`.
    pub fn summary(&self) -> Value {
        json!({"file_name": self.file_name, "size": self.bytes.len(), "content_type": self.content_type})
    }
}

/// Why a file could not be read for a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// Larger than the spec allows (nothing was read).
    TooLarge {
        /// Its size, in bytes.
        size: u64,
        /// The most bytes allowed.
        max: u64,
    },
    /// Not an upload, not readable, or without a file name: the sentence names the parameter.
    Unreadable(String),
}

/// Reads the upload `raw` (the JSON of an [`Upload`]) of the parameter `field` into a
/// [`FilePart`], refusing a file larger than `limit` before reading it.
pub async fn read(field: &'static str, raw: &Value, limit: Option<u64>) -> Result<FilePart, ReadError> {
    let unreadable = |why: String| ReadError::Unreadable(why);
    let upload =
        Upload::deserialize(raw).map_err(|e| unreadable(format!("the file `{field}` is not an upload: {e}")))?;
    let too_large = |size: u64, max: u64| ReadError::TooLarge { size, max };
    let (default_name, bytes) = match upload.source {
        Source::Bytes(bytes) => (String::new(), bytes),
        Source::Path(path) => {
            let shown = path.display().to_string();
            let meta = tokio::fs::metadata(&path)
                .await
                .map_err(|e| unreadable(format!("the file `{field}` cannot be read from {shown}: {e}")))?;
            if !meta.is_file() {
                return Err(unreadable(format!("the file `{field}` at {shown} is not a regular file")));
            }
            if let Some(max) = limit.filter(|max| meta.len() > *max) {
                return Err(too_large(meta.len(), max));
            }
            let bytes = tokio::fs::read(&path)
                .await
                .map_err(|e| unreadable(format!("the file `{field}` cannot be read from {shown}: {e}")))?;
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            (name, Bytes::from(bytes))
        }
    };
    if let Some(max) = limit.filter(|max| bytes.len() as u64 > *max) {
        return Err(too_large(bytes.len() as u64, max));
    }
    let file_name = upload.file_name.filter(|n| !n.is_empty()).unwrap_or(default_name);
    if file_name.is_empty() {
        return Err(unreadable(format!("the file `{field}` needs a file name")));
    }
    let content_type = upload
        .content_type
        .unwrap_or_else(|| mime_guess::from_path(&file_name).first_or_octet_stream().essence_str().to_owned());
    Ok(FilePart { field, file_name, content_type, bytes })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_upload_round_trips_through_its_json() {
        for upload in [
            Upload::path("/tmp/a.png"),
            Upload::bytes("b.amr", vec![1u8, 2, 3]).content_type("audio/amr"),
            Upload::path("c").file_name("report.pdf"),
        ] {
            let json = serde_json::to_value(&upload).unwrap();
            assert_eq!(serde_json::from_value::<Upload>(json).unwrap(), upload);
        }
        assert!(serde_json::from_value::<Upload>(json!({"file_name": "x"})).is_err());
    }

    #[test]
    fn debug_shows_the_size_not_the_bytes() {
        let shown = format!("{:?}", Upload::bytes("secret.txt", b"top secret".to_vec()));
        assert!(shown.contains("10 bytes") && !shown.contains("top secret"), "{shown}");
    }

    #[tokio::test]
    async fn reading_names_the_type_and_refuses_large_files_before_reading() {
        let part =
            read("media", &serde_json::to_value(Upload::bytes("a.png", vec![0u8; 4])).unwrap(), Some(4)).await.unwrap();
        assert_eq!((part.content_type.as_str(), part.bytes.len()), ("image/png", 4));
        assert_eq!(part.summary(), json!({"file_name": "a.png", "size": 4, "content_type": "image/png"}));

        let big = serde_json::to_value(Upload::bytes("a.png", vec![0u8; 5])).unwrap();
        let err = read("media", &big, Some(4)).await.unwrap_err();
        assert_eq!(err, ReadError::TooLarge { size: 5, max: 4 });

        let dir = std::env::temp_dir().join(format!("dingtalk-upload-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("voice.amr");
        std::fs::write(&path, [7u8; 10]).unwrap();
        let raw = serde_json::to_value(Upload::path(&path)).unwrap();
        let err = read("media", &raw, Some(9)).await.unwrap_err();
        assert_eq!(err, ReadError::TooLarge { size: 10, max: 9 });
        let part = read("media", &raw, Some(10)).await.unwrap();
        assert_eq!((part.file_name.as_str(), part.bytes.len()), ("voice.amr", 10));
        let missing = read("media", &json!({"path": dir.join("nope.png")}), None).await.unwrap_err();
        assert!(matches!(&missing, ReadError::Unreadable(why) if why.contains("cannot be read")), "{missing:?}");
        let folder = read("media", &json!({"path": dir}), None).await.unwrap_err();
        assert!(matches!(&folder, ReadError::Unreadable(why) if why.contains("not a regular file")), "{folder:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
