//! `dingtalk call`: every spec operation from the shell, against the sandbox and against the
//! fake server as a separate process (a real base URL), checking stdout, stderr and exit codes.

mod common;

use std::io::Write;
use std::process::{Output, Stdio};

use common::{MockProcess, command, dingtalk, text};
use serde_json::{Value, json};

const TOKEN: &str = "call-test-token-51d2";

fn json_out(out: &Output) -> Value {
    assert!(out.status.success(), "exit {:?}: {}", out.status.code(), text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(&out.stdout)))
}

#[test]
fn list_names_every_operation_with_group_method_and_path() {
    let ops = json_out(&dingtalk(&["call", "--list", "--output", "json"]));
    let ops = ops.as_array().expect("an array");
    assert!(ops.len() >= 8, "{ops:?}");
    let list = ops.iter().find(|o| o["name"] == "ListLabelGroups").expect("ListLabelGroups is listed");
    assert_eq!(list["group"], "extcontact");
    assert_eq!(list["method"], "POST");
    assert_eq!(list["path"], "/topapi/extcontact/listlabelgroups");
    assert_eq!(list["paginated"], true);
    for op in ops {
        for key in ["name", "group", "method", "path"] {
            assert!(op[key].as_str().is_some_and(|s| !s.is_empty()), "{key} of {op}");
        }
    }
    let table = dingtalk(&["call", "--list"]);
    assert!(table.status.success());
    let table = text(&table.stdout);
    assert!(table.starts_with("NAME") && table.contains("GetContact") && table.contains("/topapi/extcontact/get"));
}

#[test]
fn list_narrows_to_groups_and_names_the_known_ones_for_an_unknown_group() {
    let ops = json_out(&dingtalk(&["call", "--list", "--group", "extcontact", "--group", "auth", "--output", "json"]));
    let groups: Vec<&str> = ops.as_array().expect("an array").iter().map(|o| o["group"].as_str().unwrap()).collect();
    assert_eq!(groups.len(), 8, "{ops}");
    assert!(groups.iter().all(|g| *g == "extcontact" || *g == "auth"), "{groups:?}");

    let out = dingtalk(&["call", "--list", "--group", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("unknown group `nope`; known: ") && stderr.contains("robot_1_0"), "{stderr}");
    assert!(out.stdout.is_empty());
    // `--group` only narrows a list.
    let out = dingtalk(&["call", "ListLabelGroups", "--group", "extcontact"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
}

#[test]
fn one_page_and_every_page_in_the_sandbox() {
    let page = json_out(&dingtalk(&[
        "--sandbox",
        "--output",
        "json",
        "call",
        "ListLabelGroups",
        "--param",
        "size=2",
        "--param",
        "offset=1",
    ]));
    let names: Vec<&str> = page["results"].as_array().unwrap().iter().map(|g| g["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Level", "Status"]);
    assert_eq!(page["errcode"], 0);

    let all =
        json_out(&dingtalk(&["--sandbox", "--output", "json", "call", "ListLabelGroups", "--all", "-p", "size=3"]));
    let all = all.as_array().expect("--all prints the items");
    assert_eq!(all.len(), 4);
    assert_eq!(
        all[1],
        json!({"name": "Level", "color": -11687445, "labels": [
            {"name": "General", "id": 1561077317}, {"name": "Important", "id": 1561077318}, {"name": "Core", "id": 1561077319}
        ]})
    );

    let table = dingtalk(&["--sandbox", "call", "ListLabelGroups", "--all"]);
    assert!(table.status.success(), "{}", text(&table.stderr));
    let table = text(&table.stdout);
    for needle in [
        "[3]\n  name: Recruitment status\n  color: -543394\n  labels: 5 item(s)\n",
        "    NAME                    ID\n",
        "    Onboarded               1561077331\n",
    ] {
        assert!(table.contains(needle), "missing {needle:?} in\n{table}");
    }
}

#[test]
fn bad_values_and_unknown_parameters_exit_2_and_send_nothing() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    for (args, message) in [
        (vec!["ListLabelGroups", "--param", "size=101"], "`size` is 101, above the maximum of 100 (nothing was sent)"),
        (vec!["ListLabelGroups", "--param", "offset=-1"], "`offset` is -1, below the minimum of 0"),
        (vec!["ListLabelGroups", "--param", "size=abc"], "--param size: `abc` is not an integer"),
        (vec!["ListLabelGroups", "--param", "sise=1"], "ListLabelGroups has no parameter `sise`; known: size, offset"),
        (vec!["ListLabelGroups", "--param", "size"], "expected NAME=VALUE"),
        (vec!["GetContact"], "`user_id` is required"),
        (vec!["GetContact", "--all"], "GetContact is not paginated"),
        (vec!["NoSuchOperation"], "unknown operation `NoSuchOperation`"),
        (vec!["CreateContact", "--param", "contact={\"name\":\"x\"}"], "`contact.mobile` is required"),
        (vec!["CreateContact", "--param", "contact=[1]"], "`contact` must be a JSON object"),
    ] {
        let out = dingtalk(&[&["--base-url", &url, "--access-token", TOKEN, "call"], args.as_slice()].concat());
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out.stderr));
        let stderr = text(&out.stderr);
        assert!(stderr.contains(message), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty());
    }
    assert!(listener.accept().is_err_and(|e| e.kind() == std::io::ErrorKind::WouldBlock), "no connection was made");
}

