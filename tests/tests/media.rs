//! Media upload (`/media/upload`, multipart/form-data) through the typed client against the
//! fake server: from bytes and from a path, the size limit of each type checked before anything
//! is read or sent, the same bytes on a retry, the `media_id` used by a work notification; and
//! curl (a multipart client nobody here wrote) uploading to the fake server as the docs show.

use dingtalk_mock::{Fault, MockServer};
use dingtalk_oapi::runtime::Upload;
use dingtalk_oapi::runtime::validation::Problem;
use dingtalk_oapi::{Client, Error, WorkImage};

const TOKEN: &str = "media-test-token";

async fn setup() -> (MockServer, Client) {
    let server = MockServer::builder().access_token(TOKEN).start().await.unwrap();
    let client = Client::builder().base_url(server.url()).access_token(TOKEN).build().unwrap();
    (server, client)
}

/// Bytes that look like nothing in particular, every byte value included (a multipart body
/// must carry CR, LF and `-` inside a file untouched).
fn contents(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 + i / 7) as u8).collect()
}

#[tokio::test]
async fn an_image_from_bytes_arrives_whole_and_its_media_id_is_used_by_a_work_notification() {
    let (server, client) = setup().await;
    let bytes = contents(300_000);
    let uploaded = client.upload_media("image", Upload::bytes("chart \"q3\".png", bytes.clone())).send().await.unwrap();
    let media_id = uploaded.media_id.expect("a media_id");
    assert_eq!(uploaded.r#type.as_deref(), Some("image"));

    // The request: multipart/form-data with the `type` part and the file part `media`.
    let request = server.requests().pop().unwrap();
    assert!(request.content_type.as_deref().unwrap().starts_with("multipart/form-data; boundary="), "{request:?}");
    assert_eq!(request.access_token.as_deref(), Some(TOKEN), "the token travels in the query");
    assert_eq!(request.params["type"], "image");
    let received = server.uploads().pop().expect("the file");
    assert_eq!((received.field.as_str(), received.file_name.as_str()), ("media", "chart %22q3%22.png"));
    assert_eq!(received.content_type.as_deref(), Some("image/png"), "guessed from the extension");
    assert!(received.bytes == bytes, "the file's bytes arrive unchanged");

    // The fake server keeps what it was given; a work notification shows the image.
    let media = server.store("media").unwrap();
    assert!(media.iter().any(|m| m["media_id"] == media_id.as_str() && m["type"] == "image"), "{media:?}");
    let sent = client.async_send_v2(836390886, WorkImage::new().media_id(&media_id)).to_all_user(true).send().await;
    assert!(sent.unwrap().task_id.is_some());
}

#[tokio::test]
async fn a_file_from_a_path_keeps_its_name_and_an_explicit_content_type() {
    let (server, client) = setup().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("销售报告.pdf");
    let bytes = contents(70_000);
    std::fs::write(&path, &bytes).unwrap();

    let upload = Upload::path(&path).content_type("application/x-custom");
    let uploaded = client.upload_media("file", upload).send().await.unwrap();
    assert!(uploaded.media_id.is_some());
    let received = server.uploads().pop().unwrap();
    assert_eq!(received.file_name, "销售报告.pdf");
    assert_eq!(received.content_type.as_deref(), Some("application/x-custom"));
    assert!(received.bytes == bytes);
}

#[tokio::test]
async fn each_type_has_its_limit_checked_before_anything_is_read_or_sent() {
    let (server, client) = setup().await;
    let dir = tempfile::tempdir().unwrap();
    // A voice is at most 2 MB; the same file is a fine `file` (20 MB).
    let path = dir.path().join("meeting.mp3");
    std::fs::write(&path, vec![0u8; 2 * 1024 * 1024 + 1]).unwrap();
    let err = client.upload_media("voice", Upload::path(&path)).send().await.unwrap_err();
    let Error::Validation(v) = &err else { panic!("{err:?}") };
    assert_eq!((v.field.as_str(), &v.problem), ("media", &Problem::FileTooLarge { size: 2_097_153, max: 2_097_152 }));
    assert!(err.to_string().contains("2097153 bytes"), "{err}");
    client.upload_media("file", Upload::path(&path)).send().await.expect("a file may be 20 MB");

    // Bytes in memory: the same check.
    let err = client.upload_media("image", Upload::bytes("big.png", vec![0u8; 20 * 1024 * 1024 + 1])).send().await;
    assert!(
        matches!(err, Err(Error::Validation(ref v)) if matches!(v.problem, Problem::FileTooLarge { .. })),
        "{err:?}"
    );

    // A file that is not there, a folder, a file without a name: clear errors, nothing sent.
    let missing = client.upload_media("image", Upload::path(dir.path().join("nope.png"))).send().await.unwrap_err();
    assert!(missing.to_string().contains("cannot be read") && missing.to_string().contains("nope.png"), "{missing}");
    let folder = client.upload_media("file", Upload::path(dir.path())).send().await.unwrap_err();
    assert!(folder.to_string().contains("not a regular file"), "{folder}");
    let nameless = client.upload_media("file", Upload::bytes("", vec![1u8])).send().await.unwrap_err();
    assert!(nameless.to_string().contains("needs a file name"), "{nameless}");
    assert_eq!(server.requests().len(), 1, "only the 20 MB-allowed file was sent");
}

#[tokio::test]
async fn a_retried_upload_sends_the_same_bytes_again() {
    let (server, client) = setup().await;
    server.inject("UploadMedia", Fault::SystemBusy, 1);
    let bytes = contents(50_000);
    let uploaded = client.upload_media("video", Upload::bytes("clip.mp4", bytes.clone())).send().await;
    assert!(uploaded.unwrap().media_id.is_some());
    let uploads = server.uploads();
    assert_eq!(uploads.len(), 2, "one refused attempt, one accepted");
    assert!(uploads.iter().all(|u| u.bytes == bytes && u.content_type.as_deref() == Some("video/mp4")));
}

#[tokio::test]
async fn the_fake_server_refuses_what_dingtalk_refuses() {
    let (server, _client) = setup().await;
    let http = dingtalk_oapi::runtime::transport::http_client();
    let url = format!("{}/media/upload?access_token={TOKEN}", server.url());
    let post = |body: Vec<u8>, boundary: &str| {
        http.post(&url).header("content-type", format!("multipart/form-data; boundary={boundary}")).body(body).send()
    };
    let part = |name: &str, file: Option<&str>, data: &[u8]| {
        let mut out = format!("--B\r\nContent-Disposition: form-data; name=\"{name}\"").into_bytes();
        if let Some(file) = file {
            out.extend_from_slice(format!("; filename=\"{file}\"").as_bytes());
        }
        out.extend_from_slice(b"\r\n\r\n");
        out.extend_from_slice(data);
        out.extend_from_slice(b"\r\n");
        out
    };
    let errcode = |body: &[u8]| serde_json::from_slice::<serde_json::Value>(body).unwrap()["errcode"].as_i64();

    // A voice over 2 MB (sent past any client check): 40006, as the docs say.
    let mut body = part("type", None, b"voice");
    body.extend(part("media", Some("a.amr"), &vec![0u8; 2 * 1024 * 1024 + 1]));
    body.extend_from_slice(b"--B--\r\n");
    let answer = post(body, "B").await.unwrap().bytes().await.unwrap();
    assert_eq!(errcode(&answer), Some(40006));

    // The media as a text part, not a file: refused too.
    let mut body = part("type", None, b"image");
    body.extend(part("media", None, b"not a file"));
    body.extend_from_slice(b"--B--\r\n");
    let answer = post(body, "B").await.unwrap().bytes().await.unwrap();
    assert_eq!(errcode(&answer), Some(40006));

    // A body cut short: the invalid-parameter answer, no panic, nothing kept.
    let cut = b"--B\r\nContent-Disposition: form-data; na".to_vec();
    let answer = post(cut, "B").await.unwrap().bytes().await.unwrap();
    assert_ne!(errcode(&answer), Some(0));
    // Only the voice arrived as a file (the text part named `media` is no file); nothing was kept.
    let uploads = server.uploads();
    assert_eq!(uploads.len(), 1, "{uploads:?}");
    assert_eq!((uploads[0].file_name.as_str(), uploads[0].size), ("a.amr", 2 * 1024 * 1024 + 1));
    assert!(server.store("media").unwrap().is_empty());
}

#[tokio::test]
async fn curl_uploads_to_the_fake_server_as_the_documentation_shows() {
    let (server, _client) = setup().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("222.png");
    let bytes = contents(4096);
    std::fs::write(&path, &bytes).unwrap();
    // The page's curl: the token and `type` as form fields, the file as `media`. (Off the
    // test's thread: the fake server answers on it.)
    let url = format!("{}/media/upload", server.url());
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new("curl")
            .args(["-sS", "--max-time", "30", "-X", "POST", &url])
            .args(["-H", "Content-Type:multipart/form-data;charset=utf-8"])
            .args(["-F", &format!("access_token={TOKEN}"), "-F", "type=image"])
            .arg("-F")
            .arg(format!("media=@\"{}\"", path.display()))
            .output()
            .expect("curl runs")
    })
    .await
    .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let answer: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!((answer["errcode"].as_i64(), answer["type"].as_str()), (Some(0), Some("image")), "{answer}");
    assert!(answer["media_id"].as_str().is_some_and(|id| !id.is_empty()), "{answer}");
    let received = server.uploads().pop().unwrap();
    assert_eq!((received.file_name.as_str(), received.content_type.as_deref()), ("222.png", Some("image/png")));
    assert!(received.bytes == bytes);
}
