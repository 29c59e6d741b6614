//! The get/create/update/delete mock actions and example answers, through hand-made descriptors
//! served over real HTTP (no operation of the spec uses them yet).

mod common;

use common::*;
use dingtalk_mock::{Fault, MockServer};
use dingtalk_oapi::generated::service::SERVICE;
use dingtalk_oapi::runtime::{
    Encoding, ErrorClass, ErrorCodeInfo, ExampleInfo, FieldSchema, HttpMethod, MockAction, MockDescriptor, MockInfo,
    ObjectSchema, OperationDescriptor, Pagination, ParamType,
};
use serde_json::{Value, json};

const fn field(name: &'static str, ty: ParamType, required: bool) -> FieldSchema {
    FieldSchema::new(name, ty).required(required)
}

static CONTACT: ObjectSchema = ObjectSchema {
    name: "Contact",
    fields: &[
        field("userid", ParamType::String, false),
        field("name", ParamType::String, true).max_length(8),
        field("label_ids", ParamType::List(&ParamType::I64), true).max_items(3),
        field("title", ParamType::String, false),
    ],
};

static CONTACT_UPDATE: ObjectSchema = ObjectSchema {
    name: "ContactUpdate",
    fields: &[
        field("userid", ParamType::String, true),
        field("name", ParamType::String, false),
        field("label_ids", ParamType::List(&ParamType::I64), false),
        field("title", ParamType::String, false),
    ],
};

const ERRORS: &[ErrorCodeInfo] =
    &[ErrorCodeInfo::new(33012, "invalid_user_id", "Invalid userId", "Check the userid.", ErrorClass::NotRetryable)];

const USER_ID: &[FieldSchema] = &[field("user_id", ParamType::String, true).max_length(64)];

const fn op(name: &'static str, path: &'static str, body: &'static [FieldSchema]) -> OperationDescriptor {
    OperationDescriptor {
        name,
        id: name,
        group: "contact",
        summary: "",
        service: &SERVICE,
        method: HttpMethod::Post,
        path,
        encoding: Encoding::Json,
        requires_token: true,
        retry_safe: false,
        response_value: false,
        path_params: &[],
        query: &[],
        headers: &[],
        body,
        response: &[],
        pagination: None,
        errors: ERRORS,
    }
}

const fn mock(action: MockAction, param: &'static str, result: Option<&'static str>) -> Option<MockInfo> {
    Some(MockInfo {
        store: "contacts",
        action,
        key: "userid",
        param: Some(param),
        object_key: None,
        result,
        not_found: Some(dingtalk_oapi::runtime::Code::Num(33012)),
        filter: None,
        project: None,
        defaults: None,
    })
}

const fn served(operation: &'static OperationDescriptor, behaviour: Option<MockInfo>) -> MockDescriptor {
    MockDescriptor { operation, examples: &[], behaviour }
}

static LIST_CONTACTS: OperationDescriptor = OperationDescriptor {
    pagination: Some(Pagination::offset("offset", "size", "results", 2)),
    ..op(
        "ListContacts",
        "/topapi/test/list",
        &[
            field("offset", ParamType::I64, false).range(Some(0), None),
            field("size", ParamType::I64, false).range(Some(1), Some(2)),
        ],
    )
};
static GET_CONTACT: OperationDescriptor = op("GetContact", "/topapi/test/get", USER_ID);
static CREATE_CONTACT: OperationDescriptor =
    op("CreateContact", "/topapi/test/create", &[field("contact", ParamType::Object(&CONTACT), true)]);
static UPDATE_CONTACT: OperationDescriptor =
    op("UpdateContact", "/topapi/test/update", &[field("contact", ParamType::Object(&CONTACT_UPDATE), true)]);
static DELETE_CONTACT: OperationDescriptor = op("DeleteContact", "/topapi/test/delete", USER_ID);
static ECHO: OperationDescriptor = OperationDescriptor {
    method: HttpMethod::Get,
    encoding: Encoding::Query,
    requires_token: false,
    ..op("Echo", "/test/echo", &[field("q", ParamType::I32, false)])
};
static BARE: OperationDescriptor = op("Bare", "/test/bare", &[]);

