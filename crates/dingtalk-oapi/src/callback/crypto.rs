//! DingTalk's callback encryption, byte-compatible with the official Java `DingCallbackCrypto`.
//!
//! - Key: `base64(EncodingAESKey + "=")`, 32 bytes from the 43-character key; AES-256-CBC with
//!   the key's first 16 bytes as IV.
//! - Plaintext frame: 16 random bytes ‖ message length (4 bytes, big-endian) ‖ message ‖ owner
//!   key (corpId, appKey or suiteKey), PKCS#7-padded to 32-byte blocks; `encrypt` is standard
//!   base64.
//! - Signature: lowercase hex SHA-1 of token, timestamp, nonce and encrypt, sorted, concatenated.
//!
//! Decryption checks every length and the padding before using them, so a wrong key, a tampered
//! body or a hostile length field is a [`CryptoError`], never a panic or a large allocation.

use std::fmt;

use aes::Aes256;
use base64::Engine;
use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit, block_padding::NoPadding};
use rand::Rng;
use serde::Serialize;
use sha1::{Digest, Sha1};
use subtle::ConstantTimeEq;

use dingtalk_runtime::redact::Secret;

/// Standard base64 that, like the official Java decoder, accepts non-zero trailing bits
/// (DingTalk's own published key ends in such a symbol).
const LENIENT: GeneralPurpose =
    GeneralPurpose::new(&alphabet::STANDARD, GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true));

/// Padding block of the frame: DingTalk pads to 32 bytes, not AES's 16.
const PAD_BLOCK: usize = 32;
/// Longest `encrypt` accepted (base64 characters): far above any event DingTalk sends, far below harm.
pub const MAX_ENCRYPTED_LEN: usize = 4 * 1024 * 1024;

/// What went wrong, with DingTalk's crypto error code (900001–900010).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// The message does not fit the frame.
    #[error("900001: the plaintext cannot be encrypted: {0}")]
    Plaintext(String),
    /// The timestamp is empty.
    #[error("900002: the timestamp is empty")]
    Timestamp,
    /// The nonce is empty.
    #[error("900003: the nonce is empty")]
    Nonce,
    /// The EncodingAESKey is unusable (not 43 base64 characters that decode to 32 bytes).
    #[error("900004: invalid EncodingAESKey: {0}")]
    Key(String),
    /// The signature does not match.
    #[error(
        "900005: the signature does not match (check the token, and that timestamp, nonce and encrypt are the request's)"
    )]
    Signature,
    /// AES encryption failed.
    #[error("900007: cannot encrypt: {0}")]
    Encrypt(String),
    /// `encrypt` does not decrypt to a well-formed frame (base64, blocks, padding, UTF-8).
    #[error("900008: cannot decrypt `encrypt`: {0} (a wrong EncodingAESKey shows up here)")]
    Decrypt(String),
    /// The frame's length field claims more bytes than follow.
    #[error(
        "900009: the frame's length field says {claimed} bytes but only {available} follow (a wrong key or a tampered body)"
    )]
    Length {
        /// The length the frame claims.
        claimed: u64,
        /// The bytes that follow.
        available: usize,
    },
    /// The message is for another owner key.
    #[error(
        "900010: the message is for owner key `{found}`, not `{expected}` (the corpId, appKey or suiteKey this callback belongs to)"
    )]
    OwnerKey {
        /// This registration's owner key.
        expected: String,
        /// The message's owner key (64 characters at most).
        found: String,
    },
}

impl CryptoError {
    /// DingTalk's code for the error (the official code's `DingTalkEncryptException`).
    pub fn code(&self) -> u32 {
        match self {
            CryptoError::Plaintext(_) => 900001,
            CryptoError::Timestamp => 900002,
            CryptoError::Nonce => 900003,
            CryptoError::Key(_) => 900004,
            CryptoError::Signature => 900005,
            CryptoError::Encrypt(_) => 900007,
            CryptoError::Decrypt(_) => 900008,
            CryptoError::Length { .. } => 900009,
            CryptoError::OwnerKey { .. } => 900010,
        }
    }
}

