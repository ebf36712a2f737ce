//! One access-log line and the request metrics per request: request id, route template,
//! status, latency, cache result and provider.
//!
//! A tower layer with its own future rather than `axum::middleware::from_fn`, which boxes a
//! future and clones the inner service per request: this wraps every route.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Instant;

use axum::BoxError;
use axum::body::{Body, HttpBody};
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderValue, Method};
use axum::response::Response;
use bytes::Bytes;
use pin_project_lite::pin_project;
use tower::{Layer, Service};

use super::route_label::route_label;
use crate::http::cached::CacheNote;
use crate::telemetry::access::{self, AccessLine};
use crate::telemetry::metrics;

#[derive(Clone, Copy, Default)]
pub struct AccessLogLayer;

impl<S> Layer<S> for AccessLogLayer {
    type Service = AccessLog<S>;

    fn layer(&self, inner: S) -> AccessLog<S> {
        AccessLog { inner }
    }
}

#[derive(Clone)]
pub struct AccessLog<S> {
    inner: S,
}

impl<S, B> Service<Request> for AccessLog<S>
where
    S: Service<Request, Response = Response<B>>,
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Logged<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        Logged {
            started: Instant::now(),
            route: route_label(request.extensions().get::<MatchedPath>()),
            method: request.method().clone(),
            // The id header, not a copy: `HeaderValue`s share their bytes.
            request_id: request.headers().get("x-request-id").cloned(),
            inner: self.inner.call(request),
        }
    }
}

pin_project! {
    /// The inner answer, logged when it is ready (a request whose client went away before
    /// the answer is not logged; its usage is still accounted by the gate).
    pub struct Logged<F> {
        #[pin]
        inner: F,
        started: Instant,
        route: &'static str,
        method: Method,
        request_id: Option<HeaderValue>,
    }
}

impl<F, B, E> Future for Logged<F>
where
    F: Future<Output = Result<Response<B>, E>>,
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    /// Answers leave with axum's body type, as every layer outside expects.
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = ready!(this.inner.poll(cx));
        if let Ok(response) = &result {
            let elapsed = this.started.elapsed();
            let status = response.status().as_u16();
            metrics::http_request(this.route, status, elapsed);
            let note = response.extensions().get::<CacheNote>();
            access::record(&AccessLine {
                request_id: this
                    .request_id
                    .as_ref()
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default(),
                method: this.method.as_str(),
                route: this.route,
                status,
                latency: elapsed,
                cache: note.map(|n| n.result.as_str()),
                provider: note.map(|n| n.provider.as_str()),
            });
        }
        Poll::Ready(result.map(|response| response.map(Body::new)))
    }
}
