//! EVENTs the Stream-mode gateway sends when a call changes the directory through a `mock:`
//! create, update or delete: what DingTalk's address-book events tell an app subscribed to
//! EVENT `*` (reference §7).
//!
//! | store | create | update | delete | data |
//! |---|---|---|---|---|
//! | `users` | `user_add_org` | `user_modify_org` | `user_leave_org` | `{"userId": [id], "timeStamp": ms}` |
//! | `departments` | `org_dept_create` | `org_dept_modify` | `org_dept_remove` | `{"deptId": [id], "timeStamp": ms}` |
//! | `contacts` (external) | `ext_contact_add` | `ext_contact_modify` | `ext_contact_remove` | `{"userId": [id], "timeStamp": ms}` |
//!
//! The user and department event types are the spec's (`spec/events/`). The data use the
//! member names of DingTalk's current event page (`userId`, `deptId`, `timeStamp`, as the
//! comments of `spec/events/user_add_org.yaml` record); the spec's own fields follow the legacy
//! HTTP-callback shape (`UserId`, `TimeStamp` as text): which one Stream mode sends is
//! UNCONFIRMED. `timeStamp` is a JSON number here. The spec has no external-contact events: the
//! three `ext_contact_*` names are this server's invention, UNCONFIRMED.
//!
//! When: see [`MockBuilder::stream_store_events`](crate::MockBuilder::stream_store_events).
//! Pushing never blocks the call: the frame is handed to a connection's queue, or to the
//! gateway's bounded queue when none is connected.

use dingtalk_oapi::runtime::{MockAction, MockInfo};
use serde_json::{Map, Value, json};

use crate::stream::Gateway;
use crate::validate::is_absent;

/// The event type for a change of `store` by `action`, and the data member naming the key.
fn event_of(store: &str, action: MockAction) -> Option<(&'static str, &'static str)> {
    let types = match store {
        "users" => ["user_add_org", "user_modify_org", "user_leave_org", "userId"],
        "departments" => ["org_dept_create", "org_dept_modify", "org_dept_remove", "deptId"],
        // UNCONFIRMED names (see the module's documentation).
        "contacts" => ["ext_contact_add", "ext_contact_modify", "ext_contact_remove", "userId"],
        _ => return None,
    };
    let event = match action {
        MockAction::Create => types[0],
        MockAction::Update => types[1],
        MockAction::Delete => types[2],
        _ => return None,
    };
    Some((event, types[3]))
}

/// The key of the object a successful create, update or delete changed (`items` as they are
/// after it); `None` for other actions and stores that send no events.
pub(crate) fn changed_key(mock: &MockInfo, params: &Map<String, Value>, items: &[Value]) -> Option<Value> {
    event_of(mock.store, mock.action)?;
    let key = match mock.action {
        // `apply` pushed the new object last.
        MockAction::Create => items.last()?.get(mock.key)?,
        MockAction::Update => {
            let object = match mock.param {
                None => params,
                Some(param) => params.get(param)?.as_object()?,
            };
            object.get(mock.object_key.unwrap_or(mock.key))?
        }
        MockAction::Delete => params.get(mock.param.unwrap_or(mock.key))?,
        _ => return None,
    };
    (!is_absent(key)).then(|| key.clone())
}

/// Sends the EVENT for a change of `store` by `action` to the object with `key`, if the
/// gateway sends store events now.
pub(crate) fn store_changed(gateway: &Gateway, store: &str, action: MockAction, key: &Value) {
    let Some((event_type, member)) = event_of(store, action) else { return };
    if !gateway.store_events_on() {
        return;
    }
    // User IDs are text; department IDs numbers (a numeric text from a form body made one).
    let key = match (member, key) {
        ("deptId", Value::String(s)) => s.parse::<i64>().map_or_else(|_| key.clone(), Value::from),
        ("userId", Value::Number(n)) => Value::String(n.to_string()),
        _ => key.clone(),
    };
    let data = json!({member: [key], "timeStamp": crate::session::now_ms()});
    let message_id = gateway.push_event(event_type, &data);
    tracing::info!("stream: {event_type} for {key} pushed as {message_id}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_types() {
        assert_eq!(event_of("users", MockAction::Create), Some(("user_add_org", "userId")));
        assert_eq!(event_of("departments", MockAction::Delete), Some(("org_dept_remove", "deptId")));
        assert_eq!(event_of("users", MockAction::Get), None);
        assert_eq!(event_of("label_groups", MockAction::Create), None);
    }
}
