//! Arbitrary bytes as a DingTalk answer: the decoder returns a typed response or a typed
//! error, never panics.
#![no_main]

use dingtalk_oapi::{GetContact, ListContacts, ListLabelGroups, decode_response};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first byte picks the HTTP status, the rest is the body.
    let (status, body) = match data.split_first() {
        Some((s, rest)) => (if s % 4 == 0 { 400 } else if s % 7 == 0 { 500 } else { 200 }, rest),
        None => (200, data),
    };
    let _ = decode_response::<ListLabelGroups>(status, Some("application/json"), body);
    let _ = decode_response::<ListContacts>(status, None, body);
    let _ = decode_response::<GetContact>(status, Some("text/html"), body);
});
