//! The connection loop. Why not `axum::serve`: it offers no header-read, keep-alive idle or
//! write timeout and no cap on open connections, so idle or slow sockets could pile up until
//! the process runs out of file descriptors and accepts no one. Here every connection has a
//! deadline for each request head (which also closes kept-alive connections left idle) and
//! for each write (a client that stops reading our answers is dropped), the number of open
//! connections is capped below the descriptor limit, and shutdown drains.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// File descriptors kept free for everything but client connections (database pool,
/// upstream connections, log files, the listener).
const RESERVED_FDS: u64 = 128;

/// Raises the open-file limit to its hard maximum and returns how many connections fit.
pub fn connection_limit(wanted: usize) -> usize {
    let soft = rlimit::increase_nofile_limit(u64::MAX).unwrap_or(1024);
    let fits = soft.saturating_sub(RESERVED_FDS).max(16);
    let limit = wanted.min(usize::try_from(fits).unwrap_or(usize::MAX));
    if limit < wanted {
        tracing::warn!(
            wanted,
            limit,
            open_file_limit = soft,
            "the open-file limit caps connections below SPORTSGATE_MAX_CONNECTIONS"
        );
    }
    limit
}

/// Serves `router` on `listener` until `shutdown` completes, then stops accepting and waits
/// for open connections to finish their requests (idle ones close at once).
/// `header_read_timeout` bounds each request head and each stalled write.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    header_read_timeout: Duration,
    max_connections: usize,
    shutdown: impl Future<Output = ()>,
) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout)
        .keep_alive(true);
    let graceful = GracefulShutdown::new();
    let slots = Arc::new(Semaphore::new(max_connections));
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of descriptors or a connection reset before accept: wait a moment
                    // rather than spin; the loop goes on.
                    tracing::warn!(error = %err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let service = router
            .clone()
            .map_request(move |mut request: axum::http::Request<Incoming>| {
                request.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
                request
            });
        let mut stream = tokio_io_timeout::TimeoutStream::new(stream);
        stream.set_write_timeout(Some(header_read_timeout));
        let connection = http.serve_connection(TokioIo::new(Box::pin(stream)), TowerToHyperService::new(service));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                tracing::debug!(error = %err, "connection ended with an error");
            }
            drop(slot);
        });
    }
    drop(listener);
    graceful.shutdown().await;
}
