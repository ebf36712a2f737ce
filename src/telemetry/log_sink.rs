//! Where every log line goes on its way to stdout: lines are appended to one buffer under a
//! short lock, and a writer thread sends the buffer in one `write(2)` every few milliseconds
//! (or sooner once it is large). A slow stdout never stalls a request until the buffer holds
//! [`MAX_PENDING`] bytes; past that, loggers wait for the writer instead of dropping lines.
//!
//! Hand-written rather than `tracing_appender::non_blocking` because the access log writes
//! its lines straight into this buffer (see `telemetry::access`), without a tracing event, a
//! formatter or a channel message per line, and both kinds of lines must share one writer so
//! that batches never interleave inside a pipe.

use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

/// How long a line may wait before the writer sends it.
const FLUSH_EVERY: Duration = Duration::from_millis(20);
/// A buffer this large is sent at once, without waiting for the tick.
const FLUSH_AT: usize = 64 * 1024;
/// Past this many unwritten bytes, loggers wait for the writer (backpressure, no loss).
const MAX_PENDING: usize = 8 * 1024 * 1024;

#[derive(Default)]
struct Pending {
    lines: Vec<u8>,
    closed: bool,
}

struct Shared {
    pending: Mutex<Pending>,
    /// Signals the writer (a large buffer, or closing) and loggers waiting for room.
    changed: Condvar,
}

/// A handle to the sink; cheap to clone.
#[derive(Clone)]
pub struct LogSink(Arc<Shared>);

/// Flushes what is left and stops the writer thread when dropped.
pub struct FlushOnDrop {
    sink: LogSink,
    writer: Option<JoinHandle<()>>,
}

impl LogSink {
    /// A sink writing to `out` from a thread of its own.
    pub fn spawn(out: impl Write + Send + 'static) -> (Self, FlushOnDrop) {
        let sink = Self(Arc::new(Shared {
            pending: Mutex::new(Pending {
                lines: Vec::with_capacity(FLUSH_AT),
                closed: false,
            }),
            changed: Condvar::new(),
        }));
        let writer = {
            let sink = sink.clone();
            std::thread::Builder::new()
                .name("log-writer".into())
                .spawn(move || sink.write_loop(out))
                .expect("spawn the log writer thread")
        };
        (
            sink.clone(),
            FlushOnDrop {
                sink,
                writer: Some(writer),
            },
        )
    }

    /// Appends whole lines (each ending in `\n`) with `fill`, under the lock.
    pub fn append(&self, fill: impl FnOnce(&mut Vec<u8>)) {
        let mut pending = self.room();
        fill(&mut pending.lines);
        if pending.lines.len() >= FLUSH_AT {
            self.0.changed.notify_all();
        }
    }

    fn lock(&self) -> MutexGuard<'_, Pending> {
        // A panic while holding the lock leaves at worst a half line; keep logging.
        self.0.pending.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The lock, once the buffer has room.
    fn room(&self) -> MutexGuard<'_, Pending> {
        let mut pending = self.lock();
        while pending.lines.len() >= MAX_PENDING && !pending.closed {
            pending = self
                .0
                .changed
                .wait(pending)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        pending
    }

    fn write_loop(&self, mut out: impl Write) {
        let mut batch = Vec::with_capacity(FLUSH_AT);
        loop {
            let closed = {
                let mut pending = self.lock();
                if pending.lines.len() < FLUSH_AT && !pending.closed {
                    pending = self
                        .0
                        .changed
                        .wait_timeout(pending, FLUSH_EVERY)
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .0;
                }
                std::mem::swap(&mut batch, &mut pending.lines);
                pending.closed
            };
            // Room again for loggers held back by MAX_PENDING.
            self.0.changed.notify_all();
            if !batch.is_empty() {
                // Nowhere to report a failed log write; the lines are dropped.
                let _ = out.write_all(&batch).and_then(|()| out.flush());
                batch.clear();
                // Keep the spare buffer from holding a burst's peak forever.
                batch.shrink_to(FLUSH_AT);
            }
            if closed && self.lock().lines.is_empty() {
                return;
            }
        }
    }
}

impl Drop for FlushOnDrop {
    fn drop(&mut self) {
        self.sink.lock().closed = true;
        self.sink.0.changed.notify_all();
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

/// tracing's writer: each event is formatted into a line of its own, then appended whole.
pub struct EventWriter {
    sink: LogSink,
    line: Vec<u8>,
}

impl Write for EventWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.line.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for EventWriter {
    fn drop(&mut self) {
        if !self.line.is_empty() {
            self.sink.append(|lines| lines.extend_from_slice(&self.line));
        }
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogSink {
    type Writer = EventWriter;

    fn make_writer(&'a self) -> Self::Writer {
        EventWriter {
            sink: self.clone(),
            line: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer the test can read back.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn lines_from_many_threads_arrive_whole_and_all_are_flushed_on_drop() {
        let out = Captured::default();
        let (sink, guard) = LogSink::spawn(out.clone());
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let sink = sink.clone();
                std::thread::spawn(move || {
                    for i in 0..5000 {
                        sink.append(|lines| {
                            lines.extend_from_slice(format!("{{\"thread\":{t},\"i\":{i}}}\n").as_bytes());
                        });
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        drop(guard);
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 20_000);
        for line in lines {
            let v: serde_json::Value = serde_json::from_str(line).expect("a whole JSON line");
            assert!(v["i"].as_u64().unwrap() < 5000);
        }
    }

    #[test]
    fn a_line_waits_at_most_about_one_tick() {
        let out = Captured::default();
        let (sink, _guard) = LogSink::spawn(out.clone());
        sink.append(|lines| lines.extend_from_slice(b"one\n"));
        let deadline = std::time::Instant::now() + Duration::from_secs(2);
        while out.0.lock().unwrap().is_empty() {
            assert!(std::time::Instant::now() < deadline, "the line was never written");
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(&*out.0.lock().unwrap(), b"one\n");
    }
}
