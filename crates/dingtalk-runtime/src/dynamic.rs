//! Calls chosen at run time: an operation named by its descriptor, parameters and response as
//! JSON. The same path as the typed calls (the one schema checker, retries, token refresh,
//! typed errors); what `dingtalk call` is built on.

use serde_json::{Map, Value};

use crate::client::Client;
use crate::error::{CallError, DecodeError, DecodeErrorKind, Error, ValidationError};
use crate::operation::{OperationDescriptor, PagePosition, ParamType};
use crate::options::CallOptions;
use crate::paginate::{PageFacts, PageWalk};
use crate::protocol::SNIPPET_CHARS;
use crate::schema;

/// The operation in `operations` with this name (as the spec writes it, e.g. `ListLabelGroups`).
///
/// The new API's operations are named `group.Name` (`contact_1_0.GetUser`); the bare `Name`
/// finds one too when no other operation has it.
pub fn find_operation(operations: &[&'static OperationDescriptor], name: &str) -> Option<&'static OperationDescriptor> {
    if let Some(d) = operations.iter().copied().find(|d| d.id == name) {
        return Some(d);
    }
    let mut bare = operations.iter().copied().filter(|d| d.name == name);
    match (bare.next(), bare.next()) {
        (Some(d), None) => Some(d),
        _ => None,
    }
}

impl Client {
    /// Calls `op` with `params` (wire names, JSON values) and returns the response as JSON,
    /// reduced to the fields the spec declares (as a typed response would re-encode it).
    ///
    /// Parameters are checked exactly as a typed request is: an unknown name, a wrong type or
    /// a broken constraint is an [`Error::Validation`] and nothing is sent.
    pub async fn call(&self, op: &'static OperationDescriptor, params: Map<String, Value>) -> Result<Value, CallError> {
        self.call_with(op, params, &CallOptions::default()).await
    }

    /// [`call`](Self::call) with the options of this one call.
    pub async fn call_with(
        &self,
        op: &'static OperationDescriptor,
        params: Map<String, Value>,
        options: &CallOptions,
    ) -> Result<Value, CallError> {
        let response: Value = self.send_params(op, params, options).await?;
        project_response(op, &response).map_err(|why| {
            Error::Decode(DecodeError {
                operation: op.id,
                status: 200,
                content_type: None,
                kind: DecodeErrorKind::Shape(why),
                // Quoted with secret fields scrubbed.
                snippet: crate::redact::snippet(
                    response.to_string().as_bytes(),
                    SNIPPET_CHARS,
                    &[],
                    &op.secret_names(),
                ),
                headers: Default::default(),
            })
        })
    }

    /// Walks every page of a paginated `op` from the parameters' offset, cursor or token (or
    /// the first page) and returns the items of all pages, with the stopping rules of
    /// [`PageWalk`] (the typed [`Paginator`](crate::Paginator)'s): offset style ends on an
    /// empty or short page or an offset that would not advance; cursor style ends when a page
    /// says there is no more; token style when a page hands out no next token (or says there is
    /// no more). A cursor or token handed out twice is an [`Error::RepeatedCursor`]; more than
    /// 10,000 pages is an [`Error::PageLimit`].
    pub async fn call_all(
        &self,
        op: &'static OperationDescriptor,
        params: Map<String, Value>,
    ) -> Result<Vec<Value>, CallError> {
        let Some(pagination) = op.pagination else {
            return Err(Error::Validation(ValidationError::request(op.id, format!("{} is not paginated", op.id))));
        };
        let position_ty = op.param(pagination.position()).map(|f| f.ty).unwrap_or(ParamType::String);
        // The parameters are checked as the first page's would be (a cursor given as text is
        // refused here rather than silently replaced).
        let mut first = params;
        fill_first_page(op, &mut first);
        let mut params = schema::check_params(op, &first, schema::Mode::Strict).map_err(|mut e| {
            e.operation = Some(op.id);
            Error::Validation(e)
        })?;
        let position = params.get(pagination.position()).and_then(PagePosition::from_json);
        let size = pagination.size.and_then(|s| params.get(s)).and_then(Value::as_i64);
        let mut walk = PageWalk::new(op, position, size);
        let mut items = Vec::new();
        while let Some((position, size)) = walk.next_page().map_err(|stop| stop.into_error(op.id))? {
            match position.and_then(|p| p.to_json(&position_ty)) {
                Some(at) => params.insert(pagination.position().to_owned(), at),
                None => params.remove(pagination.position()),
            };
            if let (Some(name), Some(size)) = (pagination.size, size) {
                params.insert(name.to_owned(), Value::from(size));
            }
            let page = self.call(op, params.clone()).await?;
            let page_items = match path(&page, pagination.items) {
                Some(Value::Array(list)) => list.clone(),
                _ => Vec::new(),
            };
            let facts = PageFacts {
                items: page_items.len(),
                has_more: pagination.has_more().and_then(|p| path(&page, p)).and_then(Value::as_bool),
                next: pagination.next_position().and_then(|p| path(&page, p)).and_then(PagePosition::from_json),
            };
            items.extend(page_items);
            walk.record(facts).map_err(|stop| stop.into_error(op.id))?;
        }
        Ok(items)
    }
}

/// Fills in what the first page of a walk of `op` sends when `params` do not say: the first
/// position (0 for offsets and cursors; nothing for tokens) and the default page size.
pub fn fill_first_page(op: &OperationDescriptor, params: &mut Map<String, Value>) {
    let Some(pagination) = op.pagination else { return };
    let position_ty = op.param(pagination.position()).map(|f| f.ty).unwrap_or(ParamType::String);
    if let Some(start) = pagination.first_position().and_then(|p| p.to_json(&position_ty)) {
        params.entry(pagination.position().to_owned()).or_insert(start);
    }
    if let (Some(name), Some(size)) = (pagination.size, pagination.max_page_size) {
        params.entry(name.to_owned()).or_insert(Value::from(size));
    }
}

/// The value at a dotted path through objects (`result.list`).
pub fn path<'v>(value: &'v Value, dotted: &str) -> Option<&'v Value> {
    dotted.split('.').try_fold(value, |v, segment| v.get(segment))
}

