//! The code generated from the codegen test fixture, used for real: fluent setters,
//! validation, the wire format, decoding responses, redaction of secrets, descriptors,
//! pagination, and whole calls through the runtime to a loopback server.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;

use dingtalk_fixtures::generated::{OPERATIONS, fixture, service};
use dingtalk_fixtures::{
    Address, Client, Contact, ContactDetail, CountContacts, CountContactsErrorCode, CountContactsRequest,
    CreateContactRequest, GetContactErrorCode, GetContactRequest, ListContactIds, ListContactIdsRequest,
    ListContactIdsResponse, Phone,
};
use dingtalk_runtime::validation::Problem;
use dingtalk_runtime::{
    ApiErrorCode, Encoding, ErrorClass, HttpMethod, Operation, PagePosition, Paginated, Validate, ValidationError,
};
use serde_json::json;

fn contact() -> Contact {
    Contact::new().name("Alice").user_id("user123").r#type(1).label_ids(vec![1026002, 1026003])
}

fn problem(result: Result<(), ValidationError>) -> (String, Problem) {
    let e = result.expect_err("the request breaks a constraint");
    (e.field, e.problem)
}

#[test]
fn fluent_setters_build_requests() {
    let request = CreateContactRequest::new()
        .contact(contact().address(Address::new().city("Hangzhou")))
        .notify(true)
        .signature("sig");
    let c = request.contact.as_ref().expect("contact is set");
    assert_eq!(c.name.as_deref(), Some("Alice"));
    assert_eq!(c.r#type, Some(1));
    assert_eq!(c.label_ids.as_deref(), Some(&[1026002, 1026003][..]));
    assert_eq!(c.address.as_ref().and_then(|a| a.city.as_deref()), Some("Hangzhou"));
    assert_eq!(request.notify, Some(true));
    assert_eq!(request.validate(), Ok(()));

    // The same through the client's request builder.
    let client = Client::builder().base_url("http://127.0.0.1:9").access_token("tok").build().expect("client");
    let builder = client.get_contact("user123").r#type(2).verbose(false);
    assert_eq!(builder.request(), &GetContactRequest::new().user_id("user123").r#type(2).verbose(false));
    let builder = client.count_contacts(7).keyword(String::from("Ali"));
    assert_eq!(builder.request().label_id, Some(7));
    assert_eq!(builder.request().keyword.as_deref(), Some("Ali"));
}

#[test]
fn missing_required_fields_are_reported_with_their_wire_path() {
    assert_eq!(problem(CreateContactRequest::new().validate()), ("contact".to_owned(), Problem::Missing));
    let nameless = CreateContactRequest::new().contact(Contact::new().user_id("u1"));
    assert_eq!(problem(nameless.validate()), ("contact.name".to_owned(), Problem::Missing));
    let cityless = CreateContactRequest::new().contact(contact().address(Address::new().zip("310000")));
    assert_eq!(problem(cityless.validate()), ("contact.address.city".to_owned(), Problem::Missing));
    let numberless = CreateContactRequest::new()
        .contact(contact().phones(vec![Phone::new().number("1"), Phone::new().primary(true)]));
    assert_eq!(problem(numberless.validate()), ("contact.phones[1].number".to_owned(), Problem::Missing));
    assert_eq!(problem(GetContactRequest::new().validate()), ("userId".to_owned(), Problem::Missing));
    assert_eq!(problem(CountContactsRequest::new().validate()), ("label_id".to_owned(), Problem::Missing));

    // The error says what is wrong and that nothing was sent.
    let e = GetContactRequest::new().validate().expect_err("missing userId");
    assert_eq!(e.to_string(), "invalid request to GetContact: `userId` is required (nothing was sent)");
}

#[test]
fn list_limits_string_lengths_and_ranges_are_checked() {
    let too_many = CreateContactRequest::new().contact(contact().label_ids(vec![1, 2, 3, 4]));
    assert_eq!(
        problem(too_many.validate()),
        ("contact.label_ids".to_owned(), Problem::TooManyItems { count: 4, max: 3 })
    );
    let emails =
        CreateContactRequest::new().contact(contact().emails(vec!["a@x".to_owned(), "b@x".into(), "c@x".into()]));
    assert_eq!(problem(emails.validate()), ("contact.emails".to_owned(), Problem::TooManyItems { count: 3, max: 2 }));

    // Length counts characters, not bytes: 16 Chinese characters fit, 17 do not.
    let fits = CreateContactRequest::new().contact(Contact::new().name("联".repeat(16)));
    assert_eq!(fits.validate(), Ok(()));
    let long = CreateContactRequest::new().contact(Contact::new().name("联".repeat(17)));
    assert_eq!(problem(long.validate()), ("contact.name".to_owned(), Problem::TooLong { length: 17, max: 16 }));
    let secret = CreateContactRequest::new().contact(contact()).signature("s".repeat(65));
    assert_eq!(problem(secret.validate()), ("signature".to_owned(), Problem::TooLong { length: 65, max: 64 }));

    // i32 ranges, in a nested object and at the top.
    let kind = CreateContactRequest::new().contact(contact().r#type(4));
    assert_eq!(problem(kind.validate()), ("contact.type".to_owned(), Problem::AboveMax { value: 4, max: 3 }));
    let page = ListContactIdsRequest::new().offset(-1);
    assert_eq!(problem(page.validate()), ("offset".to_owned(), Problem::BelowMin { value: -1, min: 0 }));
    let page = ListContactIdsRequest::new().size(51);
    assert_eq!(problem(page.validate()), ("size".to_owned(), Problem::AboveMax { value: 51, max: 50 }));
    assert_eq!(ListContactIdsRequest::new().offset(0).size(50).validate(), Ok(()));
    let label = CountContactsRequest::new().label_id(0);
    assert_eq!(problem(label.validate()), ("label_id".to_owned(), Problem::BelowMin { value: 0, min: 1 }));
}

#[test]
fn requests_serialize_to_their_wire_names() {
    let request = CreateContactRequest::new()
        .contact(contact().address(Address::new().city("Hangzhou")).phones(vec![Phone::new().number("1")]))
        .notify(false);
    assert_eq!(
        serde_json::to_value(&request).expect("serializes"),
        json!({
            "contact": {
                "name": "Alice",
                "userId": "user123",
                "type": 1,
                "label_ids": [1026002, 1026003],
                "address": {"city": "Hangzhou"},
                "phones": [{"number": "1"}]
            },
            "notify": false
        })
    );
    let query = GetContactRequest::new().user_id("user123").r#type(0);
    assert_eq!(serde_json::to_value(&query).expect("serializes"), json!({"userId": "user123", "type": 0}));
    // And back: the wire names are read too.
    let back: GetContactRequest = serde_json::from_value(json!({"userId": "u9", "type": 3})).expect("deserializes");
    assert_eq!(back, GetContactRequest::new().user_id("u9").r#type(3));
}

/// The examples are generated for the fake server only (the `mock` feature).
#[cfg(feature = "mock")]
#[test]
fn responses_deserialize_from_the_documented_examples() {
    use dingtalk_fixtures::GetContactResponse;
    use dingtalk_fixtures::generated::mock;
    // Every example response of the fixture decodes into its operation's response type.
    for m in mock::OPERATIONS.iter().filter(|m| m.operation.group == "fixture") {
        let op = m.operation;
        for example in m.examples {
            let text = example.response.expect("every fixture example has a response");
            let decoded = match op.name {
                "CreateContact" => serde_json::from_str::<dingtalk_fixtures::CreateContactResponse>(text).map(drop),
                "GetContact" => serde_json::from_str::<GetContactResponse>(text).map(drop),
                "CountContacts" => serde_json::from_str::<dingtalk_fixtures::CountContactsResponse>(text).map(drop),
                "ListContactIds" => serde_json::from_str::<ListContactIdsResponse>(text).map(drop),
                "ListMembers" => serde_json::from_str::<dingtalk_fixtures::ListMembersResponse>(text).map(drop),
                "PostNotice" => serde_json::from_str::<dingtalk_fixtures::PostNoticeResponse>(text).map(drop),
                other => panic!("no response type listed for {other}"),
            };
            decoded.unwrap_or_else(|e| panic!("{} example `{}`: {e}", op.name, example.name));
        }
    }

    let response: GetContactResponse =
        serde_json::from_str(mock::fixture::GET_CONTACT_MOCK.examples[0].response.expect("one"))
            .expect("the GetContact example decodes");
    let detail = &response.result;
    assert_eq!((detail.name.as_str(), detail.user_id.as_str()), ("Alice", "user123"));
    assert_eq!((detail.level, detail.score, detail.vip), (Some(2), Some(0.5), Some(true)));
    assert_eq!(detail.label_ids, [1026002]);
    assert_eq!(detail.tags, ["a", "b"]);
    assert_eq!(detail.address.as_ref().and_then(|a| a.city.as_deref()), Some("Hangzhou"));
    assert_eq!(detail.private_note, "shh");
    assert_eq!(response.errcode, Some(0));

    // Optional fields and lists may be absent; required ones may not.
    let minimal: GetContactResponse =
        serde_json::from_value(json!({"result": {"name": "B", "userId": "u2", "private_note": ""}})).expect("minimal");
    assert_eq!(minimal.result.tags, Vec::<String>::new());
    assert_eq!(minimal.result.score, None);
    let e = serde_json::from_value::<GetContactResponse>(json!({"errcode": 0})).expect_err("`result` is required");
    assert!(e.to_string().contains("missing field `result`"), "{e}");
    let e = serde_json::from_value::<ListContactIdsResponse>(json!({"userids": [1]})).expect_err("ids are strings");
    assert!(e.to_string().contains("invalid type"), "{e}");

    let count: dingtalk_fixtures::CountContactsResponse =
        serde_json::from_str(r#"{"errcode":0,"count":3}"#).expect("count");
    assert_eq!(count.count, 3);
}

#[test]
fn debug_output_hides_secrets() {
    let request = CreateContactRequest::new().contact(contact()).signature("very-secret-signature");
    let shown = format!("{request:?}");
    assert!(!shown.contains("very-secret-signature"), "{shown}");
    assert!(shown.contains("signature: Some(<redacted>)"), "{shown}");
    assert!(shown.contains("Alice"), "the other fields are shown: {shown}");
    assert!(format!("{:?}", CreateContactRequest::new()).contains("signature: None"));

    let detail = ContactDetail::new().name("Alice").private_note("the-private-note");
    let shown = format!("{detail:?}");
    assert!(!shown.contains("the-private-note"), "{shown}");
    assert!(shown.contains("private_note: <redacted>"), "{shown}");
    assert!(shown.contains("user_id"), "{shown}");

    // Through the request builder too.
    let client = Client::builder().base_url("http://127.0.0.1:9").access_token("tok").build().expect("client");
    let builder = client.create_contact(contact()).signature("very-secret-signature");
    assert!(!format!("{builder:?}").contains("very-secret-signature"));
}

#[test]
fn descriptors_describe_the_operations() {
    let names: Vec<&str> = OPERATIONS.iter().map(|o| o.id).collect();
    assert_eq!(
        names,
        [
            "GetCorpToken",
            "GetToken",
            "CountContacts",
            "CreateContact",
            "GetContact",
            "ListContactIds",
            "ListMembers",
            "PostNotice",
            "rest_1_0.GetMember",
            "rest_1_0.ListMemberPages",
            "rest_1_0.UpdateMember"
        ],
        "sorted by group, then name"
    );
    let get = <dingtalk_fixtures::GetContact as Operation>::DESCRIPTOR;
    assert_eq!((get.method, get.encoding, get.requires_token), (HttpMethod::Get, Encoding::Query, true));
    assert_eq!(get.query.iter().map(|f| f.name).collect::<Vec<_>>(), ["userId", "type", "verbose"]);
    assert_eq!(get.param("userId").and_then(|f| f.max_length), Some(64));
    assert_eq!(get.error(60011).and_then(|e| e.param), Some("userId"));
    assert_eq!(get.error(-1).map(|e| e.name), Some("system_busy"), "global codes are found too");

    let count = <CountContacts as Operation>::DESCRIPTOR;
    assert_eq!((count.method, count.encoding), (HttpMethod::Post, Encoding::Form));
    assert_eq!(count.error(41102).and_then(|e| e.param), Some("keyword"));
    assert!(!fixture::CREATE_CONTACT.retry_safe);
    assert!(fixture::CREATE_CONTACT.body.iter().any(|f| f.name == "signature" && f.secret));
    assert_eq!(fixture::CONTACT_SCHEMA.fields.len(), 7);
    assert_eq!(service::SERVICE.servers.iter().filter(|s| s.default).count(), 1);
    assert!(OPERATIONS.iter().all(|op| {
        let service = if op.group == "rest_1_0" { &service::REST_SERVICE } else { &service::SERVICE };
        std::ptr::eq(op.service, service)
    }));

    // Error codes: documented ones by name, others as `Unknown`, classes from the global table.
    assert_eq!(CountContactsErrorCode::from_code(41102), CountContactsErrorCode::InvalidKeyword);
    assert_eq!(CountContactsErrorCode::InvalidKeyword.to_string(), "41102 (Invalid keyword)");
    assert_eq!(CountContactsErrorCode::SystemBusy.class(), ErrorClass::Retryable, "class of -1 from the service");
    assert_eq!(CountContactsErrorCode::from_code(90002).class(), ErrorClass::RateLimited);
    assert_eq!(GetContactErrorCode::from_code(12345), GetContactErrorCode::Unknown(12345));
    assert_eq!(GetContactErrorCode::ContactNotFound.solution(), Some("Check the user ID."));
}

#[test]
fn pagination_converts_i32_parameters() {
    let mut request = ListContactIdsRequest::new();
    assert_eq!(<ListContactIds as Paginated>::page(&request), (None, None));
    <ListContactIds as Paginated>::set_page(&mut request, Some(40.into()), Some(20));
    assert_eq!((request.offset, request.size), (Some(40), Some(20)));
    assert_eq!(<ListContactIds as Paginated>::page(&request), (Some(40.into()), Some(20)));
    <ListContactIds as Paginated>::set_page(&mut request, Some(i64::MAX.into()), None);
    assert_eq!(request.size, Some(20), "no size leaves the request's");
    assert_eq!(request.offset, Some(i32::MAX), "saturates instead of wrapping");
    let page = ListContactIdsResponse::new().userids(vec!["a".to_owned(), "b".to_owned()]);
    assert_eq!(<ListContactIds as Paginated>::item_count(&page), 2);
    assert_eq!(<ListContactIds as Paginated>::into_items(page), ["a", "b"]);
}

/// What a loopback server saw of one request.
struct Seen {
    head: String,
    body: String,
}

/// Serves one canned JSON answer per expected request on a loopback port; returns its URL.
fn serve(answers: Vec<&'static str>) -> (String, mpsc::Receiver<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for answer in answers {
            let Ok((stream, _)) = listener.accept() else { return };
            let mut reader = BufReader::new(stream);
            let mut head = String::new();
            let mut length = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
                head.push_str(&line);
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let mut stream = reader.into_inner();
            // `403|{…}` answers with that status; a bare body with 200.
            let (status, answer) = match answer.split_once('|') {
                Some((status, body)) if status.len() == 3 => (status, body),
                _ => ("200", answer),
            };
            let response = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
                answer.len()
            );
            let _ = stream.write_all(response.as_bytes());
            let _ = tx.send(Seen { head, body: String::from_utf8_lossy(&body).into_owned() });
        }
    });
    (url, rx)
}

#[tokio::test]
async fn calls_go_through_the_runtime_with_the_generated_types() {
    let (url, seen) = serve(vec![
        r#"{"errcode":0,"result":{"name":"Alice","userId":"user123","private_note":"x","score":0.25}}"#,
        r#"{"errcode":0,"count":3}"#,
        r#"{"errcode":0,"userid":"user123"}"#,
        r#"{"errcode":41102,"errmsg":"bad keyword"}"#,
    ]);
    let client = Client::builder().base_url(url).access_token("tok-123").build().expect("client");

    // GET: every parameter in the query, with its wire name.
    let got = client.get_contact("user123").r#type(2).send().await.expect("GetContact");
    assert_eq!((got.result.user_id.as_str(), got.result.score), ("user123", Some(0.25)));
    let request = seen.recv().expect("the GET arrived");
    let first_line = request.head.lines().next().unwrap_or_default().to_owned();
    assert!(first_line.starts_with("GET /topapi/fixture/contact/get?"), "{first_line}");
    for pair in ["access_token=tok-123", "userId=user123", "type=2"] {
        assert!(first_line.contains(pair), "`{pair}` in {first_line}");
    }
    assert!(request.body.is_empty());

    // Form-encoded body.
    let count = client.count_contacts(1026002).keyword("Ali").send().await.expect("CountContacts");
    assert_eq!(count.count, 3);
    let request = seen.recv().expect("the POST arrived");
    assert!(
        request.head.to_ascii_lowercase().contains("content-type: application/x-www-form-urlencoded"),
        "{}",
        request.head
    );
    let mut pairs: Vec<&str> = request.body.split('&').collect();
    pairs.sort_unstable();
    assert_eq!(pairs, ["keyword=Ali", "label_id=1026002"]);

    // JSON body with a nested object, a keyword and a camelCase name.
    let created = client.create_contact(contact()).send().await.expect("CreateContact");
    assert_eq!(created.userid.as_deref(), Some("user123"));
    let request = seen.recv().expect("the POST arrived");
    let body: serde_json::Value = serde_json::from_str(&request.body).expect("a JSON body");
    assert_eq!(
        body,
        json!({"contact": {"name": "Alice", "userId": "user123", "type": 1, "label_ids": [1026002, 1026003]}})
    );

    // An API error carries the operation's typed error code.
    let err = client.count_contacts(1).keyword("x").send().await.expect_err("errcode 41102");
    let dingtalk_runtime::Error::Api(api) = &err else { panic!("an API error, got {err:?}") };
    assert_eq!(api.code, CountContactsErrorCode::InvalidKeyword);

    // An invalid request is refused before anything is sent (the accessor takes `userId`; a
    // request built by hand may still lack it).
    let err = client.execute(GetContactRequest::new()).await.expect_err("userId is required");
    let dingtalk_runtime::Error::Validation(v) = &err else { panic!("a validation error, got {err:?}") };
    assert_eq!((v.operation, v.field.as_str()), (Some("GetContact"), "userId"));
}

#[tokio::test]
async fn cursor_pagination_follows_next_cursor_and_refuses_a_repeated_one() {
    use dingtalk_fixtures::ListMembers;
    let page = |ids: &[&str], next: Option<i64>, more: bool| {
        let list: Vec<_> = ids.iter().map(|id| json!({"member_id": id, "team_ids": [7]})).collect();
        let mut result = json!({"list": list, "has_more": more});
        if let Some(next) = next {
            result["next_cursor"] = json!(next);
        }
        // The canned server takes `'static` answers; a test leaks a few bytes.
        &*json!({"errcode": 0, "result": result}).to_string().leak()
    };
    let (a, b, c) =
        (page(&["m1", "m2"], Some(2), true), page(&["m3", "m4"], Some(4), true), page(&["m5"], None, false));
    let (url, seen) = serve(vec![a, b, c]);
    let client = Client::builder().base_url(url).access_token("tok").build().unwrap();
    let all = client.list_members(7).size(2).into_paginator().collect_all().await.expect("three pages");
    let ids: Vec<&str> = all.iter().map(|m| m.member_id.as_str()).collect();
    assert_eq!(ids, ["m1", "m2", "m3", "m4", "m5"]);
    let cursors: Vec<serde_json::Value> = (0..3)
        .map(|_| serde_json::from_str::<serde_json::Value>(&seen.recv().unwrap().body).unwrap()["cursor"].clone())
        .collect();
    assert_eq!(cursors, [json!(0), json!(2), json!(4)], "the first page starts at 0, the next ones at next_cursor");

    // A server that hands out cursor 2 again would loop forever: the page that repeats it is
    // handed out, then the walk ends with an error.
    let (a, b) = (page(&["m1", "m2"], Some(2), true), page(&["m3", "m4"], Some(2), true));
    let (url, _seen) = serve(vec![a, b]);
    let client = Client::builder().base_url(url).access_token("tok").build().unwrap();
    let mut items = client.list_members(7).size(2).into_paginator().items();
    let mut got = Vec::new();
    let err = loop {
        match futures_util::StreamExt::next(&mut items).await {
            Some(Ok(member)) => got.push(member.member_id),
            Some(Err(e)) => break e,
            None => panic!("the walk must end with an error"),
        }
    };
    assert_eq!(got, ["m1", "m2", "m3", "m4"], "no page's items are lost");
    assert!(
        matches!(&err, dingtalk_runtime::Error::RepeatedCursor { cursor: PagePosition::Int(2), pages: 2, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("returned the cursor (or next token) 2 a second time"), "{err}");

    // More pages promised without a cursor to fetch them: an error, not a silently short list.
    let (url, _seen) = serve(vec![page(&["m1"], None, true)]);
    let client = Client::builder().base_url(url).access_token("tok").build().unwrap();
    let err = client.list_members(7).into_paginator().collect_all().await.expect_err("no cursor");
    assert!(err.to_string().contains("gives no next cursor"), "{err}");

    // has_more false ends the walk even when a next_cursor is present.
    let last: dingtalk_fixtures::ListMembersResponse = serde_json::from_str(page(&["x"], Some(9), false)).unwrap();
    assert_eq!(<ListMembers as Paginated>::has_more(&last), Some(false));
    assert_eq!(<ListMembers as Paginated>::has_more(&serde_json::from_str("{\"errcode\":0}").unwrap()), None);
}

/// The new API's token walk: the first page leaves `nextToken` out, each next one sends the
/// token the previous page handed out, and the walk ends on a page without one (or an empty
/// one). A token handed out twice ends the walk with an error after that page's items.
#[tokio::test]
async fn token_pagination_leaves_the_first_token_out_and_follows_next_token() {
    use dingtalk_fixtures::generated::rest_1_0::ListMemberPages;
    let page = |ids: &[&str], next: Option<&str>| {
        let mut body = json!({ "list": ids });
        if let Some(next) = next {
            body["nextToken"] = json!(next);
        }
        &*body.to_string().leak()
    };
    let query = |seen: &mpsc::Receiver<Seen>| {
        let head = seen.recv().expect("a request").head;
        head.lines().next().unwrap_or_default().split(' ').nth(1).unwrap_or_default().to_owned()
    };
    let (url, seen) =
        serve(vec![page(&["a", "b"], Some("t/2")), page(&["c", "d"], Some("t4")), page(&["e"], Some(""))]);
    let client = Client::builder().service_base_url("rest", url).access_token("tok").build().unwrap();
    let all = client.rest_1_0().list_member_pages().max_results(2).into_paginator().collect_all().await.unwrap();
    assert_eq!(all, ["a", "b", "c", "d", "e"], "an empty next token ends the walk");
    let targets: Vec<String> = (0..3).map(|_| query(&seen)).collect();
    assert_eq!(
        targets,
        [
            "/v1.0/members?maxResults=2",
            "/v1.0/members?nextToken=t%2F2&maxResults=2",
            "/v1.0/members?nextToken=t4&maxResults=2"
        ],
        "no token on the first page, then each handed-out token, percent-encoded"
    );

    // Without a size the request leaves it to the server (the spec gives no default).
    let (url, seen) = serve(vec![page(&["a"], None)]);
    let client = Client::builder().service_base_url("rest", url).access_token("tok").build().unwrap();
    let all = client.rest_1_0().list_member_pages().into_paginator().collect_all().await.unwrap();
    assert_eq!((all.len(), query(&seen).as_str()), (1, "/v1.0/members"), "no token, no size");

    // A token handed out again: the items arrive, then the error.
    let (url, _seen) = serve(vec![page(&["a"], Some("x")), page(&["b"], Some("x"))]);
    let client = Client::builder().service_base_url("rest", url).access_token("tok").build().unwrap();
    let mut items = client.rest_1_0().list_member_pages().into_paginator().items();
    let mut got = Vec::new();
    let err = loop {
        match futures_util::StreamExt::next(&mut items).await {
            Some(Ok(item)) => got.push(item),
            Some(Err(e)) => break e,
            None => panic!("the walk must end with an error"),
        }
    };
    assert_eq!(got, ["a", "b"]);
    let dingtalk_runtime::Error::RepeatedCursor { cursor, pages, .. } = &err else { panic!("{err:?}") };
    assert_eq!((cursor, *pages), (&PagePosition::Str("x".into()), 2));
    assert_eq!(<ListMemberPages as Operation>::DESCRIPTOR.pagination.and_then(|p| p.first_position()), None);
}

#[test]
fn events_are_told_apart_by_event_type_and_unknown_ones_keep_their_json() {
    use dingtalk_fixtures::{Event, MemberJoined};
    let event =
        Event::parse(r#"{"EventType":"member_joined","MemberId":"m9","TeamIds":[7,8],"TimeStamp":"1"}"#).unwrap();
    assert_eq!(event.event_type(), MemberJoined::EVENT_TYPE);
    let Event::MemberJoined(joined) = event else { panic!("a MemberJoined") };
    assert_eq!((joined.member_id.as_str(), joined.team_ids.as_slice()), ("m9", [7, 8].as_slice()));

    let other = Event::parse(r#"{"EventType":"something_new","X":1}"#).unwrap();
    assert_eq!(other.event_type(), "something_new");
    let Event::Unknown { raw, .. } = other else { panic!("unknown") };
    assert_eq!(raw["X"], 1);
    // Read as leniently as DingTalk writes: a number where text is declared is its text…
    let Event::MemberJoined(lenient) = Event::parse(r#"{"EventType":"member_joined","MemberId":5}"#).unwrap() else {
        panic!("a MemberJoined")
    };
    assert_eq!(lenient.member_id, "5");
    // …but a declared type whose payload does not fit is an error, not an Unknown.
    assert!(Event::parse(r#"{"EventType":"member_joined","MemberId":{"id":5}}"#).is_err());
    assert!(Event::parse(r#"{"EventType":"member_joined"}"#).is_err(), "MemberId is required");
    assert!(Event::parse("not json").is_err());
}

/// The second service's shape (the new API's): a path parameter percent-encoded, the token in a
/// header, a JSON body on PUT, a type name scoped to its group, string codes in HTTP statuses.
#[tokio::test]
async fn a_by_group_service_with_path_parameters_and_status_errors() {
    use dingtalk_fixtures::generated::rest_1_0;
    let (url, seen) = serve(vec![
        r#"{"memberId":"m1","profile":{"nickName":"N","tags":["t"]},"extension":{"k":[1,2]}}"#,
        r#"403|{"code":"Forbidden.AccessDenied.QpsLimitForApi","message":"slow","requestid":"r1"}"#,
        r#"200|{"success":true}"#,
        r#"401|{"code":"InvalidAuthentication","message":"bad","requestid":"r2"}"#,
    ]);
    let retry = dingtalk_runtime::RetryPolicy::default()
        .rate_limit_backoff(std::time::Duration::from_millis(5))
        .max_backoff(std::time::Duration::from_millis(20));
    let client =
        Client::builder().service_base_url("rest", url).access_token("tok-9").retry(retry).build().expect("client");

    let member = client.rest_1_0().get_member("m 1/2").fields(vec!["a".to_owned()]).send().await.unwrap();
    let profile: &rest_1_0::ContactDetail = member.profile.as_ref().expect("the group's own ContactDetail");
    assert_eq!((profile.nick_name.as_deref(), profile.tags.as_slice()), (Some("N"), &["t".to_owned()][..]));
    assert_eq!(member.extension, Some(json!({"k": [1, 2]})));
    let request = seen.recv().unwrap();
    let first_line = request.head.lines().next().unwrap_or_default().to_owned();
    assert_eq!(first_line, "GET /v1.0/members/m%201%2F2?fields=%5B%22a%22%5D HTTP/1.1");
    assert!(request.head.to_ascii_lowercase().contains("x-fixture-token: tok-9"), "{}", request.head);

    // A rate limit is retried (after a backoff) even for a write; the body is JSON.
    let updated = client.rest_1_0().update_member("m1", "Neo").send().await.unwrap();
    assert_eq!(updated.success, Some(true));
    for _ in 0..2 {
        let request = seen.recv().unwrap();
        assert!(request.head.starts_with("PUT /v1.0/members/m1 HTTP/1.1"), "{}", request.head);
        assert_eq!(request.body, r#"{"nickName":"Neo"}"#);
    }

    // A string code in its enum, with its status and class; a static token is not refreshed.
    let err = client.rest_1_0().get_member("m1").send().await.expect_err("401");
    assert_eq!(err.code(), Some(service::RestCode::InvalidAuthentication));
    let api = err.as_api().unwrap();
    assert_eq!((api.status, api.class(), api.request_id.as_deref()), (401, ErrorClass::TokenInvalid, Some("r2")));
    assert!(err.to_string().starts_with("rest_1_0.GetMember failed: DingTalk error InvalidAuthentication (HTTP 401)"));

    let secret = rest_1_0::UpdateMemberRequest::new().nick_name("n").app_secret("s3cr3t-value");
    assert!(!format!("{secret:?}").contains("s3cr3t-value"));
}

mod unions {
    use dingtalk_fixtures::{LinkNotice, Notice, PlainNotice, PostNoticeRequest};
    use dingtalk_runtime::validation::Problem;
    use dingtalk_runtime::{Validate, schema};
    use serde_json::json;

    fn plain(text: &str) -> Notice {
        PlainNotice::new().content(text).into()
    }

    #[test]
    fn a_flattened_union_is_written_into_the_body_and_a_nested_one_as_its_object() {
        let link = Notice::LinkCard(LinkNotice::new().title("Menu").url("https://example.com/menu"));
        let request = PostNoticeRequest::new().notice(plain("Lunch")).pinned(true).follow_up(link);
        assert_eq!(
            serde_json::to_value(&request).unwrap(),
            json!({
                "kind": "plain", "plain": {"content": "Lunch"}, "pinned": true,
                "follow_up": {"kind": "linkCard", "linkCard": {"title": "Menu", "url": "https://example.com/menu"}}
            })
        );
        assert_eq!(request.validate(), Ok(()));
        // Read back, the variant is the one whose field is present.
        let back: PostNoticeRequest = serde_json::from_value(serde_json::to_value(&request).unwrap()).unwrap();
        assert_eq!(back, request);
    }

    #[test]
    fn the_checker_follows_the_tag_into_the_variant() {
        let missing = PostNoticeRequest::new().pinned(true);
        assert_eq!(missing.validate().unwrap_err().field, "kind");
        assert_eq!(missing.validate().unwrap_err().problem, Problem::Missing);
        let long = PostNoticeRequest::new().notice(plain("far more than twenty characters"));
        let e = long.validate().unwrap_err();
        assert_eq!((e.field.as_str(), e.problem), ("plain.content", Problem::TooLong { length: 31, max: 20 }));
        let nested = PostNoticeRequest::new().notice(plain("ok")).follow_up(Notice::LinkCard(LinkNotice::new()));
        assert_eq!(nested.validate().unwrap_err().field, "follow_up.linkCard.title");

        let op = <dingtalk_fixtures::PostNotice as dingtalk_runtime::Operation>::DESCRIPTOR;
        let check = |v: serde_json::Value, mode| {
            let serde_json::Value::Object(map) = v else { unreachable!() };
            schema::check_params(op, &map, mode).map_err(|e| format!("{}: {}", e.field, e.problem))
        };
        // An unknown kind names the known ones; two variants' fields together are refused.
        let e = check(json!({"kind": "video"}), schema::Mode::Strict).unwrap_err();
        assert!(e.starts_with("kind: is `video`, not one of: plain, linkCard"), "{e}");
        let e = check(json!({"kind": "plain", "plain": {"content": "a"}, "linkCard": {}}), schema::Mode::Strict)
            .unwrap_err();
        assert!(e.starts_with("linkCard: belongs to another variant"), "{e}");
        let e = check(json!({"kind": "plain"}), schema::Mode::Strict).unwrap_err();
        assert_eq!(e, "plain: is required");
        // Reading, a missing tag is inferred from the one variant present.
        let read = check(json!({"linkCard": {"title": "t", "url": "u"}, "other": 1}), schema::Mode::Decode).unwrap();
        assert_eq!(
            serde_json::Value::Object(read),
            json!({"kind": "linkCard", "linkCard": {"title": "t", "url": "u"}})
        );
    }

    #[test]
    fn decoding_a_union_refuses_contradictions() {
        let ok: Notice =
            serde_json::from_value(json!({"kind": "plain", "plain": {"content": "x"}, "extra": 1})).unwrap();
        assert_eq!(ok, plain("x"));
        let untagged: Notice = serde_json::from_value(json!({"plain": {"content": "x"}})).unwrap();
        assert_eq!(untagged, plain("x"));
        let e = serde_json::from_value::<Notice>(json!({"kind": "linkCard", "plain": {"content": "x"}})).unwrap_err();
        assert_eq!(e.to_string(), "`kind` is `linkCard` but the value is in `plain`");
        let e = serde_json::from_value::<Notice>(json!({"plain": {}, "linkCard": {}})).unwrap_err();
        assert_eq!(e.to_string(), "both `plain` and `linkCard` are given");
        let e = serde_json::from_value::<Notice>(json!({"kind": "plain"})).unwrap_err();
        assert_eq!(e.to_string(), "missing field `the variant's value`");
        let e = serde_json::from_value::<PostNoticeRequest>(json!({"kind": "memo", "plain": {}})).unwrap_err();
        assert!(e.to_string().starts_with("unknown variant `memo`, expected `plain` or `linkCard`"), "{e}");
    }
}
