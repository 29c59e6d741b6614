//! What a careful hand-written client would declare for `ListLabelGroups`: the baseline the
//! benchmarks and their callgrind companions measure the generated client against.

use serde::Deserialize;

/// A page of tag groups, as serde_derive reads it.
#[derive(Debug, Deserialize)]
pub struct HandPage {
    /// 0 on success.
    pub errcode: i64,
    /// The answer's message.
    #[serde(default)]
    pub errmsg: Option<String>,
    /// The page's groups.
    #[serde(default)]
    pub results: Vec<HandGroup>,
    /// DingTalk's id of the request.
    #[serde(default)]
    pub request_id: Option<String>,
}

/// A tag group.
#[derive(Debug, Deserialize)]
pub struct HandGroup {
    /// The group's name.
    pub name: Option<String>,
    /// Its colour, a signed ARGB value.
    pub color: Option<i64>,
    /// Its tags.
    #[serde(default)]
    pub labels: Vec<HandLabel>,
}

/// A tag.
#[derive(Debug, Deserialize)]
pub struct HandLabel {
    /// The tag's name.
    pub name: Option<String>,
    /// The tag's id.
    pub id: Option<i64>,
}

/// `n` tag groups of five tags each (`group {i}`, `label {i}.{j}`), as JSON.
pub fn groups(n: usize) -> Vec<serde_json::Value> {
    (0..n)
        .map(|i| {
            let labels: Vec<_> = (0..5)
                .map(|j| serde_json::json!({"name": format!("label {i}.{j}"), "id": 1_561_077_310i64 + (i * 5 + j) as i64}))
                .collect();
            serde_json::json!({"name": format!("group {i}"), "color": -15220075, "labels": labels})
        })
        .collect()
}

/// A minimal hand-written call of `ListLabelGroups`: one POST with reqwest (the token in the
/// query), one serde decode, no retries; panics on anything but success (a benchmark's baseline).
pub async fn hand_call(http: &reqwest::Client, url: &str, token: &str, offset: i64, size: i64) -> HandPage {
    let body = format!("{{\"offset\":{offset},\"size\":{size}}}");
    let response = http
        .post(format!("{url}/topapi/extcontact/listlabelgroups?access_token={token}"))
        .header("content-type", "application/json;charset=UTF-8")
        .body(body)
        .send()
        .await
        .expect("the hand-written call reaches the server");
    let bytes = response.bytes().await.expect("the body arrives");
    let page: HandPage = serde_json::from_slice(&bytes).expect("a page of tag groups");
    assert_eq!(page.errcode, 0);
    page
}
