//! The `mock:` actions over one store: list (filtered, projected, paginated by offset,
//! cursor or token), count, get, create, update and delete.

use dingtalk_oapi::OperationDescriptor;
use dingtalk_oapi::runtime::{Code, MockAction, MockInfo, PagePosition, Pagination, ParamType};
use serde_json::{Map, Value};

use crate::ids::random_id;
use crate::validate::{is_absent, key_text, same_key};

/// Most objects one store holds; a create beyond it fails.
pub(crate) const MAX_STORE_ITEMS: usize = 1_000_000;

/// An API error the action answers: a documented code, or (`None`) the service's code for an
/// invalid parameter, with a detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    pub code: Option<Code<'static>>,
    pub detail: String,
}

fn invalid(detail: impl std::fmt::Display) -> Failure {
    Failure { code: None, detail: detail.to_string() }
}

/// Whether a stored object passes the action's filter (every object does without one): its
/// field equals the parameter's value or, when the field is a list, contains it. A filter whose
/// parameter is absent keeps everything.
fn passes(mock: &MockInfo, params: &Map<String, Value>, item: &Value) -> bool {
    let Some(filter) = mock.filter else { return true };
    let Some(wanted) = params.get(filter.param).filter(|v| !is_absent(v)) else { return true };
    match item.get(filter.field) {
        Some(Value::Array(values)) => values.iter().any(|v| same_key(v, wanted)),
        Some(value) => same_key(value, wanted),
        None => false,
    }
}

/// Puts `value` at a dotted path of the response, making the objects on the way.
pub(crate) fn put(out: &mut Map<String, Value>, path: &str, value: Value) {
    let mut segments: Vec<&str> = path.split('.').collect();
    let last = segments.pop().unwrap_or(path);
    let mut map = out;
    for segment in segments {
        let entry = map.entry(segment.to_owned()).or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        let Value::Object(next) = entry else { return };
        map = next;
    }
    map.insert(last.to_owned(), value);
}

/// One page of `items` as a paginated operation answers it. The position is an offset, or a
/// cursor or token that is the offset of the page's first item (a token as decimal text where
/// the response's token is text); a token this server did not hand out is refused.
pub(crate) fn page(
    op: &OperationDescriptor,
    p: &Pagination,
    params: &Map<String, Value>,
    items: Vec<Value>,
) -> Result<Map<String, Value>, Failure> {
    let mut out = Map::new();
    let start = match params.get(p.position()).filter(|v| !is_absent(v)) {
        None => 0,
        Some(at) => {
            match PagePosition::from_json(at).and_then(|at| at.to_int()).and_then(|n| usize::try_from(n).ok()) {
                Some(n) => n,
                None => {
                    return Err(invalid(format_args!(
                        "{} {at} is not a position this server handed out",
                        p.position()
                    )));
                }
            }
        }
    }
    .min(items.len());
    let size = params
        .get(p.size.unwrap_or_default())
        .and_then(Value::as_i64)
        .or(p.max_page_size)
        .unwrap_or(DEFAULT_PAGE_SIZE)
        .max(0);
    let end = start.saturating_add(usize::try_from(size).unwrap_or(0)).min(items.len());
    let more = end < items.len();
    let page: Vec<Value> = items.into_iter().skip(start).take(end - start).collect();
    put(&mut out, p.items, Value::Array(page));
    if let Some(has_more) = p.has_more() {
        put(&mut out, has_more, Value::Bool(more));
    }
    if let Some(next) = p.next_position().filter(|_| more) {
        // Text or a number, as the response declares the token.
        let text = matches!(response_type(op, next), Some(ParamType::String));
        put(&mut out, next, if text { Value::String(end.to_string()) } else { Value::from(end as u64) });
    }
    Ok(out)
}

/// A token walk asks for this many items when neither the request nor the spec says.
const DEFAULT_PAGE_SIZE: i64 = 20;

/// The type of the response field at a dotted path.
pub(crate) fn response_type(op: &OperationDescriptor, path: &str) -> Option<ParamType> {
    let mut fields = op.response;
    let mut segments = path.split('.').peekable();
    while let Some(segment) = segments.next() {
        let field = fields.iter().find(|f| f.name == segment)?;
        if segments.peek().is_none() {
            return Some(field.ty);
        }
        match field.ty {
            ParamType::Object(schema) => fields = schema.fields,
            _ => return None,
        }
    }
    None
}

