//! The organization directory through the client, against the fake server's sandbox
//! organization: every endpoint, cursor pages, filters, typed errors, and the external
//! contacts' owners and shares checked against it.

use dingtalk_mock::MockServer;
use dingtalk_oapi::{Client, Error, GetDepartmentErrorCode, GetUserErrorCode, ListUserIdsErrorCode, NewExtContact};
use serde_json::json;

const TOKEN: &str = "directory-test-token";

async fn setup() -> (MockServer, Client) {
    let server = MockServer::builder().access_token(TOKEN).start().await.expect("fake server");
    let client = Client::builder().base_url(server.url()).access_token(TOKEN).build().expect("client");
    (server, client)
}

#[tokio::test]
async fn users_by_id_and_by_mobile() {
    let (_server, client) = setup().await;
    let user = client.get_user("manager01").send().await.expect("GetUser");
    let detail = user.result.expect("a result");
    assert_eq!(detail.name.as_deref(), Some("Li Wei"));
    assert_eq!(detail.dept_id_list, [2]);

    let err = client.get_user("nobody").send().await.expect_err("unknown user");
    assert_eq!(err.code(), Some(GetUserErrorCode::UserNotFound), "{err}");

    let found = client.get_user_by_mobile("13800000001").send().await.expect("GetUserByMobile");
    assert_eq!(found.result.and_then(|r| r.userid).as_deref(), Some("manager01"));
}

#[tokio::test]
async fn department_members_and_counts() {
    let (_server, client) = setup().await;
    let ids = client.list_user_ids(5).send().await.expect("ListUserIds");
    assert_eq!(ids.result.expect("result").userid_list, ["user01", "user04"]);

    let err = client.list_user_ids(99).send().await.expect_err("unknown department");
    assert_eq!(err.code(), Some(ListUserIdsErrorCode::DepartmentNotFound), "{err}");

    let count = client.count_users(false).send().await.expect("CountUsers");
    assert_eq!(count.result.and_then(|r| r.count), Some(8));
}

#[tokio::test]
async fn cursor_pages_walk_a_department() {
    let (server, client) = setup().await;
    // Sales (2) holds manager01 and user01: two pages of one.
    let users = client.list_users(2, 0, 1).into_paginator().collect_all().await.expect("pages");
    let ids: Vec<&str> = users.iter().filter_map(|u| u.userid.as_deref()).collect();
    assert_eq!(ids, ["manager01", "user01"]);
    let cursors: Vec<serde_json::Value> = server
        .requests()
        .iter()
        .filter(|r| r.path == "/topapi/v2/user/list")
        .map(|r| serde_json::from_str::<serde_json::Value>(&r.body).expect("JSON")["cursor"].clone())
        .collect();
    assert_eq!(cursors, [json!(0), json!(1)], "the second page asks for the first page's next_cursor");

    let page = client.list_users_simple(5, 0, 1).send().await.expect("one page");
    let result = page.result.expect("result");
    assert_eq!((result.has_more, result.next_cursor), (Some(true), Some(1)));
    assert_eq!(result.list[0].name.as_deref(), Some("Zhang Min"));
    let all = client.list_users_simple(5, 0, 100).into_paginator().collect_all().await.unwrap();
    assert_eq!(all.len(), 2);
}

#[tokio::test]
async fn departments_and_their_children() {
    let (_server, client) = setup().await;
    let dept = client.get_department(5).send().await.expect("GetDepartment");
    let dept = dept.result.expect("result");
    assert_eq!((dept.name.as_deref(), dept.parent_id), (Some("Key Accounts"), Some(2)));
    let err = client.get_department(42).send().await.expect_err("unknown department");
    assert_eq!(err.code(), Some(GetDepartmentErrorCode::DepartmentNotFound), "{err}");

    let subs = client.list_sub_departments().dept_id(1).send().await.expect("ListSubDepartments");
    let names: Vec<&str> = subs.result.iter().filter_map(|d| d.name.as_deref()).collect();
    assert_eq!(names, ["Sales", "Purchasing", "Finance"]);
    let ids = client.list_sub_department_ids(2).send().await.expect("ListSubDepartmentIds");
    assert_eq!(ids.result.expect("result").dept_id_list, [5]);
}

#[tokio::test]
async fn contacts_must_name_known_owners_and_departments() {
    let (_server, client) = setup().await;
    let contact = || {
        NewExtContact::new()
            .name("Qian Yi")
            .mobile("13900000001")
            .state_code("86")
            .follower_user_id("manager02")
            .label_ids(vec![1561077310])
            .share_dept_ids(vec![5])
            .share_user_ids(vec!["user04".to_owned()])
    };
    client.create_contact(contact()).send().await.expect("known owner and shares");
    for (bad, what) in [
        (contact().follower_user_id("ghost"), "contact.follower_user_id"),
        (contact().share_dept_ids(vec![5, 77]), "contact.share_dept_ids[1]"),
        (contact().share_user_ids(vec!["ghost".to_owned()]), "contact.share_user_ids[0]"),
    ] {
        let err = client.create_contact(bad).send().await.expect_err("refused");
        let Error::Api(api) = &err else { panic!("an API error, got {err:?}") };
        assert!(api.errmsg.contains(what), "{what}: {}", api.errmsg);
    }
}

