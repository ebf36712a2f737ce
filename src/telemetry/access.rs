//! The access log: one JSON line per request, in the same shape as the other JSON log lines
//! (`timestamp`, `level`, `message`, the fields flat, then `target`, as tracing writes them).
//!
//! With JSON logs going to a [`LogSink`], the line is written straight into the sink's
//! buffer: no tracing event, no per-field formatting machinery, no allocation per line (the
//! timestamp's date and time are formatted once a second per thread). This runs on
//! every request, and through tracing's JSON formatter and a channel message per line it was
//! about a sixth of a keyed request's instructions (callgrind). Elsewhere (pretty logs, tests that
//! install their own subscriber) the line is an ordinary tracing event.

use std::cell::RefCell;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use super::log_sink::LogSink;

/// The tracing target of access lines; `RUST_LOG=sportsgate::access=off` silences them.
pub const TARGET: &str = "sportsgate::access";

/// One request, as logged.
pub struct AccessLine<'a> {
    pub request_id: &'a str,
    pub method: &'a str,
    pub route: &'a str,
    pub status: u16,
    pub latency: Duration,
    pub cache: Option<&'a str>,
    pub provider: Option<&'a str>,
}

static FAST_SINK: OnceLock<LogSink> = OnceLock::new();

/// Sends access lines straight to `sink` (JSON logs only). Called once, by `serve`.
pub fn write_directly_to(sink: LogSink) {
    let _ = FAST_SINK.set(sink);
}

pub fn record(line: &AccessLine<'_>) {
    // The filter still decides by target and level (`RUST_LOG=sportsgate::access=off`); the
    // check is a cached per-callsite answer. Filters on field values do not apply here.
    if !tracing::enabled!(target: TARGET, tracing::Level::INFO) {
        return;
    }
    match FAST_SINK.get() {
        Some(sink) => sink.append(|out| write_json(out, line, SystemTime::now())),
        None => tracing::info!(
            target: TARGET,
            request_id = line.request_id,
            method = line.method,
            route = line.route,
            status = line.status,
            latency_ms = latency_ms(line.latency),
            cache = line.cache,
            provider = line.provider,
            "request"
        ),
    }
}

fn latency_ms(latency: Duration) -> f64 {
    latency.as_secs_f64() * 1000.0
}

/// Appends `line` as one JSON object and a newline. Strings go through serde_json's
/// escaping; numbers through its integer and shortest-float writers.
fn write_json(out: &mut Vec<u8>, line: &AccessLine<'_>, now: SystemTime) {
    out.extend_from_slice(b"{\"timestamp\":\"");
    write_timestamp(out, now);
    out.extend_from_slice(b"\",\"level\":\"INFO\",\"message\":\"request\",\"request_id\":");
    string(out, line.request_id);
    out.extend_from_slice(b",\"method\":");
    string(out, line.method);
    out.extend_from_slice(b",\"route\":");
    string(out, line.route);
    out.extend_from_slice(b",\"status\":");
    let _ = serde_json::to_writer(&mut *out, &line.status);
    out.extend_from_slice(b",\"latency_ms\":");
    let _ = serde_json::to_writer(&mut *out, &latency_ms(line.latency));
    if let Some(cache) = line.cache {
        out.extend_from_slice(b",\"cache\":");
        string(out, cache);
    }
    if let Some(provider) = line.provider {
        out.extend_from_slice(b",\"provider\":");
        string(out, provider);
    }
    out.extend_from_slice(b",\"target\":\"");
    out.extend_from_slice(TARGET.as_bytes());
    out.extend_from_slice(b"\"}\n");
}

fn string(out: &mut Vec<u8>, text: &str) {
    let _ = serde_json::to_writer(&mut *out, text);
}

/// RFC 3339 UTC with microseconds, as tracing's JSON lines have it. The part up to the
/// seconds is formatted once a second per thread.
fn write_timestamp(out: &mut Vec<u8>, now: SystemTime) {
    thread_local! {
        static SECOND: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
    }
    let since_epoch = now.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    let secs = since_epoch.as_secs();
    SECOND.with_borrow_mut(|(second, text)| {
        if *second != secs {
            *second = secs;
            text.clear();
            let at = chrono::DateTime::<chrono::Utc>::from(SystemTime::UNIX_EPOCH + Duration::from_secs(secs));
            text.push_str(&at.format("%Y-%m-%dT%H:%M:%S").to_string());
        }
        out.extend_from_slice(text.as_bytes());
    });
    let micros = since_epoch.subsec_micros();
    out.push(b'.');
    // Six digits, zero-padded.
    let mut digits = [b'0'; 6];
    let mut rest = micros;
    for d in digits.iter_mut().rev() {
        *d = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    out.extend_from_slice(&digits);
    out.push(b'Z');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_one_json_object_with_the_fields_of_a_tracing_line() {
        let mut out = Vec::new();
        let at = SystemTime::UNIX_EPOCH + Duration::from_micros(1_764_763_200_000_042);
        write_json(
            &mut out,
            &AccessLine {
                request_id: "id-\"1\"",
                method: "GET",
                route: "/v1/leagues/{league}/games",
                status: 200,
                latency: Duration::from_micros(1250),
                cache: Some("hit"),
                provider: None,
            },
            at,
        );
        assert_eq!(out.last(), Some(&b'\n'));
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["timestamp"], "2025-12-03T12:00:00.000042Z");
        assert_eq!(v["level"], "INFO");
        assert_eq!(v["target"], TARGET);
        assert_eq!(v["message"], "request");
        assert_eq!(v["request_id"], "id-\"1\"");
        assert_eq!(v["route"], "/v1/leagues/{league}/games");
        assert_eq!(v["status"], 200);
        assert_eq!(v["latency_ms"], 1.25);
        assert_eq!(v["cache"], "hit");
        assert!(v.get("provider").is_none());
    }
}
