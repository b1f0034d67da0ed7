//! Capturing the SDK's `tracing` output per test, at TRACE level.
//!
//! One global `fmt` subscriber writes every line to the capture buffer of the thread that emits
//! it, if that thread is inside [`with_logs`]; lines from other threads go nowhere.
//!
//! Why not a scoped subscriber per test (`set_default`): tracing caches each callsite's interest
//! globally, and a callsite first hit by a parallel test while no scoped subscriber is alive is
//! cached as "never" racily, so the capturing test loses the `agni.request` span now and then
//! (seen in about one run in five). One global subscriber, installed before any callsite is hit
//! (every loopback server installs it when it starts), leaves nothing to race.

use std::{
    cell::RefCell,
    future::Future,
    io,
    sync::{Arc, Mutex, OnceLock},
};

use tracing_subscriber::filter::LevelFilter;

/// A shared buffer that captures `tracing` output.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

thread_local! {
    /// Where log lines emitted on this thread go while `with_logs` runs; otherwise nowhere.
    static CAPTURE: RefCell<Option<Captured>> = const { RefCell::new(None) };
}

/// The subscriber's writer: the capture buffer of the thread that emits the line, if any.
struct ThreadCapture(Option<Captured>);

impl io::Write for ThreadCapture {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        if let Some(Captured(buffer)) = &self.0 {
            buffer.lock().expect("log buffer").extend_from_slice(bytes);
        }
        Ok(bytes.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Installs the global TRACE-level subscriber once; every later call does nothing.
pub fn install_subscriber() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        tracing_subscriber::fmt()
            .with_max_level(LevelFilter::TRACE)
            .with_ansi(false)
            .with_writer(|| ThreadCapture(CAPTURE.with_borrow(Clone::clone)))
            .try_init()
            .expect("the only global subscriber");
    });
}

/// Runs `work` capturing the log lines emitted on this thread (`#[tokio::test]` polls the test,
/// the server and the HTTP connections all on the test thread) and returns them with its result.
pub async fn with_logs<T>(work: impl Future<Output = T>) -> (T, String) {
    install_subscriber();
    let captured = Captured::default();
    CAPTURE.set(Some(captured.clone()));
    let output = work.await;
    CAPTURE.set(None);
    let logs = String::from_utf8_lossy(&captured.0.lock().expect("log buffer")).into_owned();
    (output, logs)
}
