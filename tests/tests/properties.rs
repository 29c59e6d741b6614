//! Property tests: no input panics the response decoder or the spec parser, and generated
//! types survive a serialize → deserialize round trip.

use dingtalk_oapi::{
    ExtContact, ListContacts, ListLabelGroups, ListLabelGroupsResponse, NewExtContact, OpenLabel, OpenLabelGroup,
    decode_response,
};
use proptest::prelude::*;

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(serde_json::Value::from),
        "[a-z0-9_ \\-]{0,12}".prop_map(serde_json::Value::from),
        prop_oneof![Just("errcode"), Just("results"), Just("labels"), Just("0")].prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("errcode".to_owned()),
                    Just("errmsg".to_owned()),
                    Just("results".to_owned()),
                    Just("request_id".to_owned()),
                    Just("sub_code".to_owned()),
                    Just("status".to_owned()),
                    Just("wait".to_owned()),
                    Just("name".to_owned()),
                    Just("color".to_owned()),
                    Just("labels".to_owned()),
                    Just("id".to_owned()),
                    "[a-z]{1,6}",
                ],
                inner,
                0..6
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

fn label() -> impl Strategy<Value = OpenLabel> {
    (proptest::option::of(".{0,12}"), proptest::option::of(any::<i64>())).prop_map(|(name, id)| {
        let mut l = OpenLabel::new();
        l.name = name;
        l.id = id;
        l
    })
}

fn group() -> impl Strategy<Value = OpenLabelGroup> {
    (proptest::option::of(".{0,16}"), proptest::option::of(any::<i64>()), prop::collection::vec(label(), 0..5))
        .prop_map(|(name, color, labels)| {
            let mut g = OpenLabelGroup::new().labels(labels);
            g.name = name;
            g.color = color;
            g
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic_the_decoder(status in prop_oneof![Just(200u16), Just(400), 100u16..600], body in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode_response::<ListLabelGroups>(status, Some("application/json"), &body);
        let _ = decode_response::<ListContacts>(status, None, &body);
    }

    #[test]
    fn arbitrary_json_never_panics_the_decoder(value in json_value()) {
        let body = serde_json::to_vec(&value).unwrap();
        let _ = decode_response::<ListLabelGroups>(200, Some("application/json"), &body);
        let _ = decode_response::<ListContacts>(200, Some("application/json"), &body);
    }

    #[test]
    fn successful_pages_decode_to_what_was_sent(groups in prop::collection::vec(group(), 0..8)) {
        let sent = ListLabelGroupsResponse::new().results(groups.clone()).errcode(0).request_id("abc123");
        let body = serde_json::to_vec(&sent).unwrap();
        let got = decode_response::<ListLabelGroups>(200, Some("application/json"), &body).unwrap();
        prop_assert_eq!(got, sent);
    }

    #[test]
    fn generated_types_round_trip(groups in prop::collection::vec(group(), 0..4), name in ".{0,20}", ids in prop::collection::vec(any::<i64>(), 0..21), users in prop::collection::vec("[a-z0-9]{1,8}", 0..5)) {
        let page = ListLabelGroupsResponse::new().results(groups);
        let back: ListLabelGroupsResponse = serde_json::from_str(&serde_json::to_string(&page).unwrap()).unwrap();
        prop_assert_eq!(back, page);

        let contact = NewExtContact::new().name(name.clone()).label_ids(ids.clone()).share_user_ids(users.clone());
        let back: NewExtContact = serde_json::from_str(&serde_json::to_string(&contact).unwrap()).unwrap();
        prop_assert_eq!(back, contact);

        let contact = ExtContact::new().name(name).label_ids(ids).share_user_ids(users);
        let back: ExtContact = serde_json::from_str(&serde_json::to_string(&contact).unwrap()).unwrap();
        prop_assert_eq!(back, contact);
    }

    #[test]
    fn arbitrary_text_never_panics_the_spec_parser(text in ".{0,400}") {
        let _ = dingtalk_codegen::load(&[dingtalk_codegen::Source::new("fuzz.yaml", text.into_bytes())]);
    }

    #[test]
    fn yaml_shaped_text_never_panics_the_spec_parser(lines in prop::collection::vec(
        prop_oneof![
            Just("operation:".to_owned()),
            Just("service:".to_owned()),
            Just("  name: X".to_owned()),
            Just("  body:".to_owned()),
            Just("    - name: size".to_owned()),
            Just("      type: list<Foo>".to_owned()),
            Just("      example: [1, 2".to_owned()),
            Just("  response: |".to_owned()),
            Just("    {\"errcode\": 0,".to_owned()),
            Just("&a [*a, *a]".to_owned()),
            Just("- !tag x".to_owned()),
            Just("---".to_owned()),
            "[ a-z:\\-\\[\\]{}|>&*!#'\"]{0,30}",
        ],
        0..30,
    )) {
        let text = lines.join("\n");
        let _ = dingtalk_codegen::load(&[dingtalk_codegen::Source::new("fuzz.yaml", text.into_bytes())]);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any message (any UTF-8, any length up to a few KiB) and any owner key round-trips, and
    /// the reply's signature verifies.
    #[test]
    fn callback_messages_round_trip(message in "\\PC{0,2048}", owner in "[a-zA-Z0-9]{1,40}", nonce in "[a-zA-Z0-9]{1,12}") {
        use dingtalk_oapi::callback::CallbackCrypto;
        let crypto = CallbackCrypto::new("token-x", "4g5j64qlyl3zvetqxz5jiocdr586fn2zvjpa8zls3ij", owner).unwrap();
        let reply = crypto.reply(&message, "1445827045067", &nonce).unwrap();
        let back = crypto.decrypt_verified(&reply.msg_signature, &reply.time_stamp, &reply.nonce, &reply.encrypt).unwrap();
        prop_assert_eq!(back, message);
    }

    /// Arbitrary text as `encrypt` never panics the decrypter.
    #[test]
    fn arbitrary_encrypt_never_panics(encrypt in "[A-Za-z0-9+/=]{0,400}") {
        use dingtalk_oapi::callback::CallbackCrypto;
        let crypto = CallbackCrypto::new("123456", "4g5j64qlyl3zvetqxz5jiocdr586fn2zvjpa8zls3ij", "suite").unwrap();
        let _ = crypto.decrypt(&encrypt);
    }
}
