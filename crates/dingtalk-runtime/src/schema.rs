//! The one schema checker: a JSON value against the spec's [`FieldSchema`]s.
//!
//! Client validation (typed requests and `dingtalk call`), the fake server's parameter checks
//! and its `--data` check all run this code, so a rule has one wording and one implementation.
//! Two modes:
//! - [`Mode::Strict`], what the client sends: JSON types must match the spec exactly, `null`
//!   is absent, and a name the spec does not declare is refused.
//! - [`Mode::Lenient`], what DingTalk's server accepts: numbers as numeric strings, lists and
//!   objects as JSON text (a list also comma-separated), `null` and `""` as absent; undeclared
//!   names are kept as they are. Values come back normalised (numeric strings made numbers).
//! - [`Mode::Decode`], what a generated response type accepts: JSON types exactly, `null` as
//!   absent; undeclared names are dropped, and neither `required` nor constraints apply (a
//!   response is read, not judged).

use serde_json::{Map, Number, Value};

use crate::error::{Problem, ValidationError};
use crate::operation::{FieldSchema, OperationDescriptor, ParamType, UnionSchema};

/// How strictly values are read; see the [module documentation](self).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// What the client sends: exact JSON types, undeclared names refused.
    Strict,
    /// What DingTalk's server accepts: numeric strings, JSON text, undeclared names kept.
    Lenient,
    /// What a generated response type reads: exact JSON types, no `required` or constraints.
    Decode,
}

/// Checks an operation's parameters (query and body together) and returns them normalised.
/// The error names the wire path of the first offending value (`contact.label_ids[2]`).
pub fn check_params(
    op: &OperationDescriptor,
    params: &Map<String, Value>,
    mode: Mode,
) -> Result<Map<String, Value>, ValidationError> {
    let fields: Vec<&FieldSchema> = op.params().collect();
    check_object(&fields, params, "", mode)
}

/// Checks one object's members against `fields`; `path` is the object's wire path (`""` at
/// the top).
pub fn check_fields(
    fields: &[FieldSchema],
    object: &Map<String, Value>,
    path: &str,
    mode: Mode,
) -> Result<Map<String, Value>, ValidationError> {
    let fields: Vec<&FieldSchema> = fields.iter().collect();
    check_object(&fields, object, path, mode)
}

/// Checks one value of type `ty` (a `--data` record, a list item).
pub fn check_value(ty: &ParamType, raw: &Value, path: &str, mode: Mode) -> Result<Value, ValidationError> {
    value(ty, raw, path, mode)
}

/// `null` (and, leniently, the empty string) count as absent.
pub fn is_absent(value: &Value, mode: Mode) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => mode == Mode::Lenient && s.is_empty(),
        _ => false,
    }
}

/// `parent.name`, or `name` at the top.
pub fn join(parent: &str, name: &str) -> String {
    if parent.is_empty() { name.to_owned() } else { format!("{parent}.{name}") }
}

fn fail<T>(path: &str, problem: Problem) -> Result<T, ValidationError> {
    Err(ValidationError::new(path, problem))
}

fn invalid<T>(path: &str, why: &str) -> Result<T, ValidationError> {
    fail(path, Problem::Invalid(why.to_owned()))
}

fn check_object(
    fields: &[&FieldSchema],
    object: &Map<String, Value>,
    path: &str,
    mode: Mode,
) -> Result<Map<String, Value>, ValidationError> {
    if mode == Mode::Strict
        && let Some(unknown) = object.keys().find(|k| !fields.iter().any(|f| f.owns_key(k)))
    {
        let known: Vec<&str> = fields.iter().flat_map(|f| f.keys()).collect();
        let known = if known.is_empty() { "none".to_owned() } else { known.join(", ") };
        return fail(&join(path, unknown), Problem::Invalid(format!("is not a known name; known: {known}")));
    }
    let mut out = if mode == Mode::Decode { Map::new() } else { object.clone() };
    for field in fields {
        if let Some(union) = field.flat_union() {
            check_flattened(field, union, object, path, mode, &mut out)?;
            continue;
        }
        let at = join(path, field.name);
        match check_field(field, object.get(field.name), &at, mode)? {
            Some(v) => out.insert(field.name.to_owned(), v),
            None => out.remove(field.name),
        };
    }
    if mode != Mode::Decode {
        // A file's limit may depend on a sibling (`type`), so it is checked once they all are.
        for field in fields.iter().filter(|f| matches!(f.ty, ParamType::File)) {
            let size = out.get(field.name).and_then(|v| v.get("size")).and_then(Value::as_u64);
            if let (Some(size), Some(max)) = (size, field.file_limit(&out))
                && size > max
            {
                return fail(&join(path, field.name), Problem::FileTooLarge { size, max });
            }
        }
    }
    Ok(out)
}