/// Removes the value at a dotted path of the response, if there is one.
pub(crate) fn remove(out: &mut Map<String, Value>, path: &str) {
    match path.split_once('.') {
        None => {
            out.remove(path);
        }
        Some((first, rest)) => {
            if let Some(Value::Object(inner)) = out.get_mut(first) {
                remove(inner, rest);
            }
        }
    }
}

/// Runs the action over `items` with checked parameters; returns the response fields besides
/// `errcode` and `request_id`.
pub(crate) fn apply(
    op: &OperationDescriptor,
    mock: &MockInfo,
    params: &Map<String, Value>,
    items: &mut Vec<Value>,
) -> Result<Map<String, Value>, Failure> {
    let mut out = Map::new();
    match mock.action {
        MockAction::List => {
            let kept: Vec<&Value> = items.iter().filter(|item| passes(mock, params, item)).collect();
            let project = |item: &Value| match mock.project {
                Some(field) => item.get(field).cloned().unwrap_or(Value::Null),
                None => item.clone(),
            };
            let Some(p) = op.pagination else {
                let all = kept.iter().map(|item| project(item)).collect();
                put(&mut out, mock.result.unwrap_or("results"), Value::Array(all));
                return Ok(out);
            };
            let kept: Vec<Value> = kept.iter().map(|item| project(item)).collect();
            out = page(op, &p, params, kept)?;
        }
        MockAction::Count => {
            let count = items.iter().filter(|item| passes(mock, params, item)).count();
            put(&mut out, mock.result.unwrap_or("count"), Value::from(count as u64));
        }
        MockAction::Get => {
            let (_, index) = find_by_param(op, mock, params, items)?;
            let projected;
            let item = match mock.project {
                Some(field) => {
                    projected = items[index].get(field).cloned().unwrap_or(Value::Null);
                    &projected
                }
                None => &items[index],
            };
            match (mock.result, item) {
                (Some(result), item) => put(&mut out, result, item.clone()),
                // No `result`: the object is the answer (the new API's way).
                (None, Value::Object(object)) => out.extend(object.clone()),
                (None, _) => {}
            }
        }
        MockAction::Delete => {
            let (key, index) = find_by_param(op, mock, params, items)?;
            items.remove(index);
            insert_result(&mut out, mock, key);
        }
        MockAction::Create => {
            let mut object: Map<String, Value> =
                mock.defaults.and_then(|text| serde_json::from_str(text).ok()).unwrap_or_default();
            object.extend(object_param(mock, params)?);
            let key = match object.get(mock.key).filter(|v| !is_absent(v)) {
                Some(key) => {
                    let key = key.clone();
                    if find(items, mock.key, &key).is_some() {
                        return Err(invalid(format_args!("{} {} already exists", mock.key, key)));
                    }
                    key
                }
                None => {
                    // A key the response gives as a number (a task ID) is made a number.
                    let numeric = mock
                        .result
                        .and_then(|r| response_type(op, r))
                        .is_some_and(|t| matches!(t, ParamType::I32 | ParamType::I64));
                    let key = if numeric { Value::from(numeric_id()) } else { Value::String(random_id(16)) };
                    object.insert(mock.key.to_owned(), key.clone());
                    key
                }
            };
            if items.len() >= MAX_STORE_ITEMS {
                return Err(invalid(format_args!("the store `{}` is full ({MAX_STORE_ITEMS} objects)", mock.store)));
            }
            // Top-level response fields the new object holds are answered too (an upload's `type`).
            for field in op.response.iter().filter(|f| f.name != mock.key) {
                if let Some(value) = object.get(field.name).filter(|v| !is_absent(v)) {
                    out.insert(field.name.to_owned(), value.clone());
                }
            }
            items.push(Value::Object(object));
            insert_result(&mut out, mock, key);
        }
        MockAction::Update => {
            let mut object = object_param(mock, params)?;
            let key_field = mock.object_key.unwrap_or(mock.key).to_owned();
            let Some(key) = object.remove(&key_field).filter(|v| !is_absent(v)) else {
                let param = mock.param.map_or(String::new(), |p| format!("{p}."));
                return Err(invalid(format_args!("{param}{key_field} is required")));
            };
            let Some(index) = find(items, mock.key, &key) else { return Err(not_found(op, mock, &key)) };
            if let Value::Object(stored) = &mut items[index] {
                for (name, value) in object {
                    if !value.is_null() {
                        stored.insert(name, value);
                    }
                }
            }
            insert_result(&mut out, mock, key);
        }
    }
    Ok(out)
}

