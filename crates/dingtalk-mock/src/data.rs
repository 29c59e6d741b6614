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
/// the value fits the field's type, else strings are `"<field>"`, numbers 1, booleans true, lists one item; objects nest up to
/// three levels.
pub(crate) fn sample_object(
    fields: &[dingtalk_oapi::FieldSchema],
    params: &serde_json::Map<String, Value>,
    depth: usize,
) -> serde_json::Map<String, Value> {
    fields
        .iter()
        .filter_map(|f| {
            // A request value is echoed only where it fits the response field's type (a request's
            // `result: "agree"` is no answer for a response's `result: bool`).
            let echoed = params
                .get(f.name)
                .filter(|_| depth == 0)
                .and_then(|v| dingtalk_oapi::schema::check_value(&f.ty, v, f.name, Mode::Decode).ok());
            let value = match echoed {
                Some(v) => v,
                None => sample_value(&f.ty, f.name, params, depth)?,
            };
            Some((f.name.to_owned(), value))
        })
        .collect()
}

fn sample_value(
    ty: &dingtalk_oapi::ParamType,
    name: &str,
    params: &serde_json::Map<String, Value>,
    depth: usize,
) -> Option<Value> {
    use dingtalk_oapi::ParamType as T;
    Some(match ty {
        T::String => Value::String(format!("<{name}>")),
        T::Bool => Value::Bool(true),
        T::I32 | T::I64 => Value::from(1),
        T::F64 => Value::from(1.5),
        T::Json => Value::Object(serde_json::Map::new()),
        T::List(inner) => Value::Array(sample_value(inner, name, params, depth).into_iter().collect()),
        T::Object(_) if depth >= 3 => return None,
        T::Object(schema) => Value::Object(sample_object(schema.fields, params, depth + 1)),
    })
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
        let sample = sample_object(&fields, params.as_object().unwrap(), 0);
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
