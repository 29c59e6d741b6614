//! The accept loop: each connection is served by hyper's HTTP/1 server over the axum router,
//! with a kill switch the handler can pull to drop the connection without answering.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;
use tower::ServiceExt as _;

/// Most connections served at once; more wait in the listen backlog.
const MAX_CONNECTIONS: usize = 512;
/// How long a client may take to send a request's headers.
const HEADER_TIMEOUT: Duration = Duration::from_secs(30);
/// How long requests in flight may go on after a shutdown.
const GRACE: Duration = Duration::from_secs(3);

/// Put in every request's extensions: notifying it closes the request's connection at once.
#[derive(Clone)]
pub(crate) struct ConnectionKill(pub(crate) Arc<Notify>);

/// Resolves once a shutdown is asked for (the flag set, or the server dropped).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stop| *stop).await;
}

pub(crate) async fn serve(listener: TcpListener, router: Router, mut stop: watch::Receiver<bool>) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let mut connections = JoinSet::new();
    loop {
        while connections.try_join_next().is_some() {}
        let permit = tokio::select! {
            biased;
            () = stopped(&mut stop) => break,
            permit = slots.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
        };
        let stream = tokio::select! {
            biased;
            () = stopped(&mut stop) => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // E.g. out of file descriptors: wait a little rather than spin.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        connections.spawn(connection(stream, router.clone(), stop.clone(), permit));
    }
    drop(listener);
    let drained = async { while connections.join_next().await.is_some() {} };
    let _ = tokio::time::timeout(GRACE + Duration::from_secs(1), drained).await;
    connections.abort_all();
}

async fn connection(stream: TcpStream, router: Router, mut stop: watch::Receiver<bool>, _permit: OwnedSemaphorePermit) {
    let _ = stream.set_nodelay(true);
    let kill = Arc::new(Notify::new());
    let handle = ConnectionKill(kill.clone());
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(handle.clone());
        router.clone().oneshot(request)
    });
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(HEADER_TIMEOUT);
    // With upgrades: the Stream-mode gateway's `/connect` turns the connection into a WebSocket.
    let connection = builder.serve_connection(TokioIo::new(stream), service).with_upgrades();
    tokio::pin!(connection);
    tokio::select! {
        _ = connection.as_mut() => {}
        () = kill.notified() => {}
        () = stopped(&mut stop) => {
            connection.as_mut().graceful_shutdown();
            tokio::select! {
                _ = connection.as_mut() => {}
                () = kill.notified() => {}
                () = tokio::time::sleep(GRACE) => {}
            }
        }
    }
    // Dropping the connection closes the socket, whatever state the exchange is in.
}