#[test]
fn contacts_round_trip_through_call_against_a_real_base_url() {
    let mock = MockProcess::start(TOKEN, &[]);
    let contact = json!({"contact": {
        "name": "Zhao Liu", "mobile": "13800000000", "state_code": "86",
        "follower_user_id": "manager01", "label_ids": [1561077310]
    }});
    // The whole request from standard input.
    let mut child = command()
        .args([
            "--base-url",
            &mock.url,
            "--access-token",
            TOKEN,
            "--output",
            "json",
            "call",
            "CreateContact",
            "--json",
            "-",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(contact.to_string().as_bytes()).unwrap();
    let created = json_out(&child.wait_with_output().unwrap());
    let user_id = created["userid"].as_str().expect("userid").to_owned();

    let got =
        json_out(&mock.run(&["--output", "json", "call", "GetContact", "--param", &format!("user_id={user_id}")]));
    assert_eq!(got["result"]["name"], "Zhao Liu");
    assert_eq!(got["result"]["label_ids"], json!([1561077310]));

    // A file for the body, a flag on top of it.
    let file = std::env::temp_dir().join(format!("dingtalk-call-update-{}.json", std::process::id()));
    let update = json!({"contact": {"user_id": user_id, "name": "Zhao Liu", "follower_user_id": "manager02",
        "label_ids": [1561077318], "title": "CFO"}});
    std::fs::write(&file, update.to_string()).unwrap();
    let out = mock.run(&["--output", "json", "call", "UpdateContact", "--json", file.to_str().unwrap()]);
    std::fs::remove_file(&file).unwrap();
    json_out(&out);

    let all = json_out(&mock.run(&["--output", "json", "call", "ListContacts", "--all", "--param", "size=1"]));
    let mine = all.as_array().unwrap().iter().find(|c| c["userid"] == user_id.as_str()).expect("listed");
    assert_eq!(mine["title"], "CFO");

    json_out(&mock.run(&["--output", "json", "call", "DeleteContact", "--param", &format!("user_id={user_id}")]));
    let out = mock.run(&["call", "GetContact", "--param", &format!("user_id={user_id}")]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("errcode 33012"), "{}", text(&out.stderr));
}

#[test]
fn a_bad_token_is_an_api_error_and_an_unreachable_server_a_transport_error() {
    let mock = MockProcess::start(TOKEN, &[]);
    let out = command()
        .args(["--base-url", &mock.url, "--access-token", "wrong-token", "call", "ListLabelGroups"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("ListLabelGroups failed: DingTalk errcode"), "{stderr}");
    assert!(!stderr.contains("wrong-token"), "the token leaked: {stderr}");

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let url = format!("http://{closed}");
    let out =
        dingtalk(&["--base-url", &url, "--access-token", TOKEN, "--max-attempts", "1", "call", "ListLabelGroups"]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
}

#[test]
fn directory_walks_cursor_pages_in_the_sandbox_and_over_a_data_file() {
    let all = json_out(&dingtalk(&[
        "--sandbox",
        "--output",
        "json",
        "call",
        "ListUsers",
        "--param",
        "dept_id=2",
        "--param",
        "size=1",
        "--all",
    ]));
    let ids: Vec<&str> = all.as_array().unwrap().iter().map(|u| u["userid"].as_str().unwrap()).collect();
    assert_eq!(ids, ["manager01", "user01"]);

    let user = json_out(&dingtalk(&["--sandbox", "--output", "json", "call", "GetUser", "-p", "userid=user04"]));
    assert_eq!(user["result"]["dept_id_list"], json!([5]));
    let subs =
        json_out(&dingtalk(&["--sandbox", "--output", "json", "call", "ListSubDepartmentIds", "-p", "dept_id=1"]));
    assert_eq!(subs["result"]["dept_id_list"], json!([2, 3, 4]));

    // 25 users in department 1 through a data file: five pages of six, the last short.
    let departments = json!([{"dept_id": 1, "name": "Root"}]);
    let users: Vec<Value> = (0..25)
        .map(|i| json!({"userid": format!("u{i:02}"), "name": format!("User {i}"), "dept_id_list": [1]}))
        .collect();
    let file = std::env::temp_dir().join(format!("dingtalk-call-users-{}.json", std::process::id()));
    std::fs::write(&file, json!({"departments": departments, "users": users}).to_string()).unwrap();
    let mock = MockProcess::start(TOKEN, &["--data", file.to_str().unwrap()]);
    std::fs::remove_file(&file).unwrap();
    for op in ["ListUsers", "ListUsersSimple"] {
        let all = json_out(&mock.run(&["--output", "json", "call", op, "-p", "dept_id=1", "-p", "size=6", "--all"]));
        let all = all.as_array().unwrap();
        assert_eq!(all.len(), 25, "{op}");
        assert_eq!(all[24]["userid"], "u24");
    }
    let table = mock.run(&["call", "ListUsersSimple", "-p", "dept_id=1", "-p", "size=100", "--all"]);
    assert!(table.status.success());
    assert!(text(&table.stdout).starts_with("USERID"), "{}", text(&table.stdout));
}

#[test]
fn a_server_that_repeats_a_cursor_is_an_error_not_an_endless_walk() {
    use std::io::Read;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    // Every page says: more to come, from cursor 1.
    let server = std::thread::spawn(move || {
        let mut served = 0;
        while served < 10 {
            let Ok((mut stream, _)) = listener.accept() else { return served };
            let mut buf = [0u8; 65536];
            let _ = stream.read(&mut buf);
            let body = r#"{"errcode":0,"result":{"list":[{"userid":"a","name":"A"}],"has_more":true,"next_cursor":1}}"#;
            let reply = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(reply.as_bytes());
            served += 1;
            if served == 2 {
                return served;
            }
        }
        served
    });
    let out =
        dingtalk(&["--base-url", &url, "--access-token", TOKEN, "call", "ListUsersSimple", "-p", "dept_id=1", "--all"]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("returned the cursor (or next token) 1 a second time"), "{}", text(&out.stderr));
    assert_eq!(server.join().unwrap(), 2, "two pages, then the repeat is caught");
}

#[test]
fn every_directory_operation_round_trips_through_call_in_the_sandbox() {
    let run = |args: &[&str]| json_out(&dingtalk(&[&["--sandbox", "--output", "json", "call"], args].concat()));
    assert_eq!(run(&["GetUser", "-p", "userid=manager02"])["result"]["name"], "Chen Jing");
    assert_eq!(run(&["GetUserByMobile", "-p", "mobile=13800000011"])["result"]["userid"], "user01");
    assert_eq!(run(&["ListUserIds", "-p", "dept_id=5"])["result"]["userid_list"], json!(["user01", "user04"]));
    let page = run(&["ListUsersSimple", "-p", "dept_id=2", "-p", "cursor=0", "-p", "size=1"]);
    assert_eq!((page["result"]["has_more"].clone(), page["result"]["next_cursor"].clone()), (json!(true), json!(1)));
    assert_eq!(page["result"]["list"][0], json!({"userid": "manager01", "name": "Li Wei"}), "only the spec's fields");
    assert_eq!(run(&["ListUsers", "-p", "dept_id=4", "--all"]).as_array().unwrap().len(), 2);
    assert_eq!(run(&["CountUsers", "-p", "only_active=true"])["result"]["count"], 8);
    assert_eq!(run(&["GetDepartment", "-p", "dept_id=3"])["result"]["name"], "Purchasing");
    let subs = run(&["ListSubDepartments", "-p", "dept_id=2"]);
    assert_eq!(subs["result"].as_array().map(|a| a.len()), Some(1));
    assert_eq!(run(&["ListSubDepartmentIds", "-p", "dept_id=1"])["result"]["dept_id_list"], json!([2, 3, 4]));

    // The directory's own error codes reach the shell: exit 3 with the code.
    let out = dingtalk(&["--sandbox", "call", "GetDepartment", "-p", "dept_id=404"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out.stderr).contains("60003"), "{}", text(&out.stderr));
}

#[test]
fn qps_paces_the_calls_and_an_unreachable_redis_is_only_a_warning() {
    // Three cursor pages of one user each (department 5 holds user01 and user04, 2 pages; 1
    // holds boss01): with --qps 1 the second page waits for the next wall-clock second.
    let started = std::time::Instant::now();
    let paced = dingtalk(&[
        "--sandbox",
        "--qps",
        "1",
        "--output",
        "json",
        "call",
        "ListUsers",
        "-p",
        "dept_id=5",
        "-p",
        "size=1",
        "--all",
    ]);
    let elapsed = started.elapsed();
    assert_eq!(json_out(&paced).as_array().map(Vec::len), Some(2));
    assert!(elapsed >= std::time::Duration::from_millis(50), "the second call waited for a new second: {elapsed:?}");

    // A Redis that cannot be reached: a warning without the password, and the call goes ahead.
    let out = dingtalk(&[
        "--sandbox",
        "--redis-url",
        "redis://:hunter2@127.0.0.1:1/0",
        "--output",
        "json",
        "call",
        "CountUsers",
        "-p",
        "only_active=true",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("warning: cannot connect to Redis at redis://:***@127.0.0.1:1/0"), "{stderr}");
    assert!(!stderr.contains("hunter2"), "the password leaked: {stderr}");

    // --qps 0 turns the limiter off; a negative or non-numeric value is a usage error.
    let out = dingtalk(&["--sandbox", "--qps", "0", "call", "CountUsers", "-p", "only_active=true"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(dingtalk(&["--sandbox", "--qps", "x", "call", "CountUsers"]).status.code(), Some(2));
}

/// The new API from the shell: listed by `group.Name`, path parameters by wire name, the base
/// URL from `--api-base-url` (or `DINGTALK_API_BASE_URL`), the response with its wire names.
#[test]
fn new_api_operations_are_called_by_group_and_name() {
    let ops = json_out(&dingtalk(&["call", "--list", "--output", "json"]));
    let get_user = ops
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "contact_1_0.GetUser")
        .expect("contact_1_0.GetUser is listed");
    assert_eq!(get_user["method"], "GET");
    assert_eq!(get_user["path"], "/v1.0/contact/users/{unionId}");

    let server = MockProcess::start(TOKEN, &[]);
    let user = json_out(
        &command()
            .args(["--api-base-url", &server.url, "--access-token", TOKEN, "--output", "json"])
            .args(["call", "contact_1_0.GetUser", "--param", "unionId=u-42"])
            .output()
            .unwrap(),
    );
    assert_eq!(user["unionId"], "u-42", "wire names: {user}");
    assert!(user.get("union_id").is_none(), "{user}");

    // The environment variable works too, and a bare name finds the one operation that has it.
    let found = json_out(
        &command()
            .env("DINGTALK_API_BASE_URL", &server.url)
            .args(["--access-token", TOKEN, "--output", "json", "call", "SearchUser"])
            .args(["-p", "queryWord=li", "-p", "offset=0", "-p", "size=5"])
            .output()
            .unwrap(),
    );
    assert_eq!(found["hasMore"], true, "{found}");

    // A bare name is the old OAPI's (its names are unique); the new API's need their group.
    let out =
        command().args(["--api-base-url", &server.url, "--access-token", TOKEN, "call", "GetUser"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("`userid` is required"), "{}", text(&out.stderr));
    let out = command().args(["--access-token", TOKEN, "call", "crm_1_0.GetUser"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("unknown operation `crm_1_0.GetUser`") && err.contains("contact_1_0.GetUser"), "{err}");
}

#[test]
fn a_bad_token_on_the_new_api_is_exit_3_with_the_string_code() {
    let server = MockProcess::start(TOKEN, &[]);
    let out = command()
        .args(["--api-base-url", &server.url, "--access-token", "not-the-token"])
        .args(["call", "contact_1_0.GetUser", "--param", "unionId=u1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(err.contains("InvalidAuthentication"), "{err}");
    assert!(!err.contains("not-the-token"), "{err}");
}

#[test]
fn new_api_calls_with_app_credentials_fetch_the_new_token() {
    let server = MockProcess::start(TOKEN, &["--app-key", "dingcli", "--app-secret", "cli-secret-7"]);
    let out = command()
        .args(["--api-base-url", &server.url, "--base-url", &server.url])
        .env("DINGTALK_APP_KEY", "dingcli")
        .env("DINGTALK_APP_SECRET", "cli-secret-7")
        .args(["--output", "json", "call", "contact_1_0.GetUser", "-p", "unionId=u7"])
        .output()
        .unwrap();
    assert_eq!(json_out(&out)["unionId"], "u7");
    assert!(!text(&out.stderr).contains("cli-secret-7"));
}

#[test]
fn the_sandbox_serves_the_new_api_too() {
    let user =
        json_out(&dingtalk(&["--sandbox", "--output", "json", "call", "contact_1_0.GetUser", "-p", "unionId=s1"]));
    assert_eq!(user["unionId"], "s1");
}

#[test]
fn base_url_alone_does_not_send_new_api_calls_to_the_real_host() {
    let server = MockProcess::start(TOKEN, &[]);
    let out = server.run(&["call", "contact_1_0.GetUser", "-p", "unionId=u1"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("--api-base-url"), "{}", text(&out.stderr));
}

/// A new-API list pages by `nextToken`: `--all` walks the sandbox's pages to the end and prints
/// one JSON array; `call --list` marks the operation paginated.
#[test]
fn all_walks_a_new_api_list_by_next_token() {
    let all = json_out(&dingtalk(&[
        "--sandbox",
        "--output",
        "json",
        "call",
        "crm_1_0.QueryAllCustomer",
        "--param",
        "maxResults=1",
        "--all",
    ]));
    let all = all.as_array().expect("one JSON array of the items of every page");
    assert_eq!(all.len(), 7, "{all:#?}");
    let ids: std::collections::BTreeSet<&str> = all.iter().map(|c| c["instanceId"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 7, "each item once: {ids:?}");

    let list = json_out(&dingtalk(&["--output", "json", "call", "--list"]));
    let entry = list
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "crm_1_0.QueryAllCustomer" || e["id"] == "crm_1_0.QueryAllCustomer")
        .expect("listed");
    assert_eq!(entry["paginated"], true, "{entry}");
}

#[test]
fn a_work_notification_is_sent_followed_and_recalled_from_the_shell() {
    let server = MockProcess::start(TOKEN, &[]);
    let msg = r#"msg={"msgtype":"markdown","markdown":{"title":"Report","text":"**Sales**: 12 new customers"}}"#;
    let sent = json_out(&server.run(&[
        "call",
        "AsyncSendV2",
        "--param",
        "agent_id=836390886",
        "--param",
        "userid_list=manager01,user123",
        "--param",
        "dept_id_list=2,3",
        "--param",
        msg,
        "--output",
        "json",
    ]));
    let task_id = sent["task_id"].as_i64().expect("a numeric task ID").to_string();
    let task = format!("task_id={task_id}");
    let progress = json_out(&server.run(&[
        "call",
        "GetSendProgress",
        "--param",
        "agent_id=836390886",
        "--param",
        &task,
        "--output",
        "json",
    ]));
    assert_eq!(progress["progress"], json!({"progress_in_percent": 100, "status": 2}));
    let result = json_out(&server.run(&[
        "call",
        "GetSendResult",
        "--param",
        "agent_id=836390886",
        "--param",
        &task,
        "--output",
        "json",
    ]));
    assert_eq!(result["send_result"]["forbidden_user_id_list"], json!([]));
    let recall =
        server.run(&["call", "Recall", "--param", "agent_id=836390886", "--param", &format!("msg_task_id={task_id}")]);
    assert!(recall.status.success(), "{}", text(&recall.stderr));
    let gone = server.run(&["call", "GetSendProgress", "--param", "agent_id=836390886", "--param", &task]);
    assert_eq!(gone.status.code(), Some(3), "{}", text(&gone.stderr));
    assert!(text(&gone.stderr).contains("40035"), "{}", text(&gone.stderr));

    // A message over 2,048 bytes is refused before sending.
    let big = format!(r#"msg={{"msgtype":"text","text":{{"content":"{}"}}}}"#, "x".repeat(2100));
    let out =
        server.run(&["call", "AsyncSendV2", "--param", "agent_id=1", "--param", "to_all_user=true", "--param", &big]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("`msg` is 2140 bytes as JSON, more than the 2048 allowed"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_file_is_uploaded_from_the_shell_and_its_media_id_sent_in_a_work_notification() {
    let server = MockProcess::start(TOKEN, &[]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("minutes.docx");
    std::fs::write(&path, b"PK\x03\x04 minutes of the meeting").unwrap();
    let file = format!("media={}", path.display());
    let uploaded =
        json_out(&server.run(&["call", "UploadMedia", "--param", "type=file", "--file", &file, "--output", "json"]));
    assert_eq!(uploaded["type"], "file", "{uploaded}");
    let media_id = uploaded["media_id"].as_str().expect("a media_id").to_owned();
    let msg = format!(r#"msg={{"msgtype":"file","file":{{"media_id":"{media_id}"}}}}"#);
    let sent = json_out(&server.run(&[
        "call",
        "AsyncSendV2",
        "--param",
        "agent_id=836390886",
        "--param",
        "to_all_user=true",
        "--param",
        &msg,
        "--output",
        "json",
    ]));
    assert!(sent["task_id"].is_i64(), "{sent}");

    // `--param media=PATH` reads the path too; a voice over 2 MB is refused before sending;
    // a missing file and a parameter that is not a file are usage errors.
    let big = dir.path().join("long.amr");
    std::fs::write(&big, vec![0u8; 2 * 1024 * 1024 + 10]).unwrap();
    let uploads = server.get_json("/mock/uploads");
    assert_eq!(uploads[0]["file_name"], "minutes.docx", "{uploads}");
    assert_eq!(uploads[0]["size"], 27, "{uploads}");
    for (args, message) in [
        (
            vec!["--param", "type=voice", "--param", &format!("media={}", big.display())],
            "`media` is a file of 2097162 bytes, more than the 2097152 allowed",
        ),
        (
            vec!["--param", "type=file", "--file", "media=/no/such/file.pdf"],
            "the file `media` cannot be read from /no/such/file.pdf",
        ),
        (
            vec!["--param", "type=file", "--file", "type=x.pdf"],
            "UploadMedia has no file parameter `type`; its file parameters: media",
        ),
        (vec!["--param", "type=file", "--file", "media"], "--file `media`: expected NAME=PATH"),
    ] {
        let out = server.run(&[&["call", "UploadMedia"], args.as_slice()].concat());
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out.stderr));
        assert!(text(&out.stderr).contains(message), "{args:?}: {}", text(&out.stderr));
    }
    assert_eq!(server.get_json("/mock/uploads").as_array().map(Vec::len), Some(1), "nothing else was sent");
}
