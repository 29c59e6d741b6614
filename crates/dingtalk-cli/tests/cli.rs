//! End-to-end: the `dingtalk` binary against the fake server (in sandbox mode and as a
//! separate `dingtalk-mock` process), checking stdout, stderr and exit codes.

mod common;

use std::process::Command;

use common::{MockProcess, dingtalk, text};

const TOKEN: &str = "cli-test-token-8c1f";

#[test]
fn sandbox_lists_every_example_group_as_a_table() {
    let out = dingtalk(&["--sandbox", "ext-contact", "list-label-groups", "--all"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    for needle in [
        "name: Type",
        "color: -15220075",
        "name: Recruitment status",
        "labels: 6 item(s)",
        "Customer         1561077310",
        "Onboarded               1561077331",
    ] {
        assert!(stdout.contains(needle), "missing {needle:?} in\n{stdout}");
    }
}

#[test]
fn a_friendly_command_prints_what_call_prints() {
    for (alias, call) in [
        (&["ext-contact", "list-label-groups"][..], &["call", "ListLabelGroups"][..]),
        (&["ext-contact", "list-label-groups", "--size", "2"], &["call", "ListLabelGroups", "--param", "size=2"]),
        (&["ext-contact", "list-label-groups", "--all"], &["call", "ListLabelGroups", "--all"]),
    ] {
        let run = |words: &[&str]| {
            let out = dingtalk(&[&["--sandbox", "--output", "json"], words].concat());
            assert!(out.status.success(), "{words:?}: {}", text(&out.stderr));
            let mut value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            if let Some(object) = value.as_object_mut() {
                object.remove("request_id"); // fresh on every answer
            }
            value
        };
        assert_eq!(run(alias), run(call), "{alias:?} and {call:?} print the same shape");
    }
}

#[test]
fn sandbox_json_is_exactly_the_api_shape() {
    let out = dingtalk(&["--sandbox", "--output", "json", "ext-contact", "list-label-groups", "--all"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let groups: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let groups = groups.as_array().expect("an array");
    assert_eq!(groups.len(), 4);
    assert_eq!(
        groups[1],
        serde_json::json!({"name": "Level", "color": -11687445, "labels": [
            {"name": "General", "id": 1561077317}, {"name": "Important", "id": 1561077318}, {"name": "Core", "id": 1561077319}
        ]})
    );
}

#[test]
fn one_page_with_size_and_offset() {
    let out = dingtalk(&[
        "--sandbox",
        "--output",
        "json",
        "ext-contact",
        "list-label-groups",
        "--size",
        "2",
        "--offset",
        "1",
    ]);
    assert!(out.status.success());
    let page: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<_> = page["results"].as_array().unwrap().iter().map(|g| g["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Level", "Status"]);
}

#[test]
fn validation_errors_exit_2_before_any_request() {
    // A listener nobody accepts on: any connection attempt would be queued and seen below.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    for (flag, value, message) in [
        ("--size", "101", "`size` is 101, above the maximum of 100 (nothing was sent)"),
        ("--offset", "-1", "`offset` is -1, below the minimum of 0 (nothing was sent)"),
    ] {
        let out =
            dingtalk(&["--base-url", &url, "--access-token", TOKEN, "ext-contact", "list-label-groups", flag, value]);
        assert_eq!(out.status.code(), Some(2));
        let stderr = text(&out.stderr);
        assert!(stderr.contains(message), "{stderr}");
        assert!(out.stdout.is_empty());
    }
    assert!(listener.accept().is_err_and(|e| e.kind() == std::io::ErrorKind::WouldBlock), "no connection was made");
}

#[test]
fn all_walks_every_page_of_a_data_file() {
    let groups: Vec<serde_json::Value> = (0..250)
        .map(|i| serde_json::json!({"name": format!("group {i}"), "color": -1, "labels": [{"name": "l", "id": i}]}))
        .collect();
    let file = std::env::temp_dir().join(format!("dingtalk-cli-groups-{}.json", std::process::id()));
    std::fs::write(&file, serde_json::to_vec(&serde_json::json!({"label_groups": groups})).unwrap()).unwrap();
    let mock = MockProcess::start(TOKEN, &["--data", file.to_str().unwrap()]);
    for size in ["100", "7"] {
        let out = with_mock(&mock, &["--output", "json", "ext-contact", "list-label-groups", "--all", "--size", size]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let got: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(got.len(), 250, "page size {size}");
        assert_eq!(got[249]["name"], "group 249");
    }
    std::fs::remove_file(&file).unwrap();
}

#[test]
fn sandbox_takes_no_server_or_credentials() {
    let out = dingtalk(&["--sandbox", "--base-url", "http://127.0.0.1:9", "ext-contact", "list-label-groups"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot be used with"), "{}", text(&out.stderr));
}

#[test]
fn usage_errors_exit_2() {
    let out = dingtalk(&["ext-contact", "list-label-groups"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no credentials"), "{}", text(&out.stderr));
    let out = dingtalk(&["--sandbox", "ext-contact", "no-such-command"]);
    assert_eq!(out.status.code(), Some(2));
    let out =
        dingtalk(&["--base-url", "http://example.com", "--access-token", "t", "ext-contact", "list-label-groups"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("refusing plain http"), "{}", text(&out.stderr));
}

#[test]
fn api_errors_exit_3_with_code_message_request_id_and_solution() {
    let mock = MockProcess::start(TOKEN, &[]);
    let out =
        dingtalk(&["--base-url", &mock.url, "--access-token", "wrong-token-123", "ext-contact", "list-label-groups"]);
    assert_eq!(out.status.code(), Some(3));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("errcode 33009"), "{stderr}");
    assert!(stderr.contains("request_id"), "{stderr}");
    assert!(stderr.contains("fix: Check whether the access_token is correct."), "{stderr}");
    assert!(!stderr.contains("wrong-token-123"), "the token is never printed: {stderr}");
}

#[test]
fn transport_errors_exit_4() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let out = dingtalk(&[
        "--base-url",
        &url,
        "--access-token",
        TOKEN,
        "--max-attempts",
        "1",
        "ext-contact",
        "list-label-groups",
    ]);
    assert_eq!(out.status.code(), Some(4));
    assert!(text(&out.stderr).contains("could not connect"), "{}", text(&out.stderr));
}

#[test]
fn environment_variables_and_app_credentials_work_against_the_mock_binary() {
    let mock = MockProcess::start(TOKEN, &["--app-key", "cli-app", "--app-secret", "cli-app-secret-42"]);
    let out = Command::new(env!("CARGO_BIN_EXE_dingtalk"))
        .args(["-v", "--output", "json", "ext-contact", "list-label-groups", "--all"])
        .env("DINGTALK_BASE_URL", &mock.url)
        .env("DINGTALK_APP_KEY", "cli-app")
        .env("DINGTALK_APP_SECRET", "cli-app-secret-42")
        .env_remove("DINGTALK_ACCESS_TOKEN")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let groups: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(groups.len(), 4);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("/gettoken") && stderr.contains("/topapi/extcontact/listlabelgroups"),
        "-v logs calls: {stderr}"
    );
    assert!(!stderr.contains("cli-app-secret-42"), "secret in -v output: {stderr}");
    assert!(!stderr.contains("access_token="), "token in -v output: {stderr}");
    assert!(!stderr.contains('\u{1b}'), "no colour codes when stderr is not a terminal");

    let out = with_mock(&mock, &["-v", "ext-contact", "list-label-groups"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("sending request"), "{stderr}");
    assert!(!stderr.contains(TOKEN), "the access token in -v output: {stderr}");
}

#[test]
fn completions_are_printed() {
    let out = dingtalk(&["completions", "bash"]);
    assert!(out.status.success());
    assert!(text(&out.stdout).contains("list-label-groups"));
}

fn with_mock(mock: &MockProcess, args: &[&str]) -> std::process::Output {
    mock.run(args)
}

#[test]
fn contacts_round_trip_through_the_cli() {
    let mock = MockProcess::start(TOKEN, &[]);
    let out = with_mock(
        &mock,
        &[
            "--output",
            "json",
            "ext-contact",
            "create",
            "--name",
            "Wang Wu",
            "--mobile",
            "13700000000",
            "--state-code",
            "86",
            "--follower-user-id",
            "manager01",
            "--label-id",
            "1561077310",
            "--label-id",
            "1561077317",
            "--company-name",
            "Acme",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let created: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let user_id = created["userid"].as_str().expect("userid").to_owned();

    let out = with_mock(&mock, &["--output", "json", "ext-contact", "get", "--user-id", &user_id]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let contact = &answer["result"];
    assert_eq!(contact["name"], "Wang Wu");
    assert_eq!(contact["label_ids"], serde_json::json!([1561077310, 1561077317]));

    // `--json` is the whole request (wire names), as for `call`; flags win over it.
    let file = std::env::temp_dir().join(format!("dingtalk-cli-update-{}.json", std::process::id()));
    let request = format!(
        r#"{{"contact":{{"user_id":"{user_id}","name":"Wang Wu","follower_user_id":"manager02","label_ids":[1561077318]}}}}"#
    );
    std::fs::write(&file, request).unwrap();
    let out = with_mock(&mock, &["ext-contact", "update", "--json", file.to_str().unwrap(), "--title", "CTO"]);
    std::fs::remove_file(&file).unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("errcode: 0"), "{}", text(&out.stdout));

    let out = with_mock(&mock, &["ext-contact", "list", "--all"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    assert!(table.contains("Wang Wu") && table.contains("1561077318") && table.contains("manager02"), "{table}");
    let out = with_mock(&mock, &["--output", "json", "ext-contact", "list", "--all"]);
    let all: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let mine = all.iter().find(|c| c["userid"] == user_id.as_str()).expect("the contact is listed");
    assert_eq!(mine["label_ids"], serde_json::json!([1561077318]), "the update replaced the labels");

    let out = with_mock(&mock, &["ext-contact", "get", "--user-id", &user_id]);
    assert!(text(&out.stdout).contains("title: CTO"), "{}", text(&out.stdout));

    let out = with_mock(&mock, &["ext-contact", "delete", "--user-id", &user_id]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = with_mock(&mock, &["ext-contact", "get", "--user-id", &user_id]);
    assert_eq!(out.status.code(), Some(3));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("errcode 33012") && stderr.contains("fix: Check that the contact exists"), "{stderr}");
}

#[test]
fn contact_validation_failures_exit_2() {
    let mock = MockProcess::start(TOKEN, &[]);
    let out = with_mock(&mock, &["ext-contact", "create", "--name", "No Mobile", "--state-code", "86"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("`contact.mobile` is required"), "{}", text(&out.stderr));
    let long = "x".repeat(65);
    let out = with_mock(&mock, &["ext-contact", "get", "--user-id", &long]);
    assert_eq!(out.status.code(), Some(2));
    let out = with_mock(&mock, &["ext-contact", "update", "--json", "/nonexistent/contact.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot read /nonexistent/contact.json"), "{}", text(&out.stderr));
}

#[test]
fn global_flags_may_follow_a_friendly_command() {
    let out = dingtalk(&["ext-contact", "list-label-groups", "--size", "1", "--sandbox", "--output", "json", "-v"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let page: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(page["results"].as_array().map(Vec::len), Some(1));
    assert!(text(&out.stderr).contains("sending request"), "-v after the command still logs");
}
