//! Assembly: config in, a bound server out. `serve` and the tests both go through
//! [`App::build`], so tests run the production wiring.

mod server;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use tokio::net::TcpListener;

use crate::cache::SportsCache;
use crate::cache::shared::SharedTier;
use crate::config::{Config, ServerSettings};
use crate::http::openapi::live::LiveDocument;
use crate::http::router::{self, RouterOptions};
use crate::http::state::{AppState, Started};
use crate::management::Management;
use crate::providers::chain::ProviderChain;
use crate::store::StoreError;
use crate::telemetry::metrics;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("server failed: {0}")]
    Serve(#[from] std::io::Error),
}

/// A bound, ready-to-run server.
pub struct App {
    management: Arc<Management>,
    listener: TcpListener,
    router: Router,
    addr: SocketAddr,
    /// `/metrics` on its own listener, when configured.
    metrics: Option<(TcpListener, Router)>,
    metrics_addr: Option<SocketAddr>,
    server: ServerSettings,
    shutdown_grace: Duration,
}

async fn bind(addr: SocketAddr) -> Result<TcpListener, AppError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| AppError::Bind { addr, source })
}

impl App {
    /// Opens the store (migrating it), binds the listen address (port 0 picks a free port)
    /// and wires every part.
    pub async fn build(config: Config) -> Result<Self, AppError> {
        let management = Arc::new(Management::connect(&config.management).await?);
        let listener = bind(config.listen).await?;
        let addr = listener.local_addr()?;
        let metrics_listener = match config.metrics.listen {
            Some(at) => Some(bind(at).await?),
            None => None,
        };
        let metrics_addr = metrics_listener.as_ref().map(TcpListener::local_addr).transpose()?;
        // First, so that what the parts record while being built (circuit gauges) is kept.
        let metrics = metrics::install();
        metrics::spawn_upkeep(metrics.clone());
        let chain = Arc::new(ProviderChain::from_config(&config, Some(management.store.clone())));
        metrics::init_upstream(&chain.providers());
        management.spawn_background();
        let mut cache = SportsCache::new(chain, config.cache.clone());
        if let Some(redis) = &management.redis {
            // A replica waits for another's upstream call as long as that call may take.
            let flight_wait = config.upstream.budget + Duration::from_secs(1);
            cache = cache.with_shared_tier(Arc::new(SharedTier::new(redis.clone(), flight_wait)));
        }
        let state = AppState {
            catalogue: Arc::new(config.catalogue.clone()),
            cache: Arc::new(cache),
            metrics,
            management: management.clone(),
            started: Started(Instant::now()),
            openapi: Arc::new(LiveDocument::new(&config.catalogue, &management.plans)),
        };
        let options = RouterOptions {
            cors_origins: config.management.cors_origins.clone(),
            metrics_here: metrics_listener.is_none(),
            metrics_token: config.metrics.token.clone().map(Arc::new),
            request_timeout: config.server.request_timeout,
        };
        let metrics = metrics_listener.map(|l| (l, router::metrics_only(state.clone(), &options)));
        let router = router::build(state, &options);
        Ok(Self {
            management,
            listener,
            router,
            addr,
            metrics,
            metrics_addr,
            server: config.server.clone(),
            shutdown_grace: config.shutdown_grace,
        })
    }

    /// The address actually bound.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Where `/metrics` is served when it has its own listener.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_addr
    }

    /// Serves until `shutdown` completes, then stops accepting, lets in-flight requests
    /// finish and kept-alive connections idle out (`server::drain`), and returns at the
    /// latest `shutdown_grace` later.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<(), AppError> {
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let stopping = move || {
            let mut rx = stop_rx.clone();
            async move {
                let _ = rx.wait_for(|stop| *stop).await;
            }
        };
        let limit = server::connection_limit(self.server.max_connections);
        if let Some((listener, router)) = self.metrics {
            let read_timeout = self.server.header_read_timeout;
            tokio::spawn(server::serve(listener, router, read_timeout, 64, stopping()));
        }
        let signalled = async move {
            shutdown.await;
            tracing::info!("shutting down: draining in-flight requests");
            let _ = stop_tx.send(true);
        };
        tokio::spawn(signalled);
        let serving = server::serve(
            self.listener,
            self.router,
            self.server.header_read_timeout,
            limit,
            stopping(),
        );
        let grace = self.shutdown_grace;
        let deadline = async {
            stopping().await;
            tokio::time::sleep(grace).await;
        };
        tokio::select! {
            () = serving => {},
            () = deadline => tracing::warn!(grace_s = grace.as_secs(), "shutdown grace elapsed; dropping the connections still open"),
        }
        // Counts of the last second would otherwise be lost; bounded (one store call is at
        // most SPORTSGATE_STORE_TIMEOUT, 2 s), so that grace (25 s) + this + the log flush
        // (1 s) end before the orchestrator's kill (ECS stopTimeout 30 s) even with a hung
        // database.
        if tokio::time::timeout(Duration::from_secs(3), self.management.usage.flush())
            .await
            .is_err()
        {
            tracing::warn!("final usage flush timed out; the last second of counts is lost");
        }
        tracing::info!("stopped");
        Ok(())
    }

    /// Serves until SIGTERM (ECS, Kubernetes, docker stop) or Ctrl-C.
    pub async fn run(self) -> Result<(), AppError> {
        self.run_until(shutdown_signal()).await
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