/// A new numeric key: the milliseconds of the Unix clock, and a count, so never repeated.
fn numeric_id() -> i64 {
    static NEXT: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);
    let start = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
    let _ = NEXT.compare_exchange(0, start, std::sync::atomic::Ordering::SeqCst, std::sync::atomic::Ordering::SeqCst);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
}

fn insert_result(out: &mut Map<String, Value>, mock: &MockInfo, key: Value) {
    if let Some(result) = mock.result {
        put(out, result, key);
    }
}

/// The key named by the request, and the index of the object it names.
fn find_by_param(
    op: &OperationDescriptor,
    mock: &MockInfo,
    params: &Map<String, Value>,
    items: &[Value],
) -> Result<(Value, usize), Failure> {
    let param = mock.param.unwrap_or(mock.key);
    let key = match params.get(param).filter(|v| !is_absent(v)) {
        Some(key @ (Value::String(_) | Value::Number(_))) => key.clone(),
        Some(_) => return Err(invalid(format_args!("{param} must be a string or a number"))),
        None => return Err(invalid(format_args!("{param} is required"))),
    };
    match find(items, mock.key, &key) {
        Some(index) => Ok((key, index)),
        None => Err(not_found(op, mock, &key)),
    }
}

/// The object a create or update carries: the parameter `mock.param`, or all parameters.
fn object_param(mock: &MockInfo, params: &Map<String, Value>) -> Result<Map<String, Value>, Failure> {
    match mock.param {
        None => Ok(params.clone()),
        Some(param) => match params.get(param) {
            Some(Value::Object(object)) => Ok(object.clone()),
            Some(v) if !is_absent(v) => Err(invalid(format_args!("{param} must be a JSON object"))),
            _ => Err(invalid(format_args!("{param} is required"))),
        },
    }
}

fn not_found(_op: &OperationDescriptor, mock: &MockInfo, key: &Value) -> Failure {
    Failure { code: mock.not_found, detail: format!("no object with {} {key}", mock.key) }
}