/// A flattened union: its tag and variant fields are members of `object` itself.
fn check_flattened(
    field: &FieldSchema,
    union: &UnionSchema,
    object: &Map<String, Value>,
    path: &str,
    mode: Mode,
    out: &mut Map<String, Value>,
) -> Result<(), ValidationError> {
    let own: Map<String, Value> = object
        .iter()
        .filter(|(k, v)| union.uses_key(k) && !is_absent(v, mode))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for key in own.keys() {
        out.remove(key);
    }
    if own.is_empty() {
        return if field.required && mode != Mode::Decode {
            fail(&join(path, union.tag), Problem::Missing)
        } else {
            Ok(())
        };
    }
    out.extend(check_union(union, &own, path, mode)?);
    Ok(())
}

/// A tagged union's object: the tag names a variant, whose field holds its value; another
/// variant's field beside it is refused when sending (it would be ignored) and dropped when
/// reading. Reading, a missing tag is inferred from the one variant field present.
fn check_union(
    union: &UnionSchema,
    object: &Map<String, Value>,
    path: &str,
    mode: Mode,
) -> Result<Map<String, Value>, ValidationError> {
    let tag_at = join(path, union.tag);
    let names = || union.variants.iter().map(|v| v.name).collect::<Vec<_>>().join(", ");
    let tag = match object.get(union.tag).filter(|v| !is_absent(v, mode)) {
        Some(Value::String(tag)) => tag.clone(),
        Some(_) => return invalid(&tag_at, &format!("must be a string, one of: {}", names())),
        None if mode == Mode::Decode => {
            let mut present = union.variants.iter().filter(|v| object.contains_key(v.name));
            match (present.next(), present.next()) {
                (Some(only), None) => only.name.to_owned(),
                _ => return Ok(Map::new()),
            }
        }
        None => return fail(&tag_at, Problem::Missing),
    };
    let Some(variant) = union.variant(&tag) else {
        return invalid(&tag_at, &format!("is `{tag}`, not one of: {}", names()));
    };
    if mode == Mode::Strict
        && let Some(other) = object.keys().find(|k| k.as_str() != variant.name && union.variant(k).is_some())
    {
        return invalid(&join(path, other), &format!("belongs to another variant than `{}` = `{tag}`", union.tag));
    }
    let mut out = match mode {
        Mode::Decode => Map::new(),
        _ => object.clone(),
    };
    out.insert(union.tag.to_owned(), Value::String(tag));
    let payload = FieldSchema { required: mode != Mode::Decode, ..*variant };
    match check_field(&payload, object.get(variant.name), &join(path, variant.name), mode)? {
        Some(v) => out.insert(variant.name.to_owned(), v),
        None => out.remove(variant.name),
    };
    Ok(out)
}

