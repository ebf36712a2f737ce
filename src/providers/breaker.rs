//! A circuit breaker per provider: after N consecutive upstream failures the circuit opens
//! and calls fail fast (callers get stale data or the fallback) until a cooldown passes;
//! then one probe is let through, and its result closes or re-opens the circuit.
//!
//! Hand-written: the crates for this are unmaintained or built around tower services,
//! while this is a state machine of a few lines plus the `sportsgate_circuit_open` gauge.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::domain::ProviderKind;
use crate::telemetry::metrics;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    Closed,
    Open,
    HalfOpen,
}

#[derive(Debug)]
enum State {
    Closed { failures: u32 },
    Open { until: Instant },
    HalfOpen { probing: bool },
}

#[derive(Debug)]
pub struct Breaker {
    provider: ProviderKind,
    threshold: u32,
    cooldown: Duration,
    state: Mutex<State>,
}

impl Breaker {
    pub fn new(provider: ProviderKind, threshold: u32, cooldown: Duration) -> Self {
        metrics::circuit_open(provider, false);
        Self {
            provider,
            threshold: threshold.max(1),
            cooldown,
            state: Mutex::new(State::Closed { failures: 0 }),
        }
    }

    /// May a call go upstream now? In half-open state only one probe at a time may.
    pub fn allow(&self) -> bool {
        let mut state = self.state.lock().expect("breaker lock poisoned");
        match *state {
            State::Closed { .. } => true,
            State::Open { until } if Instant::now() >= until => {
                *state = State::HalfOpen { probing: true };
                true
            }
            State::Open { .. } => false,
            State::HalfOpen { ref mut probing } => !std::mem::replace(probing, true),
        }
    }

    pub fn record_success(&self) {
        let mut state = self.state.lock().expect("breaker lock poisoned");
        if !matches!(*state, State::Closed { .. }) {
            tracing::info!(provider = %self.provider, "circuit closed");
            metrics::circuit_open(self.provider, false);
        }
        *state = State::Closed { failures: 0 };
    }

    pub fn record_failure(&self) {
        let mut state = self.state.lock().expect("breaker lock poisoned");
        let open = match *state {
            State::Closed { failures } if failures + 1 >= self.threshold => true,
            State::Closed { failures } => {
                *state = State::Closed { failures: failures + 1 };
                false
            }
            State::HalfOpen { .. } | State::Open { .. } => true,
        };
        if open {
            *state = State::Open {
                until: Instant::now() + self.cooldown,
            };
            tracing::warn!(provider = %self.provider, cooldown_s = self.cooldown.as_secs(), "circuit opened");
            metrics::circuit_open(self.provider, true);
        }
    }

    /// Releases a half-open probe slot whose call ended without telling anything about the
    /// upstream's health (e.g. the request was unsupported).
    pub fn record_neutral(&self) {
        let mut state = self.state.lock().expect("breaker lock poisoned");
        if let State::HalfOpen { probing } = &mut *state {
            *probing = false;
        }
    }

    /// How long until an open circuit lets a probe through (zero when not open).
    pub fn retry_after(&self) -> Duration {
        match *self.state.lock().expect("breaker lock poisoned") {
            State::Open { until } => until.saturating_duration_since(Instant::now()),
            _ => Duration::ZERO,
        }
    }

    pub fn state(&self) -> BreakerState {
        match *self.state.lock().expect("breaker lock poisoned") {
            State::Closed { .. } => BreakerState::Closed,
            State::Open { until } if Instant::now() >= until => BreakerState::HalfOpen,
            State::Open { .. } => BreakerState::Open,
            State::HalfOpen { .. } => BreakerState::HalfOpen,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_circuit_opens_after_the_threshold_and_lets_one_probe_through_after_cooldown() {
        let b = Breaker::new(ProviderKind::Espn, 3, Duration::from_millis(30));
        for _ in 0..2 {
            assert!(b.allow());
            b.record_failure();
        }
        assert_eq!(b.state(), BreakerState::Closed);
        b.record_failure();
        assert_eq!(b.state(), BreakerState::Open);
        assert!(!b.allow());
        std::thread::sleep(Duration::from_millis(40));
        assert!(b.allow(), "one probe after the cooldown");
        assert!(!b.allow(), "only one probe at a time");
        b.record_success();
        assert_eq!(b.state(), BreakerState::Closed);
        assert!(b.allow());
    }

    #[test]
    fn a_failed_probe_reopens_the_circuit() {
        let b = Breaker::new(ProviderKind::Espn, 1, Duration::from_millis(10));
        b.record_failure();
        std::thread::sleep(Duration::from_millis(15));
        assert!(b.allow());
        b.record_failure();
        assert_eq!(b.state(), BreakerState::Open);
        assert!(!b.allow());
    }

    #[test]
    fn a_success_resets_the_failure_count() {
        let b = Breaker::new(ProviderKind::Espn, 2, Duration::from_secs(60));
        b.record_failure();
        b.record_success();
        b.record_failure();
        assert_eq!(b.state(), BreakerState::Closed);
    }
}
