//! Assembly: config in, a bound server out. `serve` and the tests both go through
//! [`App::build`], so tests run the production wiring.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use tokio::net::TcpListener;

use crate::cache::SportsCache;
use crate::config::Config;
use crate::http::openapi::live::LiveDocument;
use crate::http::router;
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
    shutdown_grace: Duration,
}

impl App {
    /// Opens the store (migrating it), binds the listen address (port 0 picks a free port)
    /// and wires every part.
    pub async fn build(config: Config) -> Result<Self, AppError> {
        let management = Arc::new(Management::connect(&config.management).await?);
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|source| AppError::Bind {
                addr: config.listen,
                source,
            })?;
        let addr = listener.local_addr()?;
        // First, so that what the parts record while being built (circuit gauges) is kept.
        let metrics = metrics::install();
        metrics::spawn_upkeep(metrics.clone());
        let chain = Arc::new(ProviderChain::from_config(&config, Some(management.store.clone())));
        management.spawn_background();
        let state = AppState {
            catalogue: Arc::new(config.catalogue.clone()),
            cache: SportsCache::new(chain, config.cache.clone()),
            metrics,
            management: management.clone(),
            started: Started(Instant::now()),
            openapi: Arc::new(LiveDocument::new(&config.catalogue, &management.plans)),
        };
        let router = router::build(state, &config.management.cors_origins);
        Ok(Self {
            management,
            listener,
            router,
            addr,
            shutdown_grace: config.shutdown_grace,
        })
    }

    /// The address actually bound.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves until `shutdown` completes, then stops accepting, lets in-flight requests
    /// finish, and returns at the latest `shutdown_grace` later.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<(), AppError> {
        let (signalled_tx, signalled_rx) = tokio::sync::oneshot::channel::<()>();
        let graceful = async move {
            shutdown.await;
            tracing::info!("shutting down: draining in-flight requests");
            let _ = signalled_tx.send(());
        };
        let management = self.management;
        let service = self.router.into_make_service_with_connect_info::<SocketAddr>();
        let server = axum::serve(self.listener, service).with_graceful_shutdown(graceful);
        let grace = self.shutdown_grace;
        let deadline = async move {
            if signalled_rx.await.is_ok() {
                tokio::time::sleep(grace).await;
            } else {
                std::future::pending::<()>().await;
            }
        };
        tokio::select! {
            result = server => result?,
            () = deadline => tracing::warn!(grace_s = grace.as_secs(), "shutdown grace elapsed; dropping remaining requests"),
        }
        // Counts of the last second would otherwise be lost; bounded, to finish before the
        // orchestrator's kill (ECS stopTimeout 30 s) even with a hung database.
        if tokio::time::timeout(Duration::from_secs(5), management.usage.flush())
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
