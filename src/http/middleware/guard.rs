//! A request-side check as a plain tower layer: it may adjust the request, or answer it
//! itself, before the inner service sees it.
//!
//! Written here because neither crate has the shape: `axum::middleware::from_fn` boxes a
//! future and clones the inner service on every request (a few thousand instructions each,
//! on a path that runs at nginx-like rates), and tower's `filter` turns refusals into errors
//! that would need another boxed layer to become responses.

use std::task::{Context, Poll};

use axum::extract::Request;
use axum::response::Response;
use futures::future::{Either, Ready, ready};
use tower::{Layer, Service};

/// What a guard decides: `None` lets the request through, `Some` answers it.
pub type Check = fn(&mut Request) -> Option<Response>;

#[derive(Clone, Copy)]
pub struct GuardLayer(Check);

/// A layer running `check` on every request.
pub fn guard(check: Check) -> GuardLayer {
    GuardLayer(check)
}

impl<S> Layer<S> for GuardLayer {
    type Service = Guard<S>;

    fn layer(&self, inner: S) -> Guard<S> {
        Guard { inner, check: self.0 }
    }
}

#[derive(Clone)]
pub struct Guard<S> {
    inner: S,
    check: Check,
}

impl<S> Service<Request> for Guard<S>
where
    S: Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Either<Ready<Result<Response, S::Error>>, S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        match (self.check)(&mut request) {
            Some(answer) => Either::Left(ready(Ok(answer))),
            None => Either::Right(self.inner.call(request)),
        }
    }
}
