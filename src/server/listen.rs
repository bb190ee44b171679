//! Accepting connections within limits, so that slow or many clients
//! cannot starve the others: at most `max_connections` are served at once
//! (more wait in the listen queue until one ends), and a client that has
//! not sent a request's headers within `header_timeout` (the first request
//! on a connection, or the next on a kept-alive one, which makes it the
//! idle timeout too) is disconnected. Shutting down stops accepting, lets
//! the requests in flight finish and closes idle connections.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::config;

/// After an accept fails for want of resources (descriptors), this long
/// passes before the next try.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// How much of the machine the server may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest wait for a request's headers (and so for the next request
    /// on an idle kept-alive connection).
    pub header_timeout: Duration,
    /// Most connections served at once.
    pub max_connections: usize,
}

impl From<&config::Server> for Limits {
    fn from(server: &config::Server) -> Self {
        Limits {
            header_timeout: server.header_timeout,
            max_connections: server.max_connections,
        }
    }
}

/// Serves `router` on `listener` within `limits` until `shutdown`
/// completes, letting in-flight requests finish.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = Arc::clone(&slots).acquire_owned() => slot.map_err(std::io::Error::other)?,
            () = &mut shutdown => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    refused(&e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = TowerToHyperService::new(router.clone());
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            // A client that went away or was too slow is no error of ours.
            let _ = connection.await;
            drop(slot);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// Waits after an accept that failed for want of resources; a connection
/// that broke before it was accepted needs no wait.
async fn refused(error: &std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        error.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::warn!("cannot accept a connection: {error}");
    tokio::time::sleep(ACCEPT_BACKOFF).await;
}