/// Keeps the declared fields of a successful response, each of the declared type; anything
/// else is what a decode error of the generated type would say.
fn project_response(op: &'static OperationDescriptor, response: &Value) -> Result<Value, String> {
    // A response that is one value (an array or a scalar): that value, checked.
    if let (true, Some(field)) = (op.response_value, op.response.first()) {
        if response.is_null() && !field.required {
            return Ok(Value::Null);
        }
        return schema::check_value(&field.ty, response, field.name, schema::Mode::Decode)
            .map_err(|e| format!("`{}` {}", e.field, e.problem));
    }
    let Value::Object(object) = response else {
        return Err("the response is not a JSON object".into());
    };
    schema::check_fields(op.response, object, "", schema::Mode::Decode)
        .map(Value::Object)
        .map_err(|e| format!("`{}` {}", e.field, e.problem))
}

/// Parses a command-line value of `field` (`--param NAME=VALUE`): a comma-separated list
/// (`style: comma`) also as `a,b,c`, anything else by [`parse_param_value`].
pub fn parse_field_value(field: &crate::operation::FieldSchema, text: &str) -> Result<Value, String> {
    match field.ty {
        ParamType::List(inner) if field.comma && !text.trim_start().starts_with('[') => text
            .split(',')
            .map(|item| parse_param_value(inner, item.trim()))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        ty => parse_param_value(&ty, text),
    }
}

/// Parses a command-line value (`--param NAME=VALUE`) by the parameter's spec type: numbers
/// and booleans as such, strings as they are, lists and objects as JSON.
pub fn parse_param_value(ty: &ParamType, text: &str) -> Result<Value, String> {
    match ty {
        ParamType::String => Ok(Value::String(text.to_owned())),
        ParamType::Bool => match text {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(format!("`{text}` is not true or false")),
        },
        ParamType::I32 | ParamType::I64 => {
            text.trim().parse::<i64>().map(Value::from).map_err(|_| format!("`{text}` is not an integer"))
        }
        ParamType::F64 => text
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| format!("`{text}` is not a number")),
        ParamType::List(_) | ParamType::Object(_) | ParamType::Union(_) => {
            serde_json::from_str(text).map_err(|e| format!("`{text}` is not JSON: {e}"))
        }
        // A file: the path of the file to upload.
        ParamType::File => Ok(serde_json::json!({ "path": text })),
        // Free-form: JSON when it parses, else the text as a string.
        ParamType::Json => Ok(serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned()))),
    }
}
