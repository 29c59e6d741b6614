//! `#[derive(Setters)]` on hand-written structs.

use dingtalk_runtime::Setters;

#[derive(Debug, Default, PartialEq, Setters)]
struct Settings {
    /// A field named like `Default::default` (DingTalk's attendance API has one).
    default: Option<bool>,
    name: Option<String>,
    ids: Vec<i64>,
    size: i64,
}

#[test]
fn setters_and_the_constructor_even_beside_a_field_named_default() {
    let built = Settings::new().default(true).name("x").ids(vec![1]).size(3);
    assert_eq!(built, Settings { default: Some(true), name: Some("x".into()), ids: vec![1], size: 3 });
    assert_eq!(Settings::new(), <Settings as Default>::default());
}
