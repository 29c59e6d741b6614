//! `#[derive(Wire)]` on hand-written structs: what goes on the wire and what comes back.

use dingtalk_runtime::Wire;
use serde_json::json;

#[derive(Debug, Default, PartialEq, Wire)]
#[wire(rename_all = "camelCase")]
struct Camel {
    union_id: Option<String>,
    dept_id_list: Option<Vec<i64>>,
    r#type: Option<i64>,
}

#[derive(Debug, Default, PartialEq, Wire)]
struct Mixed {
    /// Required: not an `Option`, no `default`.
    errcode: i64,
    #[wire(rename = "userId")]
    user_id: Option<String>,
    #[wire(default)]
    tags: Vec<String>,
    nested: Option<Camel>,
    extra: Option<serde_json::Value>,
}

#[test]
fn none_is_left_out_and_names_follow_the_attributes() {
    let value = Camel { union_id: Some("u1".into()), dept_id_list: None, r#type: Some(2) };
    assert_eq!(serde_json::to_value(&value).unwrap(), json!({"unionId": "u1", "type": 2}));
    assert_eq!(serde_json::to_string(&Camel::default()).unwrap(), "{}");

    let mixed = Mixed { errcode: 0, tags: vec![], ..Mixed::default() };
    // A `default` field is written even when empty; a required one always.
    assert_eq!(serde_json::to_value(&mixed).unwrap(), json!({"errcode": 0, "tags": []}));
}

#[test]
fn what_is_written_reads_back() {
    let mixed = Mixed {
        errcode: 7,
        user_id: Some("x".into()),
        tags: vec!["a".into()],
        nested: Some(Camel { union_id: None, dept_id_list: Some(vec![1, 2]), r#type: None }),
        extra: Some(json!({"k": [1, null]})),
    };
    let text = serde_json::to_string(&mixed).unwrap();
    assert_eq!(text, r#"{"errcode":7,"userId":"x","tags":["a"],"nested":{"deptIdList":[1,2]},"extra":{"k":[1,null]}}"#);
    assert_eq!(serde_json::from_str::<Mixed>(&text).unwrap(), mixed);
}

#[test]
fn reading_defaults_the_missing_ignores_the_unknown_and_names_what_is_wrong() {
    let read = serde_json::from_value::<Mixed>;
    assert_eq!(
        read(json!({"errcode": 1, "unknown": {"a": 1}, "userId": null})).unwrap(),
        Mixed { errcode: 1, ..Mixed::default() }
    );
    let error = |v| read(v).unwrap_err().to_string();
    assert_eq!(error(json!({"userId": "x"})), "missing field `errcode`");
    assert_eq!(error(json!({"errcode": "1"})), "invalid type: string \"1\", expected i64");
    // The Rust name of a renamed field is just an unknown key.
    assert_eq!(read(json!({"errcode": 0, "user_id": "x"})).unwrap().user_id, None);
    // A `default` list may be missing, not null (as with serde's derive).
    assert_eq!(error(json!({"errcode": 0, "tags": null})), "invalid type: null, expected a sequence");
    assert_eq!(error(json!({"errcode": 0, "nested": {"type": "x"}})), "invalid type: string \"x\", expected i64");
    let duplicate = serde_json::from_str::<Camel>(r#"{"unionId":"a","unionId":"b"}"#).unwrap_err();
    assert_eq!(duplicate.to_string(), "duplicate field `unionId` at line 1 column 24");
    let not_an_object = serde_json::from_str::<Camel>("[]").unwrap_err();
    assert_eq!(not_an_object.to_string(), "invalid type: sequence, expected struct Camel at line 1 column 2");
}