/// The reply to a callback: the encrypted answer (`success`, for DingTalk to stop retrying).
/// Serializes with DingTalk's field names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct EncryptedReply {
    /// The signature of `timeStamp`, `nonce` and `encrypt` with the token (`msg_signature`).
    pub msg_signature: String,
    /// The signing time (`timeStamp`).
    #[serde(rename = "timeStamp")]
    pub time_stamp: String,
    /// A random string, part of the signature (`nonce`).
    pub nonce: String,
    /// The encrypted answer, base64 (`encrypt`).
    pub encrypt: String,
}

/// The crypto of one callback registration: its token, its EncodingAESKey and its owner key.
/// `Debug` shows neither the token nor the key.
#[derive(Clone)]
pub struct CallbackCrypto {
    token: Secret,
    key: [u8; 32],
    owner_key: String,
}

impl fmt::Debug for CallbackCrypto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallbackCrypto")
            .field("token", &self.token)
            .field("key", &"<redacted>")
            .field("owner_key", &self.owner_key)
            .finish()
    }
}

impl CallbackCrypto {
    /// `token` and `encoding_aes_key` (43 characters) as registered with DingTalk; `owner_key`
    /// is the corpId (an internal app's registered callback), the appKey (an internal app's
    /// event subscription) or the suiteKey (a third-party app).
    pub fn new(
        token: impl Into<String>,
        encoding_aes_key: &str,
        owner_key: impl Into<String>,
    ) -> Result<Self, CryptoError> {
        if encoding_aes_key.len() != 43 || !encoding_aes_key.is_ascii() {
            return Err(CryptoError::Key(format!(
                "it has {} characters; DingTalk's keys have 43 base64 characters",
                encoding_aes_key.chars().count()
            )));
        }
        let bytes =
            LENIENT.decode(format!("{encoding_aes_key}=")).map_err(|e| CryptoError::Key(format!("not base64: {e}")))?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| CryptoError::Key("it does not decode to 32 bytes".into()))?;
        Ok(CallbackCrypto { token: Secret::new(token), key, owner_key: owner_key.into() })
    }

    /// The owner key frames must carry.
    pub fn owner_key(&self) -> &str {
        &self.owner_key
    }

    /// Lowercase hex SHA-1 of the token, timestamp, nonce and encrypt, sorted and concatenated.
    pub fn signature(&self, timestamp: &str, nonce: &str, encrypt: &str) -> String {
        let mut parts = [self.token.expose(), timestamp, nonce, encrypt];
        parts.sort_unstable();
        let digest = Sha1::digest(parts.concat().as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Checks a request's signature in constant time.
    pub fn verify(&self, signature: &str, timestamp: &str, nonce: &str, encrypt: &str) -> Result<(), CryptoError> {
        let expected = self.signature(timestamp, nonce, encrypt);
        if expected.as_bytes().ct_eq(signature.to_ascii_lowercase().as_bytes()).into() {
            Ok(())
        } else {
            Err(CryptoError::Signature)
        }
    }

    /// Verifies, then decrypts: what a callback handler does with a request.
    pub fn decrypt_verified(
        &self,
        signature: &str,
        timestamp: &str,
        nonce: &str,
        encrypt: &str,
    ) -> Result<String, CryptoError> {
        self.verify(signature, timestamp, nonce, encrypt)?;
        self.decrypt(encrypt)
    }

    /// The message inside `encrypt`, checked: base64, block size, padding, length field, UTF-8
    /// and owner key, in that order.
    pub fn decrypt(&self, encrypt: &str) -> Result<String, CryptoError> {
        if encrypt.len() > MAX_ENCRYPTED_LEN {
            return Err(CryptoError::Decrypt(format!(
                "{} characters, more than the {MAX_ENCRYPTED_LEN} accepted",
                encrypt.len()
            )));
        }
        let mut buf = LENIENT.decode(encrypt).map_err(|e| CryptoError::Decrypt(format!("not base64: {e}")))?;
        if buf.is_empty() || buf.len() % 16 != 0 {
            return Err(CryptoError::Decrypt(format!("{} bytes is not a whole number of AES blocks", buf.len())));
        }
        let decryptor = cbc::Decryptor::<Aes256>::new_from_slices(&self.key, &self.key[..16])
            .map_err(|e| CryptoError::Key(e.to_string()))?;
        let plain = decryptor.decrypt_padded::<NoPadding>(&mut buf).map_err(|e| CryptoError::Decrypt(e.to_string()))?;
        let pad = usize::from(*plain.last().unwrap_or(&0));
        if !(1..=PAD_BLOCK).contains(&pad) || pad > plain.len() {
            return Err(CryptoError::Decrypt(format!("padding byte {pad} is outside 1..={PAD_BLOCK}")));
        }
        let (frame, padding) = plain.split_at(plain.len() - pad);
        if padding.iter().any(|b| usize::from(*b) != pad) {
            return Err(CryptoError::Decrypt(format!("the last {pad} bytes are not all {pad}: bad padding")));
        }
        if frame.len() < 20 {
            return Err(CryptoError::Decrypt(format!(
                "{} bytes cannot hold the frame's 16 random bytes and 4-byte length",
                frame.len()
            )));
        }
        let claimed = u32::from_be_bytes([frame[16], frame[17], frame[18], frame[19]]);
        let rest = &frame[20..];
        let length = usize::try_from(claimed).unwrap_or(usize::MAX);
        if length > rest.len() {
            return Err(CryptoError::Length { claimed: u64::from(claimed), available: rest.len() });
        }
        let (message, owner) = rest.split_at(length);
        let message =
            std::str::from_utf8(message).map_err(|e| CryptoError::Decrypt(format!("the message is not UTF-8: {e}")))?;
        if owner != self.owner_key.as_bytes() {
            return Err(CryptoError::OwnerKey {
                expected: self.owner_key.clone(),
                found: String::from_utf8_lossy(owner).chars().take(64).collect(),
            });
        }
        Ok(message.to_owned())
    }

    /// Encrypts `message` with fresh random bytes at the front of the frame.
    pub fn encrypt(&self, message: &str) -> Result<String, CryptoError> {
        let random: [u8; 16] = rand::rng().random();
        self.encrypt_with(message, &random)
    }

    /// Encrypts `message` with the given 16 bytes at the front of the frame (for tests and for
    /// reproducing DingTalk's published vectors).
    pub fn encrypt_with(&self, message: &str, random: &[u8; 16]) -> Result<String, CryptoError> {
        let length = u32::try_from(message.len())
            .map_err(|_| CryptoError::Plaintext(format!("{} bytes does not fit the frame", message.len())))?;
        let mut frame = Vec::with_capacity(20 + message.len() + self.owner_key.len() + PAD_BLOCK);
        frame.extend_from_slice(random);
        frame.extend_from_slice(&length.to_be_bytes());
        frame.extend_from_slice(message.as_bytes());
        frame.extend_from_slice(self.owner_key.as_bytes());
        let pad = PAD_BLOCK - frame.len() % PAD_BLOCK;
        frame.extend(std::iter::repeat_n(pad as u8, pad));
        let encryptor = cbc::Encryptor::<Aes256>::new_from_slices(&self.key, &self.key[..16])
            .map_err(|e| CryptoError::Key(e.to_string()))?;
        let len = frame.len();
        let cipher =
            encryptor.encrypt_padded::<NoPadding>(&mut frame, len).map_err(|e| CryptoError::Encrypt(e.to_string()))?;
        Ok(STANDARD.encode(cipher))
    }

    /// The reply carrying `message`, signed with `timestamp` and `nonce`.
    pub fn reply(&self, message: &str, timestamp: &str, nonce: &str) -> Result<EncryptedReply, CryptoError> {
        if timestamp.is_empty() {
            return Err(CryptoError::Timestamp);
        }
        if nonce.is_empty() {
            return Err(CryptoError::Nonce);
        }
        let encrypt = self.encrypt(message)?;
        Ok(EncryptedReply {
            msg_signature: self.signature(timestamp, nonce, &encrypt),
            time_stamp: timestamp.to_owned(),
            nonce: nonce.to_owned(),
            encrypt,
        })
    }

    /// The reply DingTalk expects once a callback is handled: the encrypted `success`, with the
    /// current time and a fresh nonce.
    pub fn success_reply(&self) -> Result<EncryptedReply, CryptoError> {
        let timestamp =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis()).to_string();
        self.reply("success", &timestamp, &random_nonce())
    }
}