fn check_field(
    field: &FieldSchema,
    raw: Option<&Value>,
    path: &str,
    mode: Mode,
) -> Result<Option<Value>, ValidationError> {
    let Some(raw) = raw.filter(|v| !is_absent(v, mode)) else {
        return if field.required && mode != Mode::Decode { fail(path, Problem::Missing) } else { Ok(None) };
    };
    let value = match field.ty {
        ParamType::List(inner) => {
            let items = as_list(raw, path, mode)?;
            let count = items.len() as u64;
            if let Some(max) =
                field.max_items.filter(|max| mode != Mode::Decode && count > u64::try_from(*max).unwrap_or(0))
            {
                return fail(path, Problem::TooManyItems { count, max: max as u64 });
            }
            let items = items
                .iter()
                .enumerate()
                .map(|(i, item)| value(inner, item, &format!("{path}[{i}]"), mode))
                .collect::<Result<Vec<_>, _>>()?;
            Value::Array(items)
        }
        ty => value(&ty, raw, path, mode)?,
    };
    if mode == Mode::Decode {
        return Ok(Some(value));
    }
    if let Some(n) = value.as_i64().filter(|_| matches!(field.ty, ParamType::I32 | ParamType::I64)) {
        if let Some(min) = field.min.filter(|min| n < *min) {
            return fail(path, Problem::BelowMin { value: n, min });
        }
        if let Some(max) = field.max.filter(|max| n > *max) {
            return fail(path, Problem::AboveMax { value: n, max });
        }
    }
    if let Some(max) = field.max_json_bytes {
        let bytes = serde_json::to_vec(&value).map_or(0, |b| b.len()) as u64;
        if bytes > u64::try_from(max).unwrap_or(0) {
            return fail(path, Problem::TooManyBytes { bytes, max: max as u64 });
        }
    }
    if let (Value::String(s), Some(max)) = (&value, field.max_length) {
        let length = s.chars().count() as u64;
        if length > u64::try_from(max).unwrap_or(0) {
            return fail(path, Problem::TooLong { length, max: max as u64 });
        }
    }
    Ok(Some(value))
}

fn value(ty: &ParamType, raw: &Value, path: &str, mode: Mode) -> Result<Value, ValidationError> {
    let lenient = mode == Mode::Lenient;
    match ty {
        ParamType::String => match raw {
            Value::String(_) => Ok(raw.clone()),
            Value::Number(n) if lenient => Ok(Value::String(n.to_string())),
            Value::Bool(b) if lenient => Ok(Value::String(b.to_string())),
            _ => invalid(path, "must be a string"),
        },
        ParamType::Bool => match raw {
            Value::Bool(_) => Ok(raw.clone()),
            Value::String(s) if lenient && s.trim().eq_ignore_ascii_case("true") => Ok(Value::Bool(true)),
            Value::String(s) if lenient && s.trim().eq_ignore_ascii_case("false") => Ok(Value::Bool(false)),
            _ => invalid(path, "must be true or false"),
        },
        ParamType::I32 => integer(raw, path, i64::from(i32::MIN), i64::from(i32::MAX), mode),
        ParamType::I64 => integer(raw, path, i64::MIN, i64::MAX, mode),
        ParamType::F64 => {
            let n = match raw {
                Value::Number(n) => n.as_f64(),
                Value::String(s) if lenient => s.trim().parse::<f64>().ok(),
                _ => None,
            };
            match n.filter(|n| n.is_finite()).and_then(Number::from_f64) {
                Some(n) => Ok(Value::Number(n)),
                None => invalid(path, "must be a number"),
            }
        }
        ParamType::List(inner) => {
            let items = as_list(raw, path, mode)?;
            let items = items
                .iter()
                .enumerate()
                .map(|(i, item)| value(inner, item, &format!("{path}[{i}]"), mode))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Value::Array(items))
        }
        ParamType::Json => match raw {
            Value::String(s) if lenient && (s.trim_start().starts_with('{') || s.trim_start().starts_with('[')) => {
                serde_json::from_str(s).or_else(|_| invalid(path, "must be JSON"))
            }
            _ => Ok(raw.clone()),
        },
        ParamType::Object(schema) => {
            let object = as_object(raw, path, mode)?;
            let fields: Vec<&FieldSchema> = schema.fields.iter().collect();
            Ok(Value::Object(check_object(&fields, &object, path, mode)?))
        }
        ParamType::File => {
            let object = as_object(raw, path, mode)?;
            check_file(&object, path, mode)?;
            Ok(Value::Object(object.into_owned()))
        }
        ParamType::Union(union) => {
            let object = as_object(raw, path, mode)?;
            if mode == Mode::Strict
                && let Some(unknown) = object.keys().find(|k| !union.uses_key(k))
            {
                let known = std::iter::once(union.tag).chain(union.variants.iter().map(|v| v.name)).collect::<Vec<_>>();
                return invalid(&join(path, unknown), &format!("is not a known name; known: {}", known.join(", ")));
            }
            Ok(Value::Object(check_union(union, &object, path, mode)?))
        }
    }
}

