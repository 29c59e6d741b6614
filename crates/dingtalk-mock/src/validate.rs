//! Checks request parameters the way the real server reads them, through the runtime's one
//! schema checker in its lenient mode (numbers as numeric strings, lists and objects as JSON
//! text, null or empty as absent), and values that must name stored objects.

use dingtalk_oapi::schema::{self, Mode};
use dingtalk_oapi::{FieldSchema, OperationDescriptor, ParamType};
use serde_json::{Map, Value};

/// A parameter that breaks its schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Invalid {
    /// Wire path, e.g. `size`, `contact.name` or `contact.label_ids[2]`.
    pub path: String,
    /// The top-level parameter it belongs to.
    pub param: String,
    /// What is wrong, e.g. `is 101, above the maximum of 100`.
    pub problem: String,
}

/// The parameters, checked and normalised (numeric strings made numbers and so on); parameters
/// the descriptor does not declare are kept as they are.
pub(crate) fn check_params(
    op: &OperationDescriptor,
    params: &Map<String, Value>,
) -> Result<Map<String, Value>, Invalid> {
    schema::check_params(op, params, Mode::Lenient).map_err(|e| {
        let param = e.field.split(['.', '[']).next().unwrap_or_default().to_owned();
        Invalid { path: e.field, param, problem: e.problem.to_string() }
    })
}

/// Checks values whose schema says `references: store.path` against the stores: every value
/// must appear at that path in some stored object (e.g. a contact's label ids among the labels
/// of the label groups).
pub(crate) fn check_references<'s>(
    op: &OperationDescriptor,
    params: &Map<String, Value>,
    store: &dyn Fn(&str) -> Option<&'s [Value]>,
) -> Result<(), Invalid> {
    for field in op.query.iter().chain(op.body) {
        if let Some(value) = params.get(field.name) {
            references_in(field, value, field.name, store).map_err(|(path, problem)| Invalid {
                path,
                param: field.name.to_owned(),
                problem,
            })?;
        }
    }
    Ok(())
}

fn references_in<'s>(
    field: &FieldSchema,
    value: &Value,
    path: &str,
    store: &dyn Fn(&str) -> Option<&'s [Value]>,
) -> Result<(), Failure> {
    let mut ty = &field.ty;
    while let ParamType::List(inner) = ty {
        ty = inner;
    }
    if let ParamType::Object(schema) = ty {
        let objects: Vec<&Value> = match value {
            Value::Array(items) => items.iter().collect(),
            other => vec![other],
        };
        for object in objects {
            for inner in schema.fields {
                if let Some(v) = object.get(inner.name) {
                    references_in(inner, v, &format!("{path}.{}", inner.name), store)?;
                }
            }
        }
        return Ok(());
    }
    let Some(reference) = field.references else { return Ok(()) };
    let mut segments = reference.split('.');
    let items = segments.next().and_then(store).unwrap_or(&[]);
    let mut known: Vec<&Value> = items.iter().collect();
    for segment in segments {
        known = known
            .into_iter()
            .filter_map(|v| v.get(segment))
            .flat_map(|v| match v {
                Value::Array(items) => items.iter().collect::<Vec<_>>(),
                other => vec![other],
            })
            .collect();
    }
    let wanted: Vec<(String, &Value)> = match value {
        Value::Array(items) => items.iter().enumerate().map(|(i, v)| (format!("{path}[{i}]"), v)).collect(),
        other => vec![(path.to_owned(), other)],
    };
    for (at, v) in wanted {
        if !known.iter().any(|k| same_key(k, v)) {
            return fail(&at, format!("is {v}, which is not a known {reference}"));
        }
    }
    Ok(())
}

type Failure = (String, String);

fn fail<T>(path: &str, problem: impl Into<String>) -> Result<T, Failure> {
    Err((path.to_owned(), problem.into()))
}

/// Null and the empty string count as absent.
pub(crate) fn is_absent(value: &Value) -> bool {
    schema::is_absent(value, Mode::Lenient)
}

/// Whether two keys are equal (a number and its decimal text match).
pub(crate) fn same_key(a: &Value, b: &Value) -> bool {
    key_text(a).is_some_and(|a| Some(a) == key_text(b))
}

pub(crate) fn key_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dingtalk_oapi::generated::extcontact::LIST_LABEL_GROUPS;
    use serde_json::json;

    fn params(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn numeric_strings_are_read_as_the_server_reads_them() {
        let ok = check_params(&LIST_LABEL_GROUPS, &params(json!({"offset": "0", "size": "20"}))).unwrap();
        assert_eq!((&ok["offset"], &ok["size"]), (&json!(0), &json!(20)));
        assert!(check_params(&LIST_LABEL_GROUPS, &params(json!({"offset": null, "size": ""}))).unwrap().is_empty());
    }

    #[test]
    fn failures_name_the_path_and_the_parameter() {
        let e = check_params(&LIST_LABEL_GROUPS, &params(json!({"size": 101}))).unwrap_err();
        assert_eq!((e.path.as_str(), e.problem.as_str()), ("size", "is 101, above the maximum of 100"));
        let e = check_params(&LIST_LABEL_GROUPS, &params(json!({"offset": "-1"}))).unwrap_err();
        assert_eq!(e.param, "offset");
        let e = check_params(&LIST_LABEL_GROUPS, &params(json!({"size": "abc"}))).unwrap_err();
        assert_eq!(e.problem, "must be an integer");
    }
}
