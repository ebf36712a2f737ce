//! The connection loop. Why not `axum::serve`: it offers no header-read, keep-alive idle or
//! write timeout and no cap on open connections, so idle or slow sockets could pile up until
//! the process runs out of file descriptors and accepts no one. Here every connection has a
//! deadline for each request head (which also closes kept-alive connections left idle) and
//! for each write (a client that stops reading our answers is dropped), the number of open
//! connections is capped below the descriptor limit, and shutdown drains without cutting a
//! connection a client may be sending on (see [`drain`]).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
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

/// Serves `router` on `listener` until `shutdown` completes, then drains: see [`drain`].
/// `header_read_timeout` bounds each request head, each stalled write and each idle
/// kept-alive connection.
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
    let connections = Connections {
        http,
        router,
        write_timeout: header_read_timeout,
        slots: Arc::new(Semaphore::new(max_connections)),
        draining: Arc::new(AtomicBool::new(false)),
    };
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = connections.slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
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
        connections.spawn(stream, peer, slot);
    }
    drain(listener, &connections, max_connections).await;
}

/// Stops the way a load balancer in front can live with, so that no request it sent fails:
/// - every answer from now on says `Connection: close`, so a kept-alive connection ends
///   after its current or next answer, the client told before it sends another request;
/// - connections the kernel had already completed (in the listen backlog) are served, not
///   reset after their clients sent a request; then the listener closes and new
///   connections are refused, which tells a balancer to go elsewhere with nothing sent;
/// - idle kept-alive connections are not cut at once (hyper's graceful shutdown would):
///   a client may be sending on one that very moment, and a request lost that way cannot
///   be told from one that failed. They end at their idle limit as they always do, by
///   which time a balancer set to idle out sooner (nginx `keepalive_timeout`, the ALB's
///   idle timeout: 15 s against our 20 s) has closed or used them.
///
/// Returns once every connection has ended; the caller bounds that by the shutdown grace.
async fn drain(listener: TcpListener, connections: &Connections, max_connections: usize) {
    connections.draining.store(true, Ordering::Release);
    for (stream, peer, slot) in backlog(listener, &connections.slots) {
        connections.spawn(stream, peer, slot);
    }
    let open = max_connections - connections.slots.available_permits();
    tracing::info!(
        open_connections = open,
        "listener closed; waiting for open connections to end"
    );
    let every_slot = u32::try_from(max_connections).unwrap_or(u32::MAX);
    let _ = connections.slots.acquire_many(every_slot).await;
}

/// Accepts what is waiting in the listen backlog without waiting for more (as many as there
/// are free slots), then closes the listener.
fn backlog(listener: TcpListener, slots: &Arc<Semaphore>) -> Vec<(TcpStream, SocketAddr, OwnedSemaphorePermit)> {
    let mut waiting = Vec::new();
    // Non-blocking, as tokio made it: `accept` says `WouldBlock` once the backlog is empty,
    // asking the kernel itself rather than the runtime's readiness, which may lag behind.
    let Ok(listener) = listener.into_std() else {
        return waiting;
    };
    while let Ok(slot) = slots.clone().try_acquire_owned() {
        let Ok((stream, peer)) = listener.accept() else { break };
        if let Ok(stream) = stream.set_nonblocking(true).and_then(|()| TcpStream::from_std(stream)) {
            waiting.push((stream, peer, slot));
        }
    }
    waiting
}

/// How each accepted connection is served.
struct Connections {
    http: hyper::server::conn::http1::Builder,
    router: Router,
    write_timeout: Duration,
    /// One per open connection, at most the connection limit.
    slots: Arc<Semaphore>,
    /// Set at shutdown: answers carry `Connection: close`.
    draining: Arc<AtomicBool>,
}

impl Connections {
    fn spawn(&self, stream: TcpStream, peer: SocketAddr, slot: OwnedSemaphorePermit) {
        let _ = stream.set_nodelay(true);
        let draining = self.draining.clone();
        let service = self
            .router
            .clone()
            .map_request(move |mut request: axum::http::Request<Incoming>| {
                request.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
                request
            })
            .map_response(move |mut response: Response| {
                if draining.load(Ordering::Acquire) {
                    response
                        .headers_mut()
                        .insert(header::CONNECTION, HeaderValue::from_static("close"));
                }
                response
            });
        let mut stream = tokio_io_timeout::TimeoutStream::new(stream);
        stream.set_write_timeout(Some(self.write_timeout));
        let connection = self
            .http
            .serve_connection(TokioIo::new(Box::pin(stream)), TowerToHyperService::new(service));
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                tracing::debug!(error = %err, "connection ended with an error");
            }
            drop(slot);
        });
    }
}