static OPS: &[&MockDescriptor] = &[
    &MockDescriptor {
        operation: &LIST_CONTACTS,
        examples: &[ExampleInfo {
            name: "page",
            request_body: None,
            curl: None,
            response: Some(r#"{"errcode":0,"results":[{"userid":"ex1","name":"Example"}],"request_id":"abc"}"#),
        }],
        behaviour: Some(MockInfo {
            store: "contacts",
            action: MockAction::List,
            key: "userid",
            param: None,
            result: None,
            object_key: None,
            not_found: None,
            filter: None,
            project: None,
            defaults: None,
        }),
    },
    &served(&GET_CONTACT, mock(MockAction::Get, "user_id", Some("result"))),
    &served(&CREATE_CONTACT, mock(MockAction::Create, "contact", Some("userid"))),
    &served(&UPDATE_CONTACT, mock(MockAction::Update, "contact", None)),
    &served(&DELETE_CONTACT, mock(MockAction::Delete, "user_id", None)),
    &MockDescriptor {
        operation: &ECHO,
        examples: &[ExampleInfo {
            name: "echo",
            request_body: None,
            curl: None,
            response: Some("{\"errcode\":0,\"errmsg\":\"ok\",\"value\":{\"n\":1},\"request_id\":\"51jof1jt5f4t\"}"),
        }],
        behaviour: None,
    },
    &served(&BARE, None),
];

async fn call(server: &MockServer, name: &str, body: Value) -> Value {
    post(&server.url(), &format!("/topapi/test/{name}?access_token=tok"), JSON, body.to_string()).await.json()
}

#[tokio::test]
async fn the_store_defaults_to_the_list_example() {
    let server = MockServer::builder().operations(OPS).access_token("tok").start().await.unwrap();
    assert_eq!(server.store("contacts").unwrap(), [json!({"userid": "ex1", "name": "Example"})]);
    let got = call(&server, "get", json!({"user_id": "ex1"})).await;
    assert_eq!(got["result"]["name"], "Example");
    assert!(server.store("label_groups").is_none());
}

#[tokio::test]
async fn create_get_update_delete() {
    let server = MockServer::builder()
        .operations(OPS)
        .access_token("tok")
        .data(json!({"contacts": [{"userid": "u1", "name": "One", "label_ids": [1]}]}))
        .unwrap()
        .start()
        .await
        .unwrap();

    // Create: a new key is assigned and returned; numbers sent as strings are stored as numbers.
    let created = call(&server, "create", json!({"contact": {"name": "Two", "label_ids": ["2", 3]}})).await;
    assert_eq!(created["errcode"], 0, "{created}");
    assert!(is_request_id(&created["request_id"]));
    let id = created["userid"].as_str().unwrap().to_owned();
    assert!(!id.is_empty() && id != "u1");
    let got = call(&server, "get", json!({"user_id": id})).await;
    assert_eq!(got["errcode"], 0);
    assert_eq!(got["result"], json!({"userid": id, "name": "Two", "label_ids": [2, 3]}));

    // A key given by the caller is kept; a duplicate is refused.
    let mine = call(&server, "create", json!({"contact": {"userid": "me", "name": "Me", "label_ids": [1]}})).await;
    assert_eq!(mine["userid"], "me");
    let dup = call(&server, "create", json!({"contact": {"userid": "me", "name": "Me", "label_ids": [1]}})).await;
    assert_eq!(dup["errcode"], 40035);

    // Nested validation: required fields, max_items, max_length, types.
    for contact in [
        json!({"label_ids": [1]}),
        json!({"name": "x", "label_ids": [1, 2, 3, 4]}),
        json!({"name": "much too long", "label_ids": [1]}),
        json!({"name": "x", "label_ids": ["one"]}),
        json!("not an object"),
    ] {
        let answer = call(&server, "create", json!({"contact": contact})).await;
        assert_eq!(answer["errcode"], 40035, "{contact}: {answer}");
        assert!(answer["errmsg"].as_str().unwrap().starts_with("Invalid parameter: contact"), "{answer}");
    }
    assert_eq!(call(&server, "create", json!({})).await["errmsg"], "Invalid parameter: contact is required");

    // Update merges fields.
    let updated = call(&server, "update", json!({"contact": {"userid": "u1", "title": "Boss"}})).await;
    assert_eq!(updated["errcode"], 0, "{updated}");
    assert_eq!(
        call(&server, "get", json!({"user_id": "u1"})).await["result"],
        json!({"userid": "u1", "name": "One", "label_ids": [1], "title": "Boss"})
    );
    let missing = call(&server, "update", json!({"contact": {"userid": "nobody", "title": "x"}})).await;
    assert_eq!(
        (missing["errcode"].as_i64(), missing["errmsg"].as_str()),
        (Some(33012), Some("Invalid userId: no object with userid \"nobody\""))
    );

    // List pages over the store in order.
    let page = call(&server, "list", json!({"offset": 0})).await;
    assert_eq!(page["results"].as_array().unwrap().len(), 2);
    let page = call(&server, "list", json!({"offset": "2", "size": "2"})).await;
    assert_eq!(page["results"][0]["userid"], "me");

    // Delete removes it.
    assert_eq!(call(&server, "delete", json!({"user_id": "u1"})).await["errcode"], 0);
    assert_eq!(call(&server, "get", json!({"user_id": "u1"})).await["errcode"], 33012);
    assert_eq!(call(&server, "delete", json!({"user_id": "u1"})).await["errcode"], 33012);
    assert_eq!(server.store("contacts").unwrap().len(), 2);

    // Form bodies carry objects as JSON text.
    let form = post(
        &server.url(),
        "/topapi/test/create",
        FORM,
        "access_token=tok&contact=%7B%22name%22%3A%22F%22%2C%22label_ids%22%3A%5B7%5D%7D",
    )
    .await
    .json();
    assert_eq!(form["errcode"], 0, "{form}");
    assert_eq!(server.store("contacts").unwrap().len(), 3);

    // Faults work for hand-made operations too.
    server.inject("GetContact", Fault::SystemBusy, 1);
    assert_eq!(call(&server, "get", json!({"user_id": "me"})).await["errcode"], -1);
}

#[tokio::test]
async fn operations_without_mock_answer_their_example() {
    let server = MockServer::builder().operations(OPS).start().await.unwrap();
    let base = server.url();
    let answer = get(&base, "/test/echo?q=5").await.json();
    assert_eq!(answer["value"], json!({"n": 1}));
    assert_eq!(answer["errmsg"], "ok");
    assert!(is_request_id(&answer["request_id"]));
    assert_ne!(answer["request_id"], "51jof1jt5f4t");
    // Still validated.
    let answer = get(&base, "/test/echo?q=99999999999").await.json();
    assert_eq!(answer["errcode"], 40035);
    assert!(answer["errmsg"].as_str().unwrap().contains("q "), "{answer}");

    // Neither mock nor example: a bare success.
    let answer = post(&base, "/test/bare", FORM, "access_token=e").await.json();
    assert_eq!(answer["errcode"], 33009);
    let server = MockServer::builder().operations(OPS).access_token("e").start().await.unwrap();
    let answer = post(&server.url(), "/test/bare", FORM, "access_token=e").await.json();
    assert_eq!(answer.as_object().unwrap().len(), 3);
    assert_eq!((&answer["errcode"], &answer["errmsg"]), (&json!(0), &json!("ok")));
    assert!(is_request_id(&answer["request_id"]));

    // The spec's operations are not served.
    assert_eq!(post(&server.url(), LIST, FORM, "access_token=e").await.status, 404);
}

/// The new API's generation through the same answering path: hand-made operations of the
/// `api` service with path parameters and `mock:` store behaviour, called by the runtime
/// client.
mod new_api {
    use super::*;
    use dingtalk_oapi::generated::service::API_SERVICE;
    use dingtalk_oapi::runtime::Code;
    use dingtalk_oapi::{ApiErrorCode, Client, Error};

    const NOT_FOUND: &[ErrorCodeInfo] = &[ErrorCodeInfo::named(
        "Contact.NotFound",
        404,
        "contact_not_found",
        "No such contact",
        "Check the id.",
        ErrorClass::NotRetryable,
    )];

    static NEW_CONTACT: ObjectSchema = ObjectSchema {
        name: "NewContact",
        fields: &[field("contactId", ParamType::String, false), field("name", ParamType::String, true).max_length(8)],
    };

    const fn op(name: &'static str, method: HttpMethod, path: &'static str) -> OperationDescriptor {
        OperationDescriptor {
            name,
            id: name,
            group: "test_1_0",
            summary: "",
            service: &API_SERVICE,
            method,
            path,
            encoding: if matches!(method, HttpMethod::Post) { Encoding::Json } else { Encoding::Query },
            requires_token: true,
            retry_safe: true,
            response_value: false,
            path_params: &[],
            query: &[],
            headers: &[],
            body: &[],
            response: &[],
            pagination: None,
            errors: NOT_FOUND,
        }
    }

    const ID: &[FieldSchema] = &[field("contactId", ParamType::String, true)];
    static CREATE: OperationDescriptor = OperationDescriptor {
        body: &[field("contact", ParamType::Object(&NEW_CONTACT), true)],
        response: &[field("contactId", ParamType::String, false)],
        ..op("test_1_0.CreateContact", HttpMethod::Post, "/v1.0/test/contacts")
    };
    static GET: OperationDescriptor = OperationDescriptor {
        path_params: ID,
        response: &[field("contactId", ParamType::String, false), field("name", ParamType::String, false)],
        ..op("test_1_0.GetContact", HttpMethod::Get, "/v1.0/test/contacts/{contactId}")
    };
    static DELETE: OperationDescriptor = OperationDescriptor {
        path_params: ID,
        ..op("test_1_0.DeleteContact", HttpMethod::Delete, "/v1.0/test/contacts/{contactId}")
    };

    const fn store(action: MockAction, param: Option<&'static str>, result: Option<&'static str>) -> Option<MockInfo> {
        Some(MockInfo {
            store: "new_contacts",
            action,
            key: "contactId",
            param,
            object_key: None,
            result,
            not_found: Some(Code::Str("Contact.NotFound")),
            filter: None,
            project: None,
            defaults: None,
        })
    }

    static NEW_OPS: &[&MockDescriptor] = &[
        &served(&CREATE, store(MockAction::Create, Some("contact"), Some("contactId"))),
        &served(&GET, store(MockAction::Get, Some("contactId"), None)),
        &served(&DELETE, store(MockAction::Delete, Some("contactId"), None)),
    ];

    #[tokio::test]
    async fn store_behaviour_works_for_the_new_api_too() {
        let server = MockServer::builder().operations(NEW_OPS).access_token("tok").start().await.unwrap();
        let client = Client::builder().api_base_url(server.url()).access_token("tok").build().unwrap();
        let params = |v: Value| v.as_object().unwrap().clone();

        let created = client.call(&CREATE, params(json!({"contact": {"name": "Wang"}}))).await.unwrap();
        let id = created["contactId"].as_str().unwrap().to_owned();
        assert_eq!(server.store("new_contacts").unwrap(), [json!({"contactId": id, "name": "Wang"})]);
        // A get answers the stored object's fields the response declares, with no errcode.
        let got = client.call(&GET, params(json!({"contactId": id}))).await.unwrap();
        assert_eq!(got, json!({"contactId": id, "name": "Wang"}));
        let raw = server.requests().last().cloned().unwrap();
        assert_eq!((raw.method.as_str(), raw.path), ("GET", format!("/v1.0/test/contacts/{id}")));

        // Deleted, then not found: the documented string code with its HTTP status.
        client.call(&DELETE, params(json!({"contactId": id}))).await.unwrap();
        let err = client.call(&GET, params(json!({"contactId": id}))).await.unwrap_err();
        let Error::Api(e) = &err else { panic!("{err:?}") };
        assert_eq!((e.status, e.code.code()), (404, Code::Str("Contact.NotFound")));
        assert!(e.errmsg.starts_with("No such contact: no object with contactId"), "{}", e.errmsg);

        // A bad parameter is the service's invalid-parameter code, in the new API's envelope.
        let err = client.call(&CREATE, params(json!({"contact": {"name": "far too long"}}))).await.unwrap_err();
        assert!(matches!(&err, Error::Validation(_)), "checked by the client first: {err:?}");
        let request =
            dingtalk_oapi::runtime::transport::http_client().post(format!("{}/v1.0/test/contacts", server.url()));
        let request = request.header("x-acs-dingtalk-access-token", "tok").header("content-type", JSON);
        let answer = send(request.body(r#"{"contact":{"name":"far too long"}}"#)).await;
        assert_eq!(answer.status, 400);
        assert_eq!(answer.json()["code"], "InvalidParameter");
    }
}
