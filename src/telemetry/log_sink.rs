//! Where every log line goes on its way to stdout: lines are appended to one buffer under a
//! short lock, and a writer thread sends what has gathered in one `write(2)` at most
//! [`FLUSH_EVERY`] after the first line of a batch (sooner once it is large). A slow stdout
//! never stalls a request until the buffer holds [`MAX_PENDING`] bytes; past that, loggers
//! wait for the writer instead of dropping lines.
//!
//! Hand-written rather than `tracing_appender::non_blocking` because the access log writes
//! its lines straight into this buffer (see `telemetry::access`), without a tracing event, a
//! formatter or a channel message per line, and both kinds of lines must share one writer so
//! that batches never interleave inside a pipe.

use std::io::Write;
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// How long a line may wait before the writer sends it.
const FLUSH_EVERY: Duration = Duration::from_millis(20);
/// A buffer this large is sent at once, without waiting for the tick.
const FLUSH_AT: usize = 64 * 1024;
/// Past this many unwritten bytes, loggers wait for the writer (backpressure, no loss).
const MAX_PENDING: usize = 8 * 1024 * 1024;
/// How long the process waits at exit for the last lines to be written.
const EXIT_WAIT: Duration = Duration::from_secs(1);

#[derive(Default)]
struct Pending {
    lines: Vec<u8>,
    closed: bool,
}

struct Shared {
    pending: Mutex<Pending>,
    /// Wakes the writer: the first line of a batch, a large buffer, or closing. Signalled
    /// on those transitions only, not per line.
    to_writer: Condvar,
    /// Wakes loggers waiting for room below `MAX_PENDING`.
    room: Condvar,
}

/// A handle to the sink; cheap to clone.
#[derive(Clone)]
pub struct LogSink(Arc<Shared>);

/// Writes what is left and stops the writer thread when dropped, waiting at most
/// [`EXIT_WAIT`] (a stdout nobody reads must not keep the process from exiting).
pub struct FlushOnDrop {
    sink: LogSink,
    done: mpsc::Receiver<()>,
}

impl LogSink {
    /// A sink writing to `out` from a thread of its own.
    pub fn spawn(out: impl Write + Send + 'static) -> (Self, FlushOnDrop) {
        let sink = Self(Arc::new(Shared {
            pending: Mutex::new(Pending {
                lines: Vec::with_capacity(FLUSH_AT),
                closed: false,
            }),
            to_writer: Condvar::new(),
            room: Condvar::new(),
        }));
        let (finished, done) = mpsc::channel();
        {
            let sink = sink.clone();
            std::thread::Builder::new()
                .name("log-writer".into())
                .spawn(move || {
                    sink.write_loop(out);
                    let _ = finished.send(());
                })
                .expect("spawn the log writer thread");
        }
        (sink.clone(), FlushOnDrop { sink, done })
    }

    /// Appends whole lines (each ending in `\n`) with `fill`, under the lock.
    pub fn append(&self, fill: impl FnOnce(&mut Vec<u8>)) {
        let mut pending = self.room();
        let before = pending.lines.len();
        fill(&mut pending.lines);
        let after = pending.lines.len();
        if before == 0 || (before < FLUSH_AT && after >= FLUSH_AT) {
            self.0.to_writer.notify_one();
        }
    }

    fn lock(&self) -> MutexGuard<'_, Pending> {
        // A panic while holding the lock leaves at worst a half line; keep logging.
        self.0.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The lock, once the buffer has room.
    fn room(&self) -> MutexGuard<'_, Pending> {
        let mut pending = self.lock();
        while pending.lines.len() >= MAX_PENDING && !pending.closed {
            pending = self.0.room.wait(pending).unwrap_or_else(PoisonError::into_inner);
        }
        pending
    }

    fn write_loop(&self, mut out: impl Write) {
        let mut batch = Vec::with_capacity(FLUSH_AT);
        loop {
            let closed = {
                let mut pending = self.lock();
                // Nothing to write: sleep until a first line arrives (no idle ticks).
                while pending.lines.is_empty() && !pending.closed {
                    pending = self.0.to_writer.wait(pending).unwrap_or_else(PoisonError::into_inner);
                }
                // A batch has started: give it until the tick to gather more lines.
                if pending.lines.len() < FLUSH_AT && !pending.closed {
                    pending = self
                        .0
                        .to_writer
                        .wait_timeout(pending, FLUSH_EVERY)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0;
                }
                std::mem::swap(&mut batch, &mut pending.lines);
                pending.closed
            };
            self.0.room.notify_all();
            if !batch.is_empty() {
                // Nowhere to report a failed log write; the lines are dropped.
                let _ = out.write_all(&batch).and_then(|()| out.flush());
                batch.clear();
                // Keep the spare buffer from holding a burst's peak forever.
                batch.shrink_to(FLUSH_AT);
            }
            if closed {
                // What was appended before closing is written; later lines are not waited for.
                return;
            }
        }
    }
}

impl Drop for FlushOnDrop {
    fn drop(&mut self) {
        self.sink.lock().closed = true;
        self.sink.0.to_writer.notify_one();
        self.sink.0.room.notify_all();
        let _ = self.done.recv_timeout(EXIT_WAIT);
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

    /// A stdout that takes far longer than the exit wait.
    struct Stuck;

    impl Write for Stuck {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            std::thread::sleep(Duration::from_secs(30));
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_stuck_stdout_delays_exit_by_the_exit_wait_at_most() {
        let (sink, guard) = LogSink::spawn(Stuck);
        sink.append(|lines| lines.extend_from_slice(b"never read\n"));
        std::thread::sleep(FLUSH_EVERY * 3);
        let started = std::time::Instant::now();
        drop(guard);
        let waited = started.elapsed();
        assert!(waited >= EXIT_WAIT / 2 && waited < EXIT_WAIT * 2, "{waited:?}");
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
