//! Checks request parameters against the descriptor's [`FieldSchema`]s, the way the real server
//! reads them: numbers as JSON numbers or numeric strings, null or empty as absent, lists and
//! objects as JSON (or, from a form or query string, as JSON text; a list also comma-separated).

use dingtalk_oapi::{FieldSchema, OperationDescriptor, ParamType};
use serde_json::{Map, Number, Value};

/// A parameter that breaks its schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Invalid {
    /// Wire path, e.g. `size`, `contact.name` or `contact.label_ids[2]`.
    pub path: String,
    /// The top-level parameter it belongs to.
    pub param: String,
    /// What is wrong, e.g. `must be at most 100`.
    pub problem: String,
}

/// The parameters, checked and normalised (numeric strings made numbers and so on); parameters
/// the descriptor does not declare are kept as they are.
pub(crate) fn check_params(
    op: &OperationDescriptor,
    params: &Map<String, Value>,
) -> Result<Map<String, Value>, Invalid> {
    let mut out = params.clone();
    for field in op.query.iter().chain(op.body) {
        let checked = check_field(field, params.get(field.name), field.name).map_err(|(path, problem)| Invalid {
            path,
            param: field.name.to_owned(),
            problem,
        })?;
        match checked {
            Some(value) => out.insert(field.name.to_owned(), value),
            None => out.remove(field.name),
        };
    }
    Ok(out)
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
        if !known.iter().any(|k| crate::store::same_key(k, v)) {
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
    match value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        _ => false,
    }
}

fn check_field(field: &FieldSchema, raw: Option<&Value>, path: &str) -> Result<Option<Value>, Failure> {
    let Some(raw) = raw.filter(|v| !is_absent(v)) else {
        return if field.required { fail(path, "is required") } else { Ok(None) };
    };
    let value = match field.ty {
        ParamType::List(inner) => {
            let items = as_list(raw, path)?;
            if let Some(max) = field.max_items.filter(|max| items.len() as u64 > u64::try_from(*max).unwrap_or(0)) {
                return fail(path, format!("has {} items, more than the {max} allowed", items.len()));
            }
            let items = items
                .iter()
                .enumerate()
                .map(|(i, item)| check_value(inner, item, &format!("{path}[{i}]")))
                .collect::<Result<Vec<_>, _>>()?;
            Value::Array(items)
        }
        ty => check_value(&ty, raw, path)?,
    };
    if let Some(n) = value.as_i64().filter(|_| matches!(field.ty, ParamType::I32 | ParamType::I64)) {
        if let Some(min) = field.min.filter(|min| n < *min) {
            return fail(path, format!("is {n}, below the minimum of {min}"));
        }
        if let Some(max) = field.max.filter(|max| n > *max) {
            return fail(path, format!("is {n}, above the maximum of {max}"));
        }
    }
    if let (Value::String(s), Some(max)) = (&value, field.max_length) {
        let length = s.chars().count();
        if length as u64 > u64::try_from(max).unwrap_or(0) {
            return fail(path, format!("is {length} characters long, more than the {max} allowed"));
        }
    }
    Ok(Some(value))
}

fn check_value(ty: &ParamType, raw: &Value, path: &str) -> Result<Value, Failure> {
    match ty {
        ParamType::String => match raw {
            Value::String(_) => Ok(raw.clone()),
            Value::Number(n) => Ok(Value::String(n.to_string())),
            Value::Bool(b) => Ok(Value::String(b.to_string())),
            _ => fail(path, "must be a string"),
        },
        ParamType::Bool => match raw {
            Value::Bool(_) => Ok(raw.clone()),
            Value::String(s) if s.trim().eq_ignore_ascii_case("true") => Ok(Value::Bool(true)),
            Value::String(s) if s.trim().eq_ignore_ascii_case("false") => Ok(Value::Bool(false)),
            _ => fail(path, "must be true or false"),
        },
        ParamType::I32 => integer(raw, path, i64::from(i32::MIN), i64::from(i32::MAX)),
        ParamType::I64 => integer(raw, path, i64::MIN, i64::MAX),
        ParamType::F64 => {
            let n = match raw {
                Value::Number(n) => n.as_f64(),
                Value::String(s) => s.trim().parse::<f64>().ok(),
                _ => None,
            };
            match n.filter(|n| n.is_finite()).and_then(Number::from_f64) {
                Some(n) => Ok(Value::Number(n)),
                None => fail(path, "must be a number"),
            }
        }
        ParamType::List(inner) => {
            let items = as_list(raw, path)?;
            let items = items
                .iter()
                .enumerate()
                .map(|(i, item)| check_value(inner, item, &format!("{path}[{i}]")))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Value::Array(items))
        }
        ParamType::Object(schema) => {
            let parsed;
            let object = match raw {
                Value::Object(object) => object,
                Value::String(s) if s.trim_start().starts_with('{') => match serde_json::from_str(s) {
                    Ok(Value::Object(object)) => {
                        parsed = object;
                        &parsed
                    }
                    _ => return fail(path, "must be a JSON object"),
                },
                _ => return fail(path, "must be a JSON object"),
            };
            let mut out = object.clone();
            for field in schema.fields {
                let field_path = format!("{path}.{}", field.name);
                match check_field(field, object.get(field.name), &field_path)? {
                    Some(value) => out.insert(field.name.to_owned(), value),
                    None => out.remove(field.name),
                };
            }
            Ok(Value::Object(out))
        }
    }
}

