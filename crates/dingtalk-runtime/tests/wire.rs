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

/// The same struct twice: with `Wire` and with the serde attributes the generator used to write.
macro_rules! both {
    ($wire:ident, $serde:ident) => {
        #[derive(Debug, Default, PartialEq, Wire)]
        #[wire(rename_all = "camelCase")]
        struct $wire {
            union_id: Option<String>,
            #[wire(default)]
            dept_ids: Vec<i64>,
            code: i64,
            #[wire(rename = "ext_attr")]
            extension: Option<serde_json::Value>,
        }

        #[derive(Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct $serde {
            #[serde(default, skip_serializing_if = "Option::is_none")]
            union_id: Option<String>,
            #[serde(default)]
            dept_ids: Vec<i64>,
            code: i64,
            #[serde(rename = "ext_attr", default, skip_serializing_if = "Option::is_none")]
            extension: Option<serde_json::Value>,
        }
    };
}
both!(ByWire, BySerde);

#[test]
fn reads_and_writes_what_serde_derive_reads_and_writes() {
    let inputs = [
        r#"{"code":1}"#,
        r#"{"code":1,"unionId":"u","deptIds":[1,2],"ext_attr":{"a":[null]}}"#,
        r#"{"code":1,"unionId":null,"unknown":[1,{"x":2}],"ext_attr":null}"#,
        r#"{"unionId":"u"}"#,
        r#"{"code":1,"code":2}"#,
        r#"{"code":1,"deptIds":null}"#,
        r#"{"code":"1"}"#,
        r#"{"code":1,"union_id":"snake is unknown"}"#,
        r#"{"code":1"#,
        "null",
        "7",
    ];
    for input in inputs {
        let wire = serde_json::from_str::<ByWire>(input);
        let serde = serde_json::from_str::<BySerde>(input);
        match (wire, serde) {
            (Ok(wire), Ok(serde)) => {
                assert_eq!(
                    format!("{wire:?}").replacen("ByWire", "", 1),
                    format!("{serde:?}").replacen("BySerde", "", 1)
                );
                assert_eq!(serde_json::to_string(&wire).unwrap(), serde_json::to_string(&serde).unwrap(), "{input}");
            }
            (Err(wire), Err(serde)) => {
                assert_eq!(
                    wire.to_string().replace("ByWire", "X"),
                    serde.to_string().replace("BySerde", "X"),
                    "{input}"
                )
            }
            (wire, serde) => panic!("{input}: Wire {wire:?}, serde {serde:?}"),
        }
    }
}

#[test]
fn integer_and_byte_keys_name_fields_by_position_and_bytes() {
    use serde::Deserialize;
    use serde::de::value::{Error, MapDeserializer};
    let by_index = MapDeserializer::<_, Error>::new(vec![(2u64, 7i64), (99u64, 1i64)].into_iter());
    assert_eq!(ByWire::deserialize(by_index).unwrap(), ByWire { code: 7, ..ByWire::default() });
    let by_bytes = MapDeserializer::<_, Error>::new(vec![(&b"code"[..], 3i64), (&b"\xff"[..], 1i64)].into_iter());
    assert_eq!(ByWire::deserialize(by_bytes).unwrap(), ByWire { code: 3, ..ByWire::default() });
}

/// Field names the derive's own code uses, on a struct named like a runtime type.
#[derive(Debug, Default, PartialEq, Wire)]
struct Writer {
    map: Option<i64>,
    index: Option<i64>,
    serializer: Option<i64>,
    deserializer: Option<i64>,
    state: Option<i64>,
    value: i64,
    _serde: Option<i64>,
}

#[test]
fn field_names_do_not_clash_with_the_derive_s_code() {
    let json = json!({"map": 1, "index": 2, "serializer": 3, "deserializer": 4, "state": 5, "value": 6, "_serde": 7});
    let read: Writer = serde_json::from_value(json.clone()).unwrap();
    assert_eq!((read.map, read._serde, read.value), (Some(1), Some(7), 6));
    assert_eq!(serde_json::to_value(&read).unwrap(), json);
}

macro_rules! wide {
    ($($field:ident)*) => {
        #[derive(Debug, Default, Wire)]
        struct Wide {
            $($field: Option<i64>,)*
            last: i64,
        }
    };
}
wide!(f0 f1 f2 f3 f4 f5 f6 f7 f8 f9 f10 f11 f12 f13 f14 f15 f16 f17 f18 f19 f20 f21 f22 f23 f24 f25 f26 f27 f28 f29
      f30 f31 f32 f33 f34 f35 f36 f37 f38 f39 f40 f41 f42 f43 f44 f45 f46 f47 f48 f49 f50 f51 f52 f53 f54 f55 f56 f57
      f58 f59 f60 f61 f62 f63 f64 f65 f66 f67 f68 f69);

#[test]
fn structs_of_more_than_64_fields_check_duplicates_and_required_fields_past_the_first_word() {
    let read = serde_json::from_value::<Wide>(json!({"f0": 0, "f63": 63, "f64": 64, "f69": 69, "last": 70})).unwrap();
    assert_eq!((read.f0, read.f63, read.f64, read.f69, read.last), (Some(0), Some(63), Some(64), Some(69), 70));
    let missing = serde_json::from_value::<Wide>(json!({"f64": 1})).unwrap_err();
    assert_eq!(missing.to_string(), "missing field `last`");
    let duplicate = serde_json::from_str::<Wide>(r#"{"last":1,"f66":1,"f66":2}"#).unwrap_err();
    assert_eq!(duplicate.to_string(), "duplicate field `f66` at line 1 column 23");
}

macro_rules! with_type {
    ($ty:ty) => {
        #[derive(Debug, Default, Wire)]
        struct Grouped {
            inner: $ty,
        }
    };
}
with_type!(Option<i64>);

#[test]
fn an_option_passed_through_a_macro_is_still_optional() {
    assert_eq!(serde_json::from_str::<Grouped>("{}").unwrap().inner, None);
    assert_eq!(serde_json::to_string(&Grouped::default()).unwrap(), "{}");
}

#[test]
fn the_declared_length_is_the_number_of_fields_written() {
    use serde_test::{Token, assert_ser_tokens};
    let mixed = Mixed { errcode: 7, user_id: Some("x".into()), tags: vec![], nested: None, extra: None };
    assert_ser_tokens(
        &mixed,
        &[
            Token::Struct { name: "Mixed", len: 3 },
            Token::Str("errcode"),
            Token::I64(7),
            Token::Str("userId"),
            Token::Some,
            Token::Str("x"),
            Token::Str("tags"),
            Token::Seq { len: Some(0) },
            Token::SeqEnd,
            Token::StructEnd,
        ],
    );
    assert_ser_tokens(&Camel::default(), &[Token::Struct { name: "Camel", len: 0 }, Token::StructEnd]);
}