/// Eight random letters and digits, like DingTalk's nonces.
pub fn random_nonce() -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..8).map(|_| char::from(CHARS[rng.random_range(0..CHARS.len())])).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    // DingTalk's published vector (the callback page; reused by the official tests).
    const TOKEN: &str = "123456";
    const AES_KEY: &str = "4g5j64qlyl3zvetqxz5jiocdr586fn2zvjpa8zls3ij";
    const OWNER: &str = "suite4xxxxxxxxxxxxxxx";
    const TIMESTAMP: &str = "1445827045067";
    const NONCE: &str = "nEXhMP4r";
    const SIGNATURE: &str = "5a65ceeef9aab2d149439f82dc191dd6c5cbe2c0";
    const ENCRYPT: &str = "1a3NBxmCFwkCJvfoQ7WhJHB+iX3qHPsc9JbaDznE1i03peOk1LaOQoRz3+nlyGNhwmwJ3vDMG+OzrHMeiZI7gTRWVdUBmfxjZ8Ej23JVYa9VrYeJ5as7XM/ZpulX8NEQis44w53h1qAgnC3PRzM7Zc/D6Ibr0rgUathB6zRHP8PYrfgnNOS9PhSBdHlegK+AGGanfwjXuQ9+0pZcy0w9lQ==";
    const PLAINTEXT: &str =
        r#"{"EventType":"check_create_suite_url","Random":"LPIdSnlF","TestSuiteKey":"suite4xxxxxxxxxxxxxxx"}"#;
    const ENCRYPT_1234: &str = "5DJFWzjRNOQk+5GSZxW+VrFMDWCIidPjEjg3//gm5x556BedVi62rDj1F9uXU97a4jw1R4FACUv9RCpoDobNqxhxRB2YtW901k4KHbP1/wpFJ3xdLG0n0A8U1VhENg80zKJd+YROR0YMGum4WYuoXJ6J98vt0ihYeIFoapNddLML5MyNAGM9saSpkouDMSvD+iU14i7V8ix1ia1Tb9ogog==";
    const SIGNATURE_1234: &str = "bcf6dcefa4ce2dbaf7b0666c7264d46fd9aad4bd";

    fn crypto() -> CallbackCrypto {
        CallbackCrypto::new(TOKEN, AES_KEY, OWNER).unwrap()
    }

    #[test]
    fn the_published_vector_verifies_and_decrypts() {
        let c = crypto();
        assert_eq!(c.signature(TIMESTAMP, NONCE, ENCRYPT), SIGNATURE);
        assert_eq!(c.decrypt_verified(SIGNATURE, TIMESTAMP, NONCE, ENCRYPT).unwrap(), PLAINTEXT);
    }

    #[test]
    fn encryption_with_the_published_random_bytes_is_byte_identical() {
        let c = crypto();
        let encrypt = c.encrypt_with(PLAINTEXT, b"1234567890123456").unwrap();
        assert_eq!(encrypt, ENCRYPT_1234);
        assert_eq!(c.signature(TIMESTAMP, NONCE, &encrypt), SIGNATURE_1234);
    }

    #[test]
    fn hostile_inputs_are_typed_errors() {
        let c = crypto();
        // Wrong key: the padding or the owner check fails, never a panic or a huge allocation.
        let other = CallbackCrypto::new(TOKEN, "abcdefghijabcdefghijabcdefghijabcdefghijabc", OWNER).unwrap();
        assert!(matches!(other.decrypt(ENCRYPT), Err(CryptoError::Decrypt(_) | CryptoError::Length { .. })));
        // A flipped byte in the last block breaks the padding.
        let mut bytes = STANDARD.decode(ENCRYPT).unwrap();
        let n = bytes.len();
        bytes[n - 1] ^= 0x5a;
        assert!(c.decrypt(&STANDARD.encode(&bytes)).is_err());
        // Truncated base64, and a body that is not whole AES blocks.
        assert!(matches!(c.decrypt(&ENCRYPT[..ENCRYPT.len() - 3]), Err(CryptoError::Decrypt(_))));
        assert!(matches!(c.decrypt(&STANDARD.encode([0u8; 20])), Err(CryptoError::Decrypt(_))));
        assert_eq!(c.verify("0000", TIMESTAMP, NONCE, ENCRYPT), Err(CryptoError::Signature));
        assert!(matches!(CallbackCrypto::new(TOKEN, "short", OWNER), Err(CryptoError::Key(_))));
        assert_eq!(crypto().reply("x", "", NONCE).unwrap_err().code(), 900002);
        assert!(!format!("{c:?}").contains(TOKEN), "the token stays out of Debug");
    }

    /// `frame` (a whole number of AES blocks) encrypted as it is, with no padding added.
    fn encrypt_raw(c: &CallbackCrypto, frame: &[u8]) -> String {
        let mut buf = frame.to_vec();
        let len = buf.len();
        let e = cbc::Encryptor::<Aes256>::new_from_slices(&c.key, &c.key[..16]).unwrap();
        STANDARD.encode(e.encrypt_padded::<NoPadding>(&mut buf, len).unwrap())
    }

    fn frame(length: u32, body: &[u8], pad: u8, total: usize) -> Vec<u8> {
        let mut f = b"0123456789abcdef".to_vec();
        f.extend_from_slice(&length.to_be_bytes());
        f.extend_from_slice(body);
        f.resize(total - 1, pad);
        f.push(pad);
        f
    }

    #[test]
    fn every_length_and_pad_is_checked_before_use() {
        let c = crypto();
        let owner = OWNER.as_bytes();
        let body = [b"hello".as_slice(), owner].concat();
        // A pad of 0 and of 33 (outside 1..=32).
        for pad in [0u8, 33] {
            let err = c.decrypt(&encrypt_raw(&c, &frame(5, &body, pad, 64))).unwrap_err();
            assert!(matches!(err, CryptoError::Decrypt(ref m) if m.contains("padding")), "{pad}: {err}");
        }
        // A length field far larger than the frame: an error, no allocation of 4 GiB.
        let err = c.decrypt(&encrypt_raw(&c, &frame(u32::MAX, &body, 6, 64))).unwrap_err();
        assert!(matches!(err, CryptoError::Length { claimed: 4294967295, .. }), "{err}");
        assert_eq!(err.code(), 900009);
        // Not UTF-8.
        let bad = [[0xff, 0xfe, 0xfd, 0xfc, 0xfb].as_slice(), owner].concat();
        let err = c.decrypt(&encrypt_raw(&c, &frame(5, &bad, 6, 64))).unwrap_err();
        assert!(matches!(err, CryptoError::Decrypt(ref m) if m.contains("UTF-8")), "{err}");
        // Another owner's message.
        let other = CallbackCrypto::new(TOKEN, AES_KEY, "dingcorp0001").unwrap();
        let err = other.decrypt(&c.encrypt("hi").unwrap()).unwrap_err();
        assert_eq!(err.code(), 900010);
        assert!(err.to_string().contains("`suite4xxxxxxxxxxxxxxx`, not `dingcorp0001`"), "{err}");
        // A frame too short to hold its header.
        let err = c.decrypt(&encrypt_raw(&c, &[16u8; 32])).unwrap_err();
        assert!(matches!(err, CryptoError::Decrypt(ref m) if m.contains("cannot hold")), "{err}");
        // Padding bytes that disagree with the last one.
        let mut bad_pad = frame(5, &body, 6, 64);
        bad_pad[60] = 9;
        let err = c.decrypt(&encrypt_raw(&c, &bad_pad)).unwrap_err();
        assert!(matches!(err, CryptoError::Decrypt(ref m) if m.contains("bad padding")), "{err}");
        // A 10 MB body is refused before it is decoded.
        let huge = "A".repeat(10 * 1024 * 1024);
        assert!(matches!(c.decrypt(&huge), Err(CryptoError::Decrypt(m)) if m.contains("more than")));
    }

    #[test]
    fn replies_decrypt_to_what_they_carry() {
        let c = crypto();
        let reply = c.success_reply().unwrap();
        assert_eq!(
            c.decrypt_verified(&reply.msg_signature, &reply.time_stamp, &reply.nonce, &reply.encrypt).unwrap(),
            "success"
        );
        let json = serde_json::to_value(&reply).unwrap();
        for key in ["msg_signature", "timeStamp", "nonce", "encrypt"] {
            assert!(json.get(key).is_some(), "{key} in {json}");
        }
        let text = "订单已创建 ✓";
        assert_eq!(c.decrypt(&c.encrypt(text).unwrap()).unwrap(), text, "lengths are bytes, not characters");
    }
}