/// The index of the object whose `key` field equals `wanted` (a number and its decimal text match).
pub(crate) fn find(items: &[Value], key: &str, wanted: &Value) -> Option<usize> {
    let wanted = key_text(wanted)?;
    items.iter().position(|item| item.get(key).and_then(key_text).as_deref() == Some(wanted.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use dingtalk_oapi::runtime::{Encoding, ErrorClass, ErrorCodeInfo, HttpMethod};
    use serde_json::json;

    static TEST: OperationDescriptor = OperationDescriptor {
        name: "Test",
        id: "Test",
        group: "test",
        summary: "",
        service: &dingtalk_oapi::generated::service::SERVICE,
        method: HttpMethod::Post,
        path: "/test",
        encoding: Encoding::Json,
        requires_token: true,
        retry_safe: false,
        response_value: false,
        path_params: &[],
        query: &[],
        headers: &[],
        body: &[],
        response: &[],
        pagination: None,
        errors: &[ErrorCodeInfo::new(33012, "invalid_user_id", "Invalid userId", "", ErrorClass::NotRetryable)],
    };

    fn op(action: MockAction, param: Option<&'static str>, result: Option<&'static str>) -> MockInfo {
        MockInfo {
            store: "contacts",
            action,
            key: "userid",
            param,
            object_key: None,
            result,
            not_found: Some(Code::Num(33012)),
            filter: None,
            project: None,
            defaults: None,
        }
    }

    fn run(mock: &MockInfo, params: Value, items: &mut Vec<Value>) -> Result<Map<String, Value>, Failure> {
        apply(&TEST, mock, params.as_object().unwrap(), items)
    }

    #[test]
    fn crud() {
        let mut items = vec![json!({"userid": "u1", "name": "One"}), json!({"userid": 7, "name": "Seven"})];
        let get = op(MockAction::Get, Some("user_id"), Some("result"));
        assert_eq!(run(&get, json!({"user_id": "7"}), &mut items).unwrap()["result"]["name"], "Seven");
        let e = run(&get, json!({"user_id": "nope"}), &mut items).unwrap_err();
        assert_eq!(e, Failure { code: Some(Code::Num(33012)), detail: "no object with userid \"nope\"".into() });
        assert_eq!(run(&get, json!({}), &mut items).unwrap_err().code, None);

        let create = op(MockAction::Create, Some("contact"), Some("userid"));
        let out = run(&create, json!({"contact": {"name": "New"}}), &mut items).unwrap();
        let key = out["userid"].as_str().unwrap().to_owned();
        assert_eq!(key.len(), 16);
        assert_eq!(items[2], json!({"userid": key, "name": "New"}));
        let out = run(&create, json!({"contact": {"userid": "mine", "name": "Mine"}}), &mut items).unwrap();
        assert_eq!(out["userid"], "mine");
        assert_eq!(run(&create, json!({"contact": {"userid": "mine"}}), &mut items).unwrap_err().code, None);

        let update = op(MockAction::Update, Some("contact"), None);
        let out = run(&update, json!({"contact": {"userid": "u1", "title": "Boss", "name": null}}), &mut items);
        assert!(out.unwrap().is_empty());
        assert_eq!(items[0], json!({"userid": "u1", "name": "One", "title": "Boss"}));
        assert_eq!(
            run(&update, json!({"contact": {"userid": "zz"}}), &mut items).unwrap_err().code,
            Some(Code::Num(33012))
        );
        assert_eq!(run(&update, json!({"contact": {"name": "x"}}), &mut items).unwrap_err().code, None);
        // The key under another name inside the object (the contact update's `user_id` for `userid`).
        let renamed = MockInfo { object_key: Some("user_id"), ..op(MockAction::Update, Some("contact"), None) };
        run(&renamed, json!({"contact": {"user_id": 7, "title": "Seven up"}}), &mut items).unwrap();
        assert_eq!(run(&renamed, json!({"contact": {"userid": 7}}), &mut items).unwrap_err().code, None);
        assert_eq!(items[1], json!({"userid": 7, "name": "Seven", "title": "Seven up"}));

        let delete = op(MockAction::Delete, Some("user_id"), None);
        run(&delete, json!({"user_id": "u1"}), &mut items).unwrap();
        assert_eq!(items.len(), 3);
        assert_eq!(run(&delete, json!({"user_id": "u1"}), &mut items).unwrap_err().code, Some(Code::Num(33012)));
    }

    #[test]
    fn list_without_pagination_returns_everything() {
        let mut items = vec![json!({"userid": "a"}), json!({"userid": "b"})];
        let list = op(MockAction::List, None, Some("list"));
        assert_eq!(run(&list, json!({}), &mut items).unwrap()["list"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn filters_projections_counts_and_cursor_pages() {
        use dingtalk_oapi::runtime::{MockFilter, Pagination};
        static PAGED: OperationDescriptor = OperationDescriptor {
            pagination: Some(Pagination::cursor(
                "cursor",
                "size",
                "result.list",
                "result.next_cursor",
                "result.has_more",
                10,
            )),
            ..TEST
        };
        let mut items = vec![
            json!({"userid": "a", "dept_id_list": [1, 2]}),
            json!({"userid": "b", "dept_id_list": [2]}),
            json!({"userid": "c", "dept_id_list": [3]}),
        ];
        let in_dept = MockInfo {
            filter: Some(MockFilter { param: "dept_id", field: "dept_id_list" }),
            ..op(MockAction::List, None, Some("result.list"))
        };
        let page = |cursor: i64, items: &mut Vec<Value>| {
            apply(&PAGED, &in_dept, json!({"dept_id": 2, "cursor": cursor, "size": 1}).as_object().unwrap(), items)
                .unwrap()
        };
        let first = page(0, &mut items);
        assert_eq!(Value::Object(first), json!({"result": {"list": [items[0]], "has_more": true, "next_cursor": 1}}));
        let last = page(1, &mut items);
        assert_eq!(Value::Object(last), json!({"result": {"list": [items[1]], "has_more": false}}));

        let ids = MockInfo { project: Some("userid"), ..in_dept };
        let out = apply(&TEST, &ids, json!({"dept_id": "2"}).as_object().unwrap(), &mut items).unwrap();
        assert_eq!(Value::Object(out), json!({"result": {"list": ["a", "b"]}}), "numeric strings match numbers");

        let count = MockInfo { result: Some("result.count"), ..op(MockAction::Count, None, None) };
        let out = apply(&TEST, &count, &Map::new(), &mut items).unwrap();
        assert_eq!(out["result"]["count"], 3);
        let count = MockInfo { filter: in_dept.filter, ..count };
        let out = apply(&TEST, &count, json!({"dept_id": 3}).as_object().unwrap(), &mut items).unwrap();
        assert_eq!(out["result"]["count"], 1);
    }
}
