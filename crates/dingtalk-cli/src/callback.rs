//! `dingtalk callback`: decrypt and encrypt DingTalk callback bodies by hand, for debugging a
//! callback URL. No credentials or network.

use clap::{Args, Subcommand};
use dingtalk_oapi::callback::{CallbackCrypto, CryptoError, random_nonce};

use crate::{Failure, exit, output};

#[derive(Subcommand, Debug)]
pub enum Callback {
    /// Verify a callback request's signature and print the decrypted message.
    Decrypt(DecryptArgs),
    /// Encrypt a message and print the JSON reply object DingTalk expects.
    Encrypt(EncryptArgs),
}

/// What a callback registration is made of.
#[derive(Args, Debug)]
pub struct Registration {
    /// The callback token registered with DingTalk (prefer the environment variable: arguments
    /// show in `ps`).
    #[arg(long, env = "DINGTALK_CALLBACK_TOKEN", hide_env_values = true)]
    token: String,
    /// The 43-character EncodingAESKey registered with DingTalk.
    #[arg(long = "aes-key", env = "DINGTALK_CALLBACK_AES_KEY", hide_env_values = true)]
    aes_key: String,
    /// The corpId (internal app, registered callback), appKey (internal app, event
    /// subscription) or suiteKey (third-party app) the frames carry.
    #[arg(long = "owner-key")]
    owner_key: String,
}

#[derive(Args, Debug)]
pub struct DecryptArgs {
    #[command(flatten)]
    registration: Registration,
    /// The request's `msg_signature` (or `signature`) query parameter.
    #[arg(long)]
    signature: String,
    /// The request's `timestamp` (or `timeStamp`) query parameter.
    #[arg(long)]
    timestamp: String,
    /// The request's `nonce` query parameter.
    #[arg(long)]
    nonce: String,
    /// The `encrypt` member of the request's JSON body.
    #[arg(long)]
    encrypt: String,
}

#[derive(Args, Debug)]
pub struct EncryptArgs {
    #[command(flatten)]
    registration: Registration,
    /// The reply's timestamp (default: now, in milliseconds).
    #[arg(long)]
    timestamp: Option<String>,
    /// The reply's nonce (default: 8 random characters).
    #[arg(long)]
    nonce: Option<String>,
    /// The message to encrypt, e.g. `success`.
    plaintext: String,
}

fn crypto(r: &Registration) -> Result<CallbackCrypto, Failure> {
    CallbackCrypto::new(&r.token, &r.aes_key, &r.owner_key).map_err(crypto_failure)
}

/// A crypto error is the caller's input being wrong: exit 2, with DingTalk's code and what failed.
fn crypto_failure(e: CryptoError) -> Failure {
    Failure { code: exit::USAGE, message: e.to_string() }
}

pub fn run(cmd: Callback) -> Result<(), Failure> {
    match cmd {
        Callback::Decrypt(a) => {
            let c = crypto(&a.registration)?;
            let message =
                c.decrypt_verified(&a.signature, &a.timestamp, &a.nonce, &a.encrypt).map_err(crypto_failure)?;
            output::print(&format!("{message}\n"))
        }
        Callback::Encrypt(a) => {
            let c = crypto(&a.registration)?;
            let timestamp = a.timestamp.unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_millis())
                    .to_string()
            });
            let nonce = a.nonce.unwrap_or_else(random_nonce);
            let reply = c.reply(&a.plaintext, &timestamp, &nonce).map_err(crypto_failure)?;
            output::json(&reply)
        }
    }
}