/// A file: an upload (`path` or `base64`) or one read (`size`), exactly one of them, with an
/// optional `file_name` and `content_type` (see [`crate::upload`]).
fn check_file(object: &Map<String, Value>, path: &str, mode: Mode) -> Result<(), ValidationError> {
    if mode == Mode::Decode {
        return Ok(());
    }
    const KEYS: [&str; 5] = ["path", "base64", "size", "file_name", "content_type"];
    if let Some(unknown) = object.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return invalid(&join(path, unknown), &format!("is not a known name of a file; known: {}", KEYS.join(", ")));
    }
    let sources = ["path", "base64", "size"].iter().filter(|k| object.contains_key(**k)).count();
    if sources != 1 {
        return invalid(path, "must be a file: a path, or bytes with a file name");
    }
    for key in ["path", "base64", "file_name", "content_type"] {
        if object.get(key).is_some_and(|v| !v.is_string()) {
            return invalid(&join(path, key), "must be a string");
        }
    }
    if object.get("size").is_some_and(|v| v.as_u64().is_none()) {
        return invalid(&join(path, "size"), "must be a whole number of bytes");
    }
    Ok(())
}

/// An object: a JSON object; leniently also JSON text of one.
fn as_object<'v>(
    raw: &'v Value,
    path: &str,
    mode: Mode,
) -> Result<std::borrow::Cow<'v, Map<String, Value>>, ValidationError> {
    match raw {
        Value::Object(object) => Ok(std::borrow::Cow::Borrowed(object)),
        Value::String(s) if mode == Mode::Lenient && s.trim_start().starts_with('{') => match serde_json::from_str(s) {
            Ok(Value::Object(object)) => Ok(std::borrow::Cow::Owned(object)),
            _ => invalid(path, "must be a JSON object"),
        },
        _ => invalid(path, "must be a JSON object"),
    }
}

/// A list: a JSON array; leniently also JSON text of one, comma-separated text or one scalar.
fn as_list(raw: &Value, path: &str, mode: Mode) -> Result<Vec<Value>, ValidationError> {
    match (raw, mode) {
        (Value::Array(items), _) => Ok(items.clone()),
        (Value::String(s), Mode::Lenient) if s.trim_start().starts_with('[') => match serde_json::from_str(s) {
            Ok(Value::Array(items)) => Ok(items),
            _ => invalid(path, "must be a list"),
        },
        (Value::String(s), Mode::Lenient) => {
            Ok(s.split(',').map(|part| Value::String(part.trim().to_owned())).collect())
        }
        (Value::Number(_) | Value::Bool(_), Mode::Lenient) => Ok(vec![raw.clone()]),
        _ => invalid(path, "must be a list"),
    }
}

