//! The Stream listener against the fake server's gateway (a real HTTP open call and a real
//! WebSocket on loopback): acks, redelivery after LATER, pings while handlers are busy, a
//! retired connection replaced before it is dropped, reconnects, refused credentials, graceful
//! stop.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use dingtalk_mock::MockServer;
use dingtalk_stream::{StreamClient, StreamError, StreamHandle, TOPIC_ROBOT_MESSAGES};
use serde_json::json;

const KEY: &str = "dingstreamtestkey";
const SECRET: &str = "stream-test-secret";
const WAIT: Duration = Duration::from_secs(10);

async fn server() -> MockServer {
    MockServer::builder()
        .app(KEY, SECRET)
        .stream_redelivery(Duration::from_millis(300), 3)
        .stream_disconnect_grace(Duration::from_secs(2))
        .start()
        .await
        .unwrap()
}

async fn connected(mut handle: StreamHandle) -> StreamHandle {
    assert!(tokio::time::timeout(WAIT, handle.connected()).await.expect("connects in time"), "the listener ended");
    handle
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_are_acked_success_and_a_failure_later_then_redelivered() {
    let server = server().await;
    let seen: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let log = seen.clone();
    let handle = StreamClient::builder(KEY, SECRET)
        .api_base_url(server.url())
        .on_event(move |event| {
            let log = log.clone();
            async move {
                let first = {
                    let mut log = log.lock().unwrap();
                    log.push((event.event_type.clone(), event.message_id.clone()));
                    log.iter().filter(|(t, _)| *t == event.event_type).count() == 1
                };
                if event.event_type == "flaky" && first {
                    return Err("the database is down".into());
                }
                Ok(())
            }
        })
        .build()
        .unwrap()
        .start();
    let handle = connected(handle).await;
    let opens = server.stream_opens();
    assert_eq!(opens.len(), 1);
    assert_eq!(opens[0].client_id, KEY);
    assert!(opens[0].ua.as_deref().is_some_and(|ua| ua.starts_with("dingtalk-sdk-rust/")), "{:?}", opens[0]);

    let id = server.push_stream_event("user_add_org", json!({"userId": ["user01"]}));
    let ack = server.wait_for_stream_ack(&id, WAIT).await.expect("an ack");
    assert!(ack.valid, "{ack:?}");
    assert_eq!((ack.code, ack.data.as_ref().map(|d| d["status"].clone())), (Some(200), Some(json!("SUCCESS"))));

    // A failing handler: LATER, the gateway pushes it again, the second run succeeds.
    let id = server.push_stream_event("flaky", json!({}));
    let acks = server.wait_for_stream_acks(&id, 2, WAIT).await;
    let statuses: Vec<_> = acks.iter().map(|a| a.data.as_ref().map(|d| d["status"].clone())).collect();
    assert_eq!(statuses, [Some(json!("LATER")), Some(json!("SUCCESS"))], "{acks:?}");
    let runs = seen.lock().unwrap().iter().filter(|(t, m)| t == "flaky" && *m == id).count();
    assert_eq!(runs, 2);

    handle.stop(Duration::from_secs(2)).await.unwrap();
    tokio::time::timeout(WAIT, async {
        while server.stream_connections() > 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the connection is closed on stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pings_are_answered_while_every_handler_is_busy() {
    let server = server().await;
    let gate = Arc::new(tokio::sync::Notify::new());
    let started = Arc::new(tokio::sync::Notify::new());
    let (wait, begun) = (gate.clone(), started.clone());
    let handle = StreamClient::builder(KEY, SECRET)
        .api_base_url(server.url())
        .max_in_flight(1)
        .on_event(move |_| {
            let (wait, begun) = (wait.clone(), begun.clone());
            async move {
                begun.notify_one();
                wait.notified().await;
                Ok(())
            }
        })
        .build()
        .unwrap()
        .start();
    let handle = connected(handle).await;
    let busy = server.push_stream_event("slow", json!({}));
    tokio::time::timeout(WAIT, started.notified()).await.expect("the handler starts");
    for ping in server.stream_ping() {
        let pong = server.wait_for_stream_ack(&ping, WAIT).await.expect("a pong while busy");
        assert!(pong.valid, "{pong:?}");
        assert_eq!(pong.code, Some(200));
    }
    assert!(server.stream_acks().iter().all(|a| a.message_id != busy), "the slow event is not acked yet");
    gate.notify_one();
    let ack = server.wait_for_stream_ack(&busy, WAIT).await.expect("acked once done");
    assert_eq!(ack.data.unwrap()["status"], "SUCCESS");
    handle.stop(Duration::from_secs(2)).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retired_connection_is_replaced_before_it_is_dropped_and_a_dropped_one_reconnects() {
    let server = server().await;
    let handled = Arc::new(Mutex::new(Vec::new()));
    let log = handled.clone();
    let handle = StreamClient::builder(KEY, SECRET)
        .api_base_url(server.url())
        .backoff(Duration::from_millis(50), Duration::from_millis(400))
        .on_callback(TOPIC_ROBOT_MESSAGES, move |message| {
            let log = log.clone();
            async move {
                log.lock().unwrap().push(message.data["text"]["content"].as_str().unwrap_or_default().to_owned());
                Ok(json!({"handled": true}))
            }
        })
        .build()
        .unwrap()
        .start();
    let handle = connected(handle).await;

    // `disconnect`: a second connection opens while the first is still there.
    assert_eq!(server.stream_disconnect(), 1);
    tokio::time::timeout(WAIT, async {
        while server.stream_connections() < 2 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the replacement opens before the old connection is gone");
    assert_eq!(server.stream_opens().len(), 2, "a new ticket for the replacement");
    // Messages during the overlap are handled, whichever connection carries them.
    let ids: Vec<String> = (0..4)
        .map(|i| {
            server.push_stream_callback(
                TOPIC_ROBOT_MESSAGES,
                json!({"msgtype": "text", "text": {"content": format!("m{i}")}}),
            )
        })
        .collect();
    for id in &ids {
        let ack = server.wait_for_stream_ack(id, WAIT).await.expect("acked");
        assert_eq!(ack.data.unwrap(), json!({"response": {"handled": true}}));
    }
    tokio::time::timeout(WAIT, async {
        while server.stream_connections() != 1 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the retired connection closes after its grace");

    // A connection that dies without a word: the listener reconnects after its backoff.
    server.drop_stream_connections();
    tokio::time::timeout(WAIT, async {
        while server.stream_opens().len() < 3 || server.stream_connections() != 1 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("reconnected");
    let id =
        server.push_stream_callback(TOPIC_ROBOT_MESSAGES, json!({"msgtype": "text", "text": {"content": "after"}}));
    assert!(server.wait_for_stream_ack(&id, WAIT).await.is_some());
    assert_eq!(handled.lock().unwrap().len(), 5);
    let invalid: Vec<_> = server.stream_acks().into_iter().filter(|a| !a.valid).collect();
    assert!(invalid.is_empty(), "every frame the listener sent is one the protocol allows: {invalid:?}");
    handle.stop(Duration::from_secs(2)).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_credentials_end_the_listener_with_the_servers_code() {
    let server = server().await;
    let handle = StreamClient::builder(KEY, "wrong-secret")
        .api_base_url(server.url())
        .on_event(|_| async { Ok(()) })
        .build()
        .unwrap()
        .start();
    tokio::time::timeout(WAIT, async {
        while !handle.is_finished() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("gives up at once");
    let err = handle.stop(Duration::from_secs(1)).await.unwrap_err();
    assert!(matches!(&err, StreamError::Auth { status: 401, code, .. } if code.contains("authFailed")), "{err:?}");
    assert!(!err.to_string().contains("wrong-secret"), "{err}");
    assert!(!format!("{:?}", StreamClient::builder(KEY, "wrong-secret")).contains("wrong-secret"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_lets_handlers_finish_and_a_panic_is_a_failed_callback() {
    let server = server().await;
    let started = Arc::new(tokio::sync::Notify::new());
    let begun = started.clone();
    let handle = StreamClient::builder(KEY, SECRET)
        .api_base_url(server.url())
        .on_event(move |_| {
            let begun = begun.clone();
            async move {
                begun.notify_one();
                tokio::time::sleep(Duration::from_millis(300)).await;
                Ok(())
            }
        })
        .on_callback("/v1.0/card/instances/callback", |card| async move {
            if card.data["panic"] == true {
                panic!("a bug in the handler");
            }
            Ok(json!({"cardData": {"cardParamMap": {"status": "done"}}}))
        })
        .build()
        .unwrap()
        .start();
    let handle = connected(handle).await;
    let panicked = server.push_stream_callback("/v1.0/card/instances/callback", json!({"panic": true}));
    let ack = server.wait_for_stream_ack(&panicked, WAIT).await.expect("acked");
    assert_eq!(ack.code, Some(500), "{ack:?}");
    let card = server.push_stream_callback("/v1.0/card/instances/callback", json!({"panic": false}));
    let ack = server.wait_for_stream_ack(&card, WAIT).await.expect("acked");
    assert_eq!(ack.data.unwrap()["response"]["cardData"]["cardParamMap"]["status"], "done");

    // A stop while an event is in flight: its ack still goes out before the close.
    let slow = server.push_stream_event("slow", json!({}));
    tokio::time::timeout(WAIT, started.notified()).await.expect("the handler starts");
    handle.stop(Duration::from_secs(5)).await.unwrap();
    let ack = server.stream_acks().into_iter().find(|a| a.message_id == slow).expect("acked before closing");
    assert_eq!(ack.data.unwrap()["status"], "SUCCESS");
    assert!(server.stream_acks().iter().all(|a| a.valid), "{:?}", server.stream_acks());
}

/// A peer that accepts the WebSocket and then never reads (so never answers a ping), behind an
/// open endpoint of our own: the listener must notice and reconnect, not hang.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_peer_is_detected_and_replaced() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let ws = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let ws_addr = ws.local_addr().unwrap();
    let held = Arc::new(Mutex::new(Vec::new()));
    let keep = held.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = ws.accept().await {
            if let Ok(socket) = tokio_tungstenite::accept_async(tcp).await {
                keep.lock().unwrap().push(socket); // held open, never read
            }
        }
    });
    let http = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", http.local_addr().unwrap());
    let opens = Arc::new(AtomicUsize::new(0));
    let count = opens.clone();
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = http.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            let mut buf = vec![0u8; 64 * 1024];
            let _ = tcp.read(&mut buf).await;
            let body = format!(r#"{{"endpoint":"ws://{ws_addr}/connect","ticket":"t"}}"#);
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = tcp.write_all(format!("{head}{body}").as_bytes()).await;
        }
    });

    let handle = StreamClient::builder(KEY, SECRET)
        .api_base_url(base)
        .keepalive(Duration::from_millis(150), Duration::from_millis(150))
        .backoff(Duration::from_millis(20), Duration::from_millis(100))
        .on_event(|_| async { Ok(()) })
        .build()
        .unwrap()
        .start();
    tokio::time::timeout(WAIT, async {
        while opens.load(Ordering::SeqCst) < 3 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("each silent connection is given up and replaced");
    handle.stop(Duration::from_secs(1)).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_robot_message_is_answered_through_its_session_webhook_until_it_expires() {
    use dingtalk_stream::{ReplyError, RobotReply};
    let server = server().await;
    let handle = StreamClient::builder(KEY, SECRET)
        .api_base_url(server.url())
        .on_callback(TOPIC_ROBOT_MESSAGES, |message| async move {
            let reply = message.reply()?;
            let sender = reply.sender_staff_id().unwrap_or_default().to_owned();
            let text = message.data["text"]["content"].as_str().unwrap_or_default().trim().to_owned();
            reply.reply_text(format!("echo: {text}"), &[&sender]).await?;
            Ok(serde_json::Value::Null)
        })
        .build()
        .unwrap()
        .start();
    let handle = connected(handle).await;
    let id = server.push_robot_message("hello", "user01", "2");
    let ack = server.wait_for_stream_ack(&id, WAIT).await.expect("acked");
    assert_eq!(ack.code, Some(200), "the reply was sent before the ack: {ack:?}");
    let sent = server.session_messages();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].body["msgtype"], "text");
    assert_eq!(sent[0].body["text"]["content"], "echo: hello");
    assert_eq!(sent[0].body["at"]["atUserIds"], json!(["user01"]));

    // A webhook past its expiry: refused here, nothing sent.
    let (webhook, _) = server.robot_session(Duration::from_secs(60));
    let expired = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64 - 1;
    let late = RobotReply::new(&webhook, Some(expired)).unwrap();
    let err = late.reply_markdown("Late", "**too late**", &[]).await.unwrap_err();
    assert!(matches!(err, ReplyError::Expired { expired_at_ms } if expired_at_ms == expired), "{err:?}");
    assert_eq!(server.session_messages().len(), 1);
    let session = webhook.split("session=").nth(1).unwrap().to_owned();
    assert!(!format!("{late:?}").contains(&session), "the session is the webhook's credential");

    // A live one takes an action card too.
    let card = dingtalk_oapi::robot::RobotActionCard::new()
        .title("Deploy")
        .text("v2 is live")
        .single_title("Open")
        .single_url("https://example.com");
    RobotReply::new(&webhook, None).unwrap().reply_action_card(card).await.unwrap();
    assert_eq!(server.session_messages()[1].body["msgtype"], "actionCard");
    handle.stop(Duration::from_secs(2)).await.unwrap();
}
