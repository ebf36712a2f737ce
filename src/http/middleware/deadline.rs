//! The request deadline: whatever a request waits on, it is answered within the server's
//! request timeout, with our 504 problem rather than a proxy's error page (API Gateway gives
//! up at 29 s). Upstream and store calls have shorter deadlines of their own; this is the
//! bound on everything together.
//!
//! A tower layer whose future is tokio's own `Timeout` around the inner answer (so the timer
//! is checked even when the inner future has used up the task's budget), rather than
//! `axum::middleware::from_fn`, which boxes a future and clones the inner service on every
//! request.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use pin_project_lite::pin_project;
use tokio::time::Timeout;
use tower::{Layer, Service};

use crate::http::problem::ApiError;

#[derive(Clone, Copy)]
pub struct DeadlineLayer(pub Duration);

impl<S> Layer<S> for DeadlineLayer {
    type Service = Deadline<S>;

    fn layer(&self, inner: S) -> Deadline<S> {
        Deadline { inner, timeout: self.0 }
    }
}

#[derive(Clone)]
pub struct Deadline<S> {
    inner: S,
    timeout: Duration,
}

impl<S> Service<Request> for Deadline<S>
where
    S: Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = WithinDeadline<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        WithinDeadline {
            inner: tokio::time::timeout(self.timeout, self.inner.call(request)),
            timeout: self.timeout,
        }
    }
}

pin_project! {
    pub struct WithinDeadline<F> {
        #[pin]
        inner: Timeout<F>,
        timeout: Duration,
    }
}

impl<F, E> Future for WithinDeadline<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        match this.inner.poll(cx) {
            Poll::Ready(Ok(answer)) => Poll::Ready(answer),
            // The inner future is dropped with this one: whatever it waited on is abandoned.
            Poll::Ready(Err(_elapsed)) => Poll::Ready(Ok(ApiError::RequestTimeout(*this.timeout).into_response())),
            Poll::Pending => Poll::Pending,
        }
    }
}
