//! Helpers shared by the integration tests: plain HTTP with reqwest, JSON parsed by hand.
#![allow(dead_code)]

use serde_json::Value;

pub const LIST: &str = "/topapi/extcontact/listlabelgroups";
pub const FORM: &str = "application/x-www-form-urlencoded;charset=utf-8";
pub const JSON: &str = "application/json;charset=UTF-8";

/// What came back.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub content_type: Option<String>,
    pub text: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    pub fn errcode(&self) -> i64 {
        self.json()["errcode"].as_i64().unwrap_or_else(|| panic!("no errcode: {}", self.text))
    }
}

pub async fn send(request: reqwest::RequestBuilder) -> Answer {
    let response = request.send().await.expect("request failed");
    let status = response.status().as_u16();
    let content_type = response.headers().get("content-type").map(|v| v.to_str().expect("content type").to_owned());
    let text = response.text().await.expect("body");
    Answer { status, content_type, text }
}

pub async fn post(base: &str, path_and_query: &str, content_type: &str, body: impl Into<String>) -> Answer {
    let client = dingtalk_oapi::runtime::transport::http_client();
    send(client.post(format!("{base}{path_and_query}")).header("content-type", content_type).body(body.into())).await
}

pub async fn get(base: &str, path_and_query: &str) -> Answer {
    send(dingtalk_oapi::runtime::transport::http_client().get(format!("{base}{path_and_query}"))).await
}

/// POST a JSON body to the list operation with the token in the query.
pub async fn list(base: &str, token: &str, body: Value) -> Answer {
    post(base, &format!("{LIST}?access_token={token}"), JSON, body.to_string()).await
}

/// The `results` names of a list answer.
pub fn names(answer: &Answer) -> Vec<String> {
    let json = answer.json();
    assert_eq!(json["errcode"], 0, "{}", answer.text);
    json["results"].as_array().expect("results").iter().map(|g| g["name"].as_str().unwrap().to_owned()).collect()
}

/// `n` label groups named `g0`, `g1`, …
pub fn groups(n: usize) -> Value {
    Value::Array(
        (0..n)
            .map(|i| serde_json::json!({"name": format!("g{i}"), "color": -1, "labels": [{"name": "l", "id": i}]}))
            .collect(),
    )
}

pub fn is_request_id(value: &Value) -> bool {
    value.as_str().is_some_and(|s| s.len() == 12 && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
}
