//! The reference page's response example decodes into the generated types, value by value.

use dingtalk_oapi::generated::mock::extcontact::LIST_LABEL_GROUPS_MOCK;
use dingtalk_oapi::{ListLabelGroupsResponse, Operation};

#[test]
fn reference_response_example_decodes_with_every_value() {
    let example = LIST_LABEL_GROUPS_MOCK.examples.first().expect("the spec carries the page's example");
    let text = example.response.expect("a response example");
    let response: ListLabelGroupsResponse = serde_json::from_str(text).expect("decodes into the generated types");

    assert_eq!(response.errcode, Some(0));
    assert_eq!(response.request_id.as_deref(), Some("51jof1jt5f4t"));
    type Group<'a> = (&'a str, i64, &'a [(&'a str, i64)]);
    let expected: [Group; 4] = [
        (
            "Type",
            -15220075,
            &[
                ("Customer", 1561077310),
                ("Channel partner", 1561077311),
                ("Supplier", 1561077312),
                ("Partner", 1561077313),
                ("Interviewee", 1561077314),
                ("Other type", 1561077315),
            ],
        ),
        ("Level", -11687445, &[("General", 1561077317), ("Important", 1561077318), ("Core", 1561077319)]),
        (
            "Status",
            -543394,
            &[
                ("Potential", 1561077321),
                ("Interested", 1561077322),
                ("In negotiation", 1561077323),
                ("Closed deal", 1561077324),
                ("Lost", 1561077325),
            ],
        ),
        (
            "Recruitment status",
            -543394,
            &[
                ("To be invited", 1561077327),
                ("To be interviewed", 1561077328),
                ("First-round interview", 1561077329),
                ("Second-round interview", 1561077330),
                ("Onboarded", 1561077331),
            ],
        ),
    ];
    assert_eq!(response.results.len(), expected.len());
    for (group, (name, color, labels)) in response.results.iter().zip(expected) {
        assert_eq!(group.name.as_deref(), Some(name));
        assert_eq!(group.color, Some(color));
        let got: Vec<(&str, i64)> =
            group.labels.iter().map(|l| (l.name.as_deref().unwrap_or_default(), l.id.unwrap_or_default())).collect();
        assert_eq!(got, labels, "labels of {name}");
    }
}

#[test]
fn the_descriptor_matches_the_reference_page() {
    let d = <dingtalk_oapi::ListLabelGroups as Operation>::DESCRIPTOR;
    assert_eq!(d.method, dingtalk_oapi::runtime::HttpMethod::Post);
    assert_eq!(d.path, "/topapi/extcontact/listlabelgroups");
    let size = d.param("size").expect("size");
    assert_eq!((size.required, size.max), (false, Some(100)));
    let offset = d.param("offset").expect("offset");
    assert_eq!((offset.required, offset.min), (false, Some(0)));
    let codes: Vec<(i64, &str)> = d.errors.iter().filter_map(|e| Some((e.code.as_i64()?, e.message))).collect();
    assert_eq!(
        codes,
        [
            (33009, "Invalid tokenGrantType"),
            (400043, "Invalid orgId"),
            (41101, "Invalid size"),
            (40068, "Invalid offset"),
            (-1, "System busy")
        ]
    );
    assert_eq!(
        d.pagination.map(|p| (p.position(), p.size, p.items, p.max_page_size)),
        Some(("offset", Some("size"), "results", Some(100)))
    );
    let curl = LIST_LABEL_GROUPS_MOCK.examples[0].curl.expect("curl example");
    assert!(curl.contains("-d 'access_token=e6eaxxxxa401'") && curl.contains("-d 'size=20'"));
}

/// Facts of the page the client does not read stay in the spec (and the generated docs).
#[test]
fn the_spec_keeps_the_page_s_permission_and_app_types() {
    let root = xtask::workspace_root().unwrap();
    let sources = xtask::read_sources(&root, &root.join(xtask::SPEC_DIR)).unwrap();
    let spec = dingtalk_codegen::load(&sources).unwrap_or_else(|d| panic!("{d:?}"));
    let op = spec.operations.iter().find(|o| o.name == "ListLabelGroups").expect("ListLabelGroups");
    let permission = op.permission.as_ref().expect("a permission");
    assert_eq!(permission.name, "qyapi_ext_read");
    assert_eq!(op.app_types, ["internal", "third_party_enterprise"]);
    let docs =
        std::fs::read_to_string(root.join(xtask::GENERATED_DIR).join("extcontact/list_label_groups.rs")).unwrap();
    assert!(docs.contains("Permission: `qyapi_ext_read`"), "the generated docs name the permission");
}
