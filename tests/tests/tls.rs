//! The client's own transport speaks TLS through rustls on ring (the workspace has no aws-lc):
//! a call over HTTPS to a loopback server whose self-signed certificate the client trusts.

use std::sync::Arc;

use dingtalk_oapi::Client;
use dingtalk_oapi::runtime::transport::{ReqwestTransport, install_crypto_provider};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn a_call_over_https_completes_on_the_ring_provider() {
    install_crypto_provider();
    let provider = rustls::crypto::CryptoProvider::get_default().expect("a provider is installed");
    assert!(
        provider.cipher_suites.iter().any(|s| s.suite() == rustls::CipherSuite::TLS13_AES_128_GCM_SHA256),
        "ring's suites"
    );

    let issued = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("a certificate");
    let cert = issued.cert.der().clone();
    let key = rustls::pki_types::PrivateKeyDer::try_from(issued.signing_key.serialize_der()).expect("a key");
    let config =
        rustls::ServerConfig::builder().with_no_client_auth().with_single_cert(vec![cert.clone()], key).unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut tls = acceptor.accept(tcp).await.expect("the TLS handshake completes");
        let mut seen = Vec::new();
        let mut buf = [0; 4096];
        while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = tls.read(&mut buf).await.unwrap();
            assert!(n > 0, "the request ended early");
            seen.extend_from_slice(&buf[..n]);
        }
        let body =
            r#"{"errcode":0,"errmsg":"ok","results":[{"name":"Level","color":1,"labels":[]}],"request_id":"r1"}"#;
        let reply = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        tls.write_all(reply.as_bytes()).await.unwrap();
        tls.shutdown().await.ok();
        String::from_utf8_lossy(&seen).into_owned()
    });

    let http = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_der(&cert).unwrap()])
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a reqwest client on the installed provider");
    let client = Client::builder()
        .base_url(format!("https://localhost:{port}"))
        .access_token("tok-tls")
        .transport(ReqwestTransport::new(http))
        .build()
        .unwrap();
    let page = client.list_label_groups().send().await.expect("the call over HTTPS");
    assert_eq!(page.results[0].name.as_deref(), Some("Level"));
    let request = server.await.unwrap();
    assert!(request.starts_with("POST /topapi/extcontact/listlabelgroups?access_token=tok-tls "), "{request}");
}
