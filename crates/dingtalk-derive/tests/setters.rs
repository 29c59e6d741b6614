//! `#[derive(Setters)]` on structs shaped like the generated ones.

use dingtalk_derive::Setters;

#[derive(Debug, Default, PartialEq, Setters)]
struct Request {
    name: Option<String>,
    ids: Option<Vec<i64>>,
    size: Option<i64>,
    r#type: Option<i32>,
}

#[derive(Debug, Default, PartialEq, Setters)]
struct Response {
    items: Vec<String>,
    count: i64,
    label: String,
    flag: Option<bool>,
}

#[test]
fn optional_fields_are_wrapped_strings_and_lists_convert() {
    let r = Request::new().name("x").ids(vec![1, 2]).size(20).r#type(3);
    assert_eq!(r, Request { name: Some("x".into()), ids: Some(vec![1, 2]), size: Some(20), r#type: Some(3) });
}

#[test]
fn required_fields_and_lists_are_set_as_they_are() {
    let r = Response::new().items(vec!["a".to_owned()]).count(2).label("l").flag(true);
    assert_eq!(r, Response { items: vec!["a".into()], count: 2, label: "l".into(), flag: Some(true) });
    assert_eq!(Response::new(), Response::default());
}