fn integer(raw: &Value, path: &str, min: i64, max: i64, mode: Mode) -> Result<Value, ValidationError> {
    let n = match raw {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64().filter(|f| f.fract() == 0.0 && *f >= i64::MIN as f64 && *f < i64::MAX as f64).map(|f| f as i64)
        }),
        Value::String(s) if mode == Mode::Lenient => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    match n {
        Some(n) if (min..=max).contains(&n) => Ok(Value::from(n)),
        Some(_) => invalid(path, "is out of range"),
        None if matches!(raw, Value::Number(_)) => invalid(path, "is out of range"),
        None => invalid(path, "must be an integer"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operation::ObjectSchema;
    use serde_json::json;

    const fn field(name: &'static str, ty: ParamType, required: bool) -> FieldSchema {
        FieldSchema::new(name, ty).required(required)
    }

    static INNER: ObjectSchema = ObjectSchema {
        name: "Inner",
        fields: &[
            field("name", ParamType::String, true),
            field("ids", ParamType::List(&ParamType::I64), false).max_items(2),
            field("code", ParamType::String, false).max_length(3),
            field("flag", ParamType::Bool, false),
            field("small", ParamType::I32, false),
        ],
    };

    static PAGE: [FieldSchema; 2] = [
        field("size", ParamType::I64, false).range(Some(1), Some(100)),
        field("offset", ParamType::I64, false).range(Some(0), None),
    ];

    fn check(raw: Value, mode: Mode) -> Result<Value, (String, String)> {
        let f = field("obj", ParamType::Object(&INNER), true);
        check_field(&f, Some(&raw), "obj", mode).map(Option::unwrap).map_err(|e| (e.field, e.problem.to_string()))
    }

    fn page(v: Value, mode: Mode) -> Result<Map<String, Value>, ValidationError> {
        check_fields(&PAGE, v.as_object().unwrap(), "", mode)
    }

    #[test]
    fn lenient_numbers_and_numeric_strings() {
        let ok = page(json!({"offset": "0", "size": "20"}), Mode::Lenient).unwrap();
        assert_eq!((&ok["offset"], &ok["size"]), (&json!(0), &json!(20)));
        let ok = page(json!({"offset": 5, "size": 20.0}), Mode::Lenient).unwrap();
        assert_eq!(ok["size"], json!(20));
        assert!(page(json!({"offset": null, "size": ""}), Mode::Lenient).unwrap().is_empty());
    }

    #[test]
    fn strict_refuses_what_lenient_coerces() {
        let e = page(json!({"size": "20"}), Mode::Strict).unwrap_err();
        assert_eq!(e.to_string(), "invalid request: `size` must be an integer (nothing was sent)");
        let e = page(json!({"sise": 20}), Mode::Strict).unwrap_err();
        assert_eq!(e.field, "sise");
        assert_eq!(e.problem.to_string(), "is not a known name; known: size, offset");
        assert!(page(json!({"sise": 20}), Mode::Lenient).is_ok());
        assert_eq!(check(json!({"name": "x", "ids": "3,4"}), Mode::Strict).unwrap_err().1, "must be a list");
        assert_eq!(check(json!({"name": ""}), Mode::Strict), Ok(json!({"name": ""})));
    }

    #[test]
    fn range_and_type_failures() {
        for mode in [Mode::Strict, Mode::Lenient] {
            let e = page(json!({"size": 101}), mode).unwrap_err();
            assert_eq!(
                (e.field.as_str(), e.problem.to_string().as_str()),
                ("size", "is 101, above the maximum of 100")
            );
            let e = page(json!({"offset": -1}), mode).unwrap_err();
            assert_eq!(e.problem, Problem::BelowMin { value: -1, min: 0 });
            assert_eq!(page(json!({"size": 1.5}), mode).unwrap_err().problem.to_string(), "is out of range");
            assert_eq!(page(json!({"size": true}), mode).unwrap_err().problem.to_string(), "must be an integer");
        }
    }

    #[test]
    fn nested_objects() {
        let m = Mode::Lenient;
        let ok = check(json!({"name": "x", "ids": ["1", 2], "flag": "true", "small": "7", "extra": 1}), m).unwrap();
        assert_eq!(ok, json!({"name": "x", "ids": [1, 2], "flag": true, "small": 7, "extra": 1}));
        let ok = check(json!("{\"name\":\"x\",\"ids\":\"3,4\"}"), m).unwrap();
        assert_eq!(ok, json!({"name": "x", "ids": [3, 4]}));
        assert_eq!(check(json!({"ids": [1]}), m).unwrap_err(), ("obj.name".into(), "is required".into()));
        assert_eq!(check(json!({"name": ""}), m).unwrap_err().1, "is required");
        assert_eq!(check(json!({"name": "x", "ids": [1, 2, 3]}), m).unwrap_err().0, "obj.ids");
        assert_eq!(check(json!({"name": "x", "ids": [1, "z"]}), m).unwrap_err().0, "obj.ids[1]");
        assert_eq!(check(json!({"name": "x", "code": "四五六七"}), m).unwrap_err().0, "obj.code");
        assert!(check(json!({"name": "x", "code": "四五六"}), m).is_ok());
        assert_eq!(check(json!({"name": "x", "small": 3_000_000_000_i64}), m).unwrap_err().1, "is out of range");
        assert_eq!(check(json!({"name": "x", "flag": "yes"}), m).unwrap_err().1, "must be true or false");
        assert_eq!(check(json!([1]), m).unwrap_err().1, "must be a JSON object");
    }

    #[test]
    fn decode_keeps_declared_fields_of_the_right_type() {
        let m = Mode::Decode;
        let ok = check(json!({"ids": [1, 2, 3], "extra": 1, "small": null, "code": "toolong"}), m).unwrap();
        assert_eq!(ok, json!({"ids": [1, 2, 3], "code": "toolong"}));
        assert_eq!(check(json!({"ids": ["1"]}), m).unwrap_err(), ("obj.ids[0]".into(), "must be an integer".into()));
    }
}