#[tokio::test]
async fn answers_carry_only_what_the_endpoint_returns() {
    let (server, _client) = setup().await;
    let body = dingtalk_oapi::runtime::transport::http_client()
        .post(format!("{}/topapi/v2/user/getbymobile?access_token={TOKEN}", server.url()))
        .header("content-type", "application/json")
        .body(r#"{"mobile":"13800000001"}"#)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(answer["result"]["userid"], "manager01");
    assert!(answer["result"].get("mobile").is_none() && answer["result"].get("name").is_none(), "{answer}");
}

#[tokio::test]
async fn writes_change_what_the_reads_answer() {
    let (server, client) = setup().await;
    let before = client.count_users(false).send().await.expect("CountUsers").result.and_then(|r| r.count);

    // A department under the root, renamed.
    let created = client.create_department("Research", 1).order(3).send().await.expect("CreateDepartment");
    let dept_id = created.result.and_then(|r| r.dept_id).expect("a new department ID");
    let dept = client.get_department(dept_id).send().await.expect("GetDepartment").result.expect("result");
    assert_eq!((dept.name.as_deref(), dept.parent_id, dept.order), (Some("Research"), Some(1), Some(3)));
    client.update_department(dept_id).name("R&D").send().await.expect("UpdateDepartment");
    let dept = client.get_department(dept_id).send().await.expect("GetDepartment").result.expect("result");
    assert_eq!((dept.name.as_deref(), dept.order), (Some("R&D"), Some(3)), "an update keeps what it does not name");

    // A user in it: listed there, counted, found, updated, then deleted.
    let user = client
        .create_user("Chen Jie", "13800000099", vec![dept_id])
        .title("Researcher")
        .send()
        .await
        .expect("CreateUser");
    let userid = user.result.and_then(|r| r.userid).expect("a new user ID");
    let ids = client.list_user_ids(dept_id).send().await.expect("ListUserIds").result.expect("result");
    assert_eq!(ids.userid_list, std::slice::from_ref(&userid));
    let after = client.count_users(false).send().await.expect("CountUsers").result.and_then(|r| r.count);
    assert_eq!(after, before.map(|n| n + 1));
    client.update_user(&userid).title("Lead researcher").send().await.expect("UpdateUser");
    let found = client.get_user(&userid).send().await.expect("GetUser").result.expect("result");
    assert_eq!((found.name.as_deref(), found.title.as_deref()), (Some("Chen Jie"), Some("Lead researcher")));

    // A user ID that exists is refused; so is an update of one that does not.
    let taken = client.create_user("Someone", "13800000098", vec![1]).userid("manager01").send().await;
    assert!(matches!(taken, Err(Error::Api(_))), "{taken:?}");
    let missing = client.update_user("nobody").title("x").send().await.expect_err("unknown user");
    assert_eq!(missing.code(), Some(dingtalk_oapi::UpdateUserErrorCode::UserNotFound), "{missing}");

    client.delete_user(&userid).send().await.expect("DeleteUser");
    let gone = client.get_user(&userid).send().await.expect_err("deleted user");
    assert_eq!(gone.code(), Some(GetUserErrorCode::UserNotFound), "{gone}");
    let again = client.delete_user(&userid).send().await.expect_err("deleted twice");
    assert_eq!(again.code(), Some(dingtalk_oapi::DeleteUserErrorCode::InvalidUserId), "{again}");

    client.delete_department(dept_id).send().await.expect("DeleteDepartment");
    let gone = client.get_department(dept_id).send().await.expect_err("deleted department");
    assert_eq!(gone.code(), Some(GetDepartmentErrorCode::DepartmentNotFound), "{gone}");
    assert!(!server.store("departments").expect("departments").iter().any(|d| d["dept_id"] == json!(dept_id)));
}

#[tokio::test]
async fn login_codes_identify_the_signed_in_user() {
    let (server, client) = setup().await;
    // A code the fake server issues for a user, as a client's requestAuthCode would.
    let code = server.issue_login_code("user02").expect("a sandbox user");
    let info = client.get_user_info_by_code(&code).send().await.expect("GetUserInfoByCode").result.expect("result");
    assert_eq!(
        (info.userid.as_deref(), info.name.as_deref(), info.sys),
        (Some("user02"), Some("Wang Fang"), Some(false))
    );
    // Its unionid leads back to the same user.
    let unionid = info.unionid.expect("a unionid");
    let by_union = client.get_user_by_union_id(unionid).send().await.expect("GetUserByUnionId").result.expect("result");
    assert_eq!(by_union.userid.as_deref(), Some("user02"));

    // The sandbox's fixed codes: the boss is a super administrator (sys_level 100).
    let boss = client.get_user_info_by_code("login-code-boss01").send().await.expect("boss").result.expect("result");
    assert_eq!((boss.userid.as_deref(), boss.sys, boss.sys_level), (Some("boss01"), Some(true), Some(100)));

    let unknown = client.get_user_info_by_code("no-such-code").send().await.expect_err("unknown code");
    assert_eq!(unknown.code(), Some(dingtalk_oapi::GetUserInfoByCodeErrorCode::CodeNotFound), "{unknown}");
    let nobody = client.get_user_by_union_id("iSZnobody").send().await.expect_err("unknown unionid");
    assert_eq!(nobody.code(), Some(dingtalk_oapi::GetUserByUnionIdErrorCode::UserNotFound), "{nobody}");
    assert_eq!(server.issue_login_code("nobody"), None);
}
