//! Arbitrary text as a callback's `encrypt` (and signature parts): decryption returns the
//! message or a typed error, never panics or allocates by a hostile length field.
#![no_main]

use dingtalk_oapi::callback::CallbackCrypto;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let crypto = CallbackCrypto::new("123456", "4g5j64qlyl3zvetqxz5jiocdr586fn2zvjpa8zls3ij", "suite4xxxxxxxxxxxxxxx")
        .expect("the published key");
    let text = String::from_utf8_lossy(data);
    let _ = crypto.decrypt(&text);
    let cut = text.char_indices().nth(40).map_or(text.len(), |(i, _)| i);
    let (signature, rest) = text.split_at(cut);
    let _ = crypto.decrypt_verified(signature, "1445827045067", "nEXhMP4r", rest);
    // Valid base64 of arbitrary bytes reaches the frame checks past the decoder.
    use base64::Engine;
    let _ = crypto.decrypt(&base64::engine::general_purpose::STANDARD.encode(data));
});
