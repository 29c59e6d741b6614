//! `dingtalk callback decrypt|encrypt` with DingTalk's published vector and hostile inputs.

mod common;

use std::process::Output;

use common::{dingtalk, text};

const TOKEN: &str = "123456";
const AES_KEY: &str = "4g5j64qlyl3zvetqxz5jiocdr586fn2zvjpa8zls3ij";
const OWNER: &str = "suite4xxxxxxxxxxxxxxx";
const ENCRYPT: &str = "1a3NBxmCFwkCJvfoQ7WhJHB+iX3qHPsc9JbaDznE1i03peOk1LaOQoRz3+nlyGNhwmwJ3vDMG+OzrHMeiZI7gTRWVdUBmfxjZ8Ej23JVYa9VrYeJ5as7XM/ZpulX8NEQis44w53h1qAgnC3PRzM7Zc/D6Ibr0rgUathB6zRHP8PYrfgnNOS9PhSBdHlegK+AGGanfwjXuQ9+0pZcy0w9lQ==";

fn decrypt(token: &str, key: &str, owner: &str, signature: &str, encrypt: &str) -> Output {
    dingtalk(&[
        "callback",
        "decrypt",
        "--token",
        token,
        "--aes-key",
        key,
        "--owner-key",
        owner,
        "--signature",
        signature,
        "--timestamp",
        "1445827045067",
        "--nonce",
        "nEXhMP4r",
        "--encrypt",
        encrypt,
    ])
}

#[test]
fn decrypt_prints_the_published_plaintext() {
    let out = decrypt(TOKEN, AES_KEY, OWNER, "5a65ceeef9aab2d149439f82dc191dd6c5cbe2c0", ENCRYPT);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "{\"EventType\":\"check_create_suite_url\",\"Random\":\"LPIdSnlF\",\"TestSuiteKey\":\"suite4xxxxxxxxxxxxxxx\"}\n"
    );
}

#[test]
fn each_failure_is_one_line_naming_what_failed() {
    let signature = "5a65ceeef9aab2d149439f82dc191dd6c5cbe2c0";
    let other_key = "abcdefghijabcdefghijabcdefghijabcdefghijabc";
    for (out, needle) in [
        (decrypt("654321", AES_KEY, OWNER, signature, ENCRYPT), "900005: the signature does not match"),
        (decrypt(TOKEN, "tooshort", OWNER, signature, ENCRYPT), "900004: invalid EncodingAESKey"),
        (decrypt(TOKEN, AES_KEY, "dingcorp0001", signature, ENCRYPT), "900010"),
    ] {
        assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
        let stderr = text(&out.stderr);
        assert!(stderr.contains(needle), "{needle}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(out.stdout.is_empty());
    }
    // A wrong key with a signature that matches (the token is right): padding or length fails.
    let encrypt_other = {
        let out = dingtalk(&[
            "callback",
            "encrypt",
            "--token",
            TOKEN,
            "--aes-key",
            other_key,
            "--owner-key",
            OWNER,
            "--timestamp",
            "1",
            "--nonce",
            "n",
            "hello",
        ]);
        assert!(out.status.success());
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let sig = encrypt_other["msg_signature"].as_str().unwrap();
    let out = dingtalk(&[
        "callback",
        "decrypt",
        "--token",
        TOKEN,
        "--aes-key",
        AES_KEY,
        "--owner-key",
        OWNER,
        "--signature",
        sig,
        "--timestamp",
        "1",
        "--nonce",
        "n",
        "--encrypt",
        encrypt_other["encrypt"].as_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("900008") || stderr.contains("900009") || stderr.contains("900010"), "{stderr}");
}

#[test]
fn encrypt_prints_a_reply_that_decrypts_back() {
    let out = dingtalk(&[
        "callback",
        "encrypt",
        "--token",
        TOKEN,
        "--aes-key",
        AES_KEY,
        "--owner-key",
        OWNER,
        "--timestamp",
        "1445827045067",
        "--nonce",
        "nEXhMP4r",
        "success",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let reply: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a JSON object");
    assert_eq!((reply["timeStamp"].as_str(), reply["nonce"].as_str()), (Some("1445827045067"), Some("nEXhMP4r")));
    let back =
        decrypt(TOKEN, AES_KEY, OWNER, reply["msg_signature"].as_str().unwrap(), reply["encrypt"].as_str().unwrap());
    assert!(back.status.success(), "{}", text(&back.stderr));
    assert_eq!(text(&back.stdout), "success\n");
}
