//! Store contents: the defaults from the spec's examples, and data given by the user.

use std::collections::{BTreeSet, HashMap};

use dingtalk_oapi::ParamType;
use dingtalk_oapi::generated::service::SERVICE;
use dingtalk_oapi::runtime::{MockAction, MockDescriptor, ObjectSchema};
use dingtalk_oapi::schema::Mode;
use serde_json::Value;

use crate::DEFAULT_STORE;

/// The stores named by the operations' `mock:` behaviour.
pub(crate) fn known_stores(ops: &[&'static MockDescriptor]) -> BTreeSet<&'static str> {
    ops.iter().filter_map(|m| m.behaviour.map(|b| b.store)).collect()
}

/// Every known store, filled from the spec's `sandbox:` data for it, else from the first example
/// response of the operation that lists it (its pagination items field), else of one that gets
/// one object (its `result` field), else empty.
pub(crate) fn default_stores(
    ops: &[&'static MockDescriptor],
    sandbox: &[(&'static str, &str)],
) -> HashMap<String, Vec<Value>> {
    let mut stores: HashMap<String, Vec<Value>> = HashMap::new();
    let mut seeded: BTreeSet<&str> = BTreeSet::new();
    let known = known_stores(ops);
    for (store, json) in sandbox {
        // Checked against the spec when generated; a store this server does not serve is skipped.
        if let (true, Ok(Value::Array(items))) = (known.contains(store), serde_json::from_str(json)) {
            seeded.insert(store);
            stores.insert((*store).to_owned(), items);
        }
    }
    for pass in [MockAction::List, MockAction::Get] {
        for op in ops {
            let Some(m) = op.behaviour.filter(|m| m.action == pass) else { continue };
            if seeded.contains(m.store) {
                continue;
            }
            let Some(example) = first_example(op) else { continue };
            let items = match pass {
                // A projected list holds field values, not the stored objects.
                MockAction::List if m.project.is_none() => {
                    let field = op.operation.pagination.map(|p| p.items).or(m.result).unwrap_or("results");
                    match path(&example, field) {
                        Some(Value::Array(items)) => items.clone(),
                        _ => continue,
                    }
                }
                MockAction::List => continue,
                _ => match m.result.and_then(|r| path(&example, r)) {
                    Some(obj @ Value::Object(_)) => vec![obj.clone()],
                    _ => continue,
                },
            };
            seeded.insert(m.store);
            stores.insert(m.store.to_owned(), items);
        }
    }
    for store in known_stores(ops) {
        stores.entry(store.to_owned()).or_default();
    }
    stores
}

/// The value at a dotted path of a response object.
fn path<'v>(object: &'v serde_json::Map<String, Value>, dotted: &str) -> Option<&'v Value> {
    let mut segments = dotted.split('.');
    let first = object.get(segments.next()?)?;
    segments.try_fold(first, |v, segment| v.get(segment))
}

/// The operation's first example response, parsed as a JSON object.
pub(crate) fn first_example(op: &MockDescriptor) -> Option<serde_json::Map<String, Value>> {
    let text = op.examples.first()?.response?;
    match serde_json::from_str(text) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    }
}

/// The `access_token=` values printed in the operations' curl examples.
pub(crate) fn example_tokens(ops: &[&'static MockDescriptor]) -> Vec<String> {
    let dingtalk_oapi::runtime::TokenPlacement::Query(param) = SERVICE.token else { return Vec::new() };
    let needle = format!("{param}=");
    let mut tokens = Vec::new();
    for curl in ops.iter().flat_map(|op| op.examples).filter_map(|e| e.curl) {
        let mut rest = curl;
        while let Some(at) = rest.find(&needle) {
            rest = &rest[at + needle.len()..];
            let end = rest.find(|c: char| c.is_whitespace() || "'\"&\\".contains(c)).unwrap_or(rest.len());
            let token = &rest[..end];
            if !token.is_empty() && !tokens.iter().any(|t| t == token) {
                tokens.push(token.to_owned());
            }
        }
    }
    tokens
}

/// User data: `{"store": [objects], ...}` or a bare array of objects for the default store.
/// The schema of the objects a store holds: the item type of the response list its `list`
/// operation pages over, or the `result` of its `get`.
fn item_schema(ops: &[&'static MockDescriptor], store: &str) -> Option<&'static ObjectSchema> {
    ops.iter().filter(|op| op.behaviour.is_some_and(|m| m.store == store)).find_map(|op| {
        let mock = op.behaviour?;
        let field = match mock.action {
            MockAction::List if mock.project.is_none() => op.operation.pagination.map(|p| p.items).or(mock.result)?,
            MockAction::Get => mock.result?,
            _ => return None,
        };
        let mut segments = field.split('.');
        let mut ty = op.operation.response.iter().find(|f| Some(f.name) == segments.next())?.ty;
        for segment in segments {
            let ParamType::Object(schema) = ty else { return None };
            ty = schema.fields.iter().find(|f| f.name == segment)?.ty;
        }
        while let ParamType::List(inner) = ty {
            ty = *inner;
        }
        match ty {
            ParamType::Object(schema) => Some(schema),
            _ => None,
        }
    })
}

/// Checks data for a store against the spec's types, so that a bad data file is refused when
/// the server starts rather than answered to clients as malformed responses.
pub(crate) fn check_items(ops: &[&'static MockDescriptor], store: &str, items: &[Value]) -> Result<(), String> {
    let Some(schema) = item_schema(ops, store) else { return Ok(()) };
    for (i, item) in items.iter().enumerate() {
        let path = format!("{store}[{i}]");
        if !item.is_object() {
            return Err(format!("`{path}` is {}, expected a `{}` object", kind(item), schema.name));
        }
        dingtalk_oapi::schema::check_value(&ParamType::Object(schema), item, &path, Mode::Decode)
            .map_err(|e| format!("`{}` {}", e.field, e.problem))?;
    }
    Ok(())
}

pub(crate) fn parse_data(value: Value) -> Result<Vec<(String, Vec<Value>)>, String> {
    let stores = match value {
        Value::Array(items) => vec![(DEFAULT_STORE.to_owned(), items)],
        Value::Object(map) => map
            .into_iter()
            .map(|(store, items)| match items {
                Value::Array(items) => Ok((store, items)),
                other => Err(format!("store `{store}` must be an array of objects, not {}", kind(&other))),
            })
            .collect::<Result<_, _>>()?,
        other => {
            return Err(format!(
                "expected a JSON object keyed by store name (or an array of `{DEFAULT_STORE}`), not {}",
                kind(&other)
            ));
        }
    };
    for (store, items) in &stores {
        if let Some((i, item)) = items.iter().enumerate().find(|(_, item)| !item.is_object()) {
            return Err(format!("store `{store}`: item {i} is {}, not an object", kind(item)));
        }
    }
    Ok(stores)
}

pub(crate) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A response object made from the spec's fields, for operations with no example (the new
/// API's, imported without any): a field named like a request parameter echoes its value when
/// the value fits the field's type, else a value of its type made from its name (see
/// [`sample_text`]), numbers counting from `seed`, booleans true, lists one item; objects nest
/// up to three levels.
pub(crate) fn sample_object(
    fields: &[dingtalk_oapi::FieldSchema],
    params: &serde_json::Map<String, Value>,
    depth: usize,
    seed: usize,
) -> serde_json::Map<String, Value> {
    let mut out = serde_json::Map::new();
    for f in fields {
        // A flattened union's tag and value are members of this object.
        if f.flat_union().is_some() {
            if let Some(Value::Object(members)) = sample_value(&f.ty, f.name, params, depth, seed) {
                out.extend(members);
            }
            continue;
        }
        // A request value is echoed only where it fits the response field's type (a request's
        // `result: "agree"` is no answer for a response's `result: bool`).
        let echoed = params
            .get(f.name)
            .filter(|_| depth == 0)
            .and_then(|v| dingtalk_oapi::schema::check_value(&f.ty, v, f.name, Mode::Decode).ok());
        let value = match echoed {
            Some(v) => v,
            None => match sample_value(&f.ty, f.name, params, depth, seed) {
                Some(v) => v,
                None => continue,
            },
        };
        out.insert(f.name.to_owned(), value);
    }
    out
}

/// A made-up value of one field (a response that is one value): the request's value of the
/// same name where it fits, else one of the field's type.
pub(crate) fn sample_field(field: &dingtalk_oapi::FieldSchema, params: &serde_json::Map<String, Value>) -> Value {
    sample_object(std::slice::from_ref(field), params, 0, 1).remove(field.name).unwrap_or(Value::Null)
}

/// How many items the fake server's made-up list of a paginated operation holds (without a
/// store behind it): enough for several pages at a small page size.
pub(crate) const SAMPLE_ITEMS: usize = 7;

/// The answer of a paginated operation without a store: the sample response with
/// [`SAMPLE_ITEMS`] made-up items (each different), one page of them and, while more follow,
/// the next page's token.
pub(crate) fn sample_page(
    op: &dingtalk_oapi::OperationDescriptor,
    pagination: &dingtalk_oapi::runtime::Pagination,
    params: &serde_json::Map<String, Value>,
) -> Result<serde_json::Map<String, Value>, crate::store::Failure> {
    let mut out = sample_object(op.response, params, 0, 1);
    for path in [pagination.next_position(), pagination.has_more()].into_iter().flatten() {
        crate::store::remove(&mut out, path);
    }
    let items = match crate::store::response_type(op, pagination.items) {
        Some(dingtalk_oapi::ParamType::List(inner)) => {
            let name = pagination.items.rsplit('.').next().unwrap_or(pagination.items);
            (1..=SAMPLE_ITEMS).filter_map(|n| sample_value(inner, name, params, 1, n)).collect()
        }
        _ => Vec::new(),
    };
    for (path, value) in crate::store::page(op, pagination, params, items)? {
        out.insert(path, value);
    }
    Ok(out)
}

fn sample_value(
    ty: &dingtalk_oapi::ParamType,
    name: &str,
    params: &serde_json::Map<String, Value>,
    depth: usize,
    seed: usize,
) -> Option<Value> {
    use dingtalk_oapi::ParamType as T;
    Some(match ty {
        T::String => Value::String(sample_text(name, seed)),
        T::Bool => Value::Bool(true),
        T::I32 | T::I64 => Value::from(seed as u64),
        T::F64 => Value::from(seed as f64 + 0.5),
        T::Json => Value::Object(serde_json::Map::new()),
        // Files are never answered (the spec refuses `file` outside request bodies).
        T::File => return None,
        T::List(inner) => Value::Array(sample_value(inner, name, params, depth, seed).into_iter().collect()),
        T::Object(_) if depth >= 3 => return None,
        T::Object(schema) => Value::Object(sample_object(schema.fields, params, depth + 1, seed)),
        // The first variant, tagged.
        T::Union(union) => {
            let variant = union.variants.first()?;
            let value = sample_value(&variant.ty, variant.name, params, depth, seed)?;
            serde_json::json!({ union.tag: variant.name, variant.name: value })
        }
    })
}

/// Text that reads like a value of the field `name`: an id (`userId` → `user_0003`), a time
/// (ISO 8601), a URL, a mobile number, an e-mail address, a name (`Sample name 3`), or else the
/// field's name with the seed (`status 3`).
pub(crate) fn sample_text(name: &str, seed: usize) -> String {
    let lower = name.to_ascii_lowercase();
    let ends = |suffix: &str| lower.ends_with(suffix);
    if ends("id") || ends("ids") || ends("code") || ends("key") {
        let stem = lower.trim_end_matches('s').trim_end_matches("id").trim_end_matches("code").trim_end_matches("key");
        let stem = stem.trim_end_matches(['_', '-']);
        let stem = if stem.is_empty() { "id" } else { stem };
        format!("{stem}_{seed:04}")
    } else if lower.contains("time") || lower.contains("date") {
        format!("2026-11-{:02}T09:30:00Z", 1 + seed % 28)
    } else if ends("url") || lower.contains("link") {
        format!("https://example.com/{lower}/{seed}")
    } else if lower.contains("mobile") || lower.contains("phone") {
        format!("138{seed:08}")
    } else if lower.contains("email") {
        format!("user{seed}@example.com")
    } else if lower.contains("name") || lower.contains("nick") || lower.contains("title") {
        format!("Sample {} {seed}", words(name))
    } else {
        format!("{} {seed}", words(name))
    }
}

/// `createTime` → `create time`.
fn words(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push(' ');
        }
        out.push(if c == '_' { ' ' } else { c.to_ascii_lowercase() });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn default_label_groups_come_from_the_example() {
        let stores =
            default_stores(dingtalk_oapi::generated::mock::OPERATIONS, dingtalk_oapi::generated::mock::SANDBOX);
        let groups = &stores["label_groups"];
        assert_eq!(groups.len(), 4);
        assert_eq!(groups[0]["name"], "Type");
        assert_eq!(groups[3]["name"], "Recruitment status");
    }

    #[test]
    fn samples_echo_request_values_only_where_they_fit() {
        use dingtalk_oapi::{FieldSchema, ParamType};
        let fields = [FieldSchema::new("result", ParamType::Bool), FieldSchema::new("userId", ParamType::String)];
        let params = json!({"result": "agree", "userId": "u1"});
        let sample = sample_object(&fields, params.as_object().unwrap(), 0, 1);
        assert_eq!(Value::Object(sample), json!({"result": true, "userId": "u1"}));
    }

    #[test]
    fn curl_tokens_are_found() {
        assert!(example_tokens(dingtalk_oapi::generated::mock::OPERATIONS).contains(&"e6eaxxxxa401".to_owned()));
    }

    #[test]
    fn data_is_checked_against_the_spec_types() {
        let ops = dingtalk_oapi::generated::mock::OPERATIONS;
        let good = serde_json::json!([{"name": "G", "color": -1, "labels": [{"name": "l", "id": 1}]}]);
        assert_eq!(check_items(ops, "label_groups", good.as_array().unwrap()), Ok(()));
        let bad = serde_json::json!([{"name": "G"}, {"name": 5}]);
        assert_eq!(
            check_items(ops, "label_groups", bad.as_array().unwrap()),
            Err("`label_groups[1].name` must be a string".to_owned())
        );
        let bad = serde_json::json!([{"labels": [{"id": "x"}]}]);
        let err = check_items(ops, "label_groups", bad.as_array().unwrap()).unwrap_err();
        assert_eq!(err, "`label_groups[0].labels[0].id` must be an integer");
        let bad = serde_json::json!([7]);
        assert!(
            check_items(ops, "label_groups", bad.as_array().unwrap())
                .unwrap_err()
                .contains("expected a `OpenLabelGroup` object")
        );
    }

    #[test]
    fn data_shapes() {
        assert_eq!(parse_data(json!([{"name": "a"}])).unwrap()[0].0, "label_groups");
        assert_eq!(parse_data(json!({"x": []})).unwrap(), vec![("x".to_owned(), vec![])]);
        assert!(parse_data(json!("nope")).unwrap_err().contains("not a string"));
        assert!(parse_data(json!({"x": 1})).unwrap_err().contains("`x` must be an array"));
        assert!(parse_data(json!({"x": [{}, 3]})).unwrap_err().contains("item 1 is a number"));
    }
}