/// A list: a JSON array, JSON text of one, comma-separated text, or a single scalar.
fn as_list(raw: &Value, path: &str) -> Result<Vec<Value>, Failure> {
    match raw {
        Value::Array(items) => Ok(items.clone()),
        Value::String(s) if s.trim_start().starts_with('[') => match serde_json::from_str(s) {
            Ok(Value::Array(items)) => Ok(items),
            _ => fail(path, "must be a list"),
        },
        Value::String(s) => Ok(s.split(',').map(|part| Value::String(part.trim().to_owned())).collect()),
        Value::Number(_) | Value::Bool(_) => Ok(vec![raw.clone()]),
        _ => fail(path, "must be a list"),
    }
}

fn integer(raw: &Value, path: &str, min: i64, max: i64) -> Result<Value, Failure> {
    let n = match raw {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64().filter(|f| f.fract() == 0.0 && *f >= i64::MIN as f64 && *f < i64::MAX as f64).map(|f| f as i64)
        }),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    match n {
        Some(n) if (min..=max).contains(&n) => Ok(Value::from(n)),
        Some(_) => fail(path, "is out of range"),
        None if matches!(raw, Value::Number(_)) => fail(path, "is out of range"),
        None => fail(path, "must be an integer"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dingtalk_oapi::{ObjectSchema, generated::extcontact::LIST_LABEL_GROUPS};
    use serde_json::json;

    const fn field(name: &'static str, ty: ParamType, required: bool) -> FieldSchema {
        FieldSchema {
            name,
            ty,
            required,
            min: None,
            max: None,
            max_length: None,
            max_items: None,
            secret: false,
            references: None,
        }
    }

    static INNER: ObjectSchema = ObjectSchema {
        name: "Inner",
        fields: &[
            field("name", ParamType::String, true),
            FieldSchema { max_items: Some(2), ..field("ids", ParamType::List(&ParamType::I64), false) },
            FieldSchema { max_length: Some(3), ..field("code", ParamType::String, false) },
            field("flag", ParamType::Bool, false),
            field("small", ParamType::I32, false),
        ],
    };

    fn check(raw: Value) -> Result<Value, Failure> {
        let f = field("obj", ParamType::Object(&INNER), true);
        check_field(&f, Some(&raw), "obj").map(Option::unwrap)
    }

    fn params(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn numbers_and_numeric_strings() {
        let ok = check_params(&LIST_LABEL_GROUPS, &params(json!({"offset": "0", "size": "20"}))).unwrap();
        assert_eq!(ok["offset"], json!(0));
        assert_eq!(ok["size"], json!(20));
        let ok = check_params(&LIST_LABEL_GROUPS, &params(json!({"offset": 5, "size": 20.0}))).unwrap();
        assert_eq!(ok["size"], json!(20));
        let ok = check_params(&LIST_LABEL_GROUPS, &params(json!({"offset": null, "size": ""}))).unwrap();
        assert!(ok.is_empty());
    }

    #[test]
    fn range_and_type_failures() {
        let e = check_params(&LIST_LABEL_GROUPS, &params(json!({"size": 101}))).unwrap_err();
        assert_eq!((e.path.as_str(), e.problem.as_str()), ("size", "is 101, above the maximum of 100"));
        let e = check_params(&LIST_LABEL_GROUPS, &params(json!({"offset": "-1"}))).unwrap_err();
        assert_eq!(e.param, "offset");
        let e = check_params(&LIST_LABEL_GROUPS, &params(json!({"size": "abc"}))).unwrap_err();
        assert_eq!(e.problem, "must be an integer");
        let e = check_params(&LIST_LABEL_GROUPS, &params(json!({"size": 1.5}))).unwrap_err();
        assert_eq!(e.problem, "is out of range");
        let e = check_params(&LIST_LABEL_GROUPS, &params(json!({"size": true}))).unwrap_err();
        assert_eq!(e.problem, "must be an integer");
    }

    #[test]
    fn nested_objects() {
        let ok = check(json!({"name": "x", "ids": ["1", 2], "flag": "true", "small": "7", "extra": 1})).unwrap();
        assert_eq!(ok, json!({"name": "x", "ids": [1, 2], "flag": true, "small": 7, "extra": 1}));
        let ok = check(json!("{\"name\":\"x\",\"ids\":\"3,4\"}")).unwrap();
        assert_eq!(ok, json!({"name": "x", "ids": [3, 4]}));
        assert_eq!(check(json!({"ids": [1]})).unwrap_err(), ("obj.name".into(), "is required".into()));
        assert_eq!(check(json!({"name": ""})).unwrap_err().1, "is required");
        assert_eq!(check(json!({"name": "x", "ids": [1, 2, 3]})).unwrap_err().0, "obj.ids");
        assert_eq!(check(json!({"name": "x", "ids": [1, "z"]})).unwrap_err().0, "obj.ids[1]");
        assert_eq!(check(json!({"name": "x", "code": "四五六七"})).unwrap_err().0, "obj.code");
        assert!(check(json!({"name": "x", "code": "四五六"})).is_ok());
        assert_eq!(check(json!({"name": "x", "small": 3_000_000_000_i64})).unwrap_err().1, "is out of range");
        assert_eq!(check(json!({"name": "x", "flag": "yes"})).unwrap_err().1, "must be true or false");
        assert_eq!(check(json!([1])).unwrap_err().1, "must be a JSON object");
    }
}
