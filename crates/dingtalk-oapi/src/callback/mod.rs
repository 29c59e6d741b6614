//! Receiving DingTalk's callbacks (event pushes): the crypto every callback request and reply
//! goes through ([`CallbackCrypto`]), and with the `callback-server` feature a ready axum
//! endpoint (`CallbackService`) that hands typed events (`Event`) to your code.
//!
//! ```
//! use dingtalk_oapi::callback::CallbackCrypto;
//!
//! // DingTalk's published example.
//! let crypto = CallbackCrypto::new("123456", "4g5j64qlyl3zvetqxz5jiocdr586fn2zvjpa8zls3ij", "suite4xxxxxxxxxxxxxxx")?;
//! let encrypt = "1a3NBxmCFwkCJvfoQ7WhJHB+iX3qHPsc9JbaDznE1i03peOk1LaOQoRz3+nlyGNhwmwJ3vDMG+OzrHMeiZI7gTRWVdUBmfxjZ8Ej23JVYa9VrYeJ5as7XM/ZpulX8NEQis44w53h1qAgnC3PRzM7Zc/D6Ibr0rgUathB6zRHP8PYrfgnNOS9PhSBdHlegK+AGGanfwjXuQ9+0pZcy0w9lQ==";
//! let event = crypto.decrypt_verified("5a65ceeef9aab2d149439f82dc191dd6c5cbe2c0", "1445827045067", "nEXhMP4r", encrypt)?;
//! assert!(event.contains("check_create_suite_url"));
//! let reply = crypto.success_reply()?; // serialize it as the response body
//! assert_eq!(crypto.decrypt(&reply.encrypt)?, "success");
//! # Ok::<(), dingtalk_oapi::callback::CryptoError>(())
//! ```

mod crypto;
#[cfg(feature = "callback-server")]
mod server;

pub use crypto::{CallbackCrypto, CryptoError, EncryptedReply, MAX_ENCRYPTED_LEN, random_nonce};
#[cfg(feature = "callback-server")]
pub use server::{CallbackService, MAX_CALLBACK_BODY};
