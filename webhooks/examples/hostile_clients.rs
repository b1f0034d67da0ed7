//! Issue 10's measurements, against this crate's receiver on loopback: what hostile clients
//! cost it in memory (the process's RSS, from `/proc/self/status`, so Linux only) and whether a
//! real delivery still gets through. Every loop is bounded in count and time.
//!
//! ```sh
//! cargo run --release -p ravan-agni-webhooks --features axum --example hostile_clients
//! ```

use std::{collections::BTreeMap, net::SocketAddr, sync::Arc, time::Duration};

use agni_webhooks::{CallCompleted, Limits, MemoryStore, axum::Endpoint};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    task::JoinSet,
    time::{Instant, sleep, timeout},
};

type Error = Box<dyn std::error::Error + Send + Sync>;

const MIB: usize = 1 << 20;
const HEADER_TIMEOUT: Duration = Duration::from_secs(2);

/// A `/proc/self/status` field in kB (`VmRSS`: now, `VmHWM`: the peak so far).
fn memory_kb(field: &str) -> Option<u64> {
    std::fs::read_to_string("/proc/self/status")
        .ok()?
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn mb(kb: Option<u64>) -> String {
    kb.map_or_else(
        || "n/a".to_owned(),
        |kb| format!("{:.1} MB", kb as f64 / 1024.0),
    )
}

/// Sends `head` then `body_len` bytes of `chunk`, repeated (so the client holds no big copy),
/// and returns the response's status line.
async fn send(
    addr: SocketAddr,
    head: &str,
    chunk: &[u8],
    body_len: usize,
) -> Result<String, Error> {
    let mut stream = TcpStream::connect(addr).await?;
    stream.write_all(head.as_bytes()).await?;
    let mut sent = 0;
    while sent < body_len {
        let part = &chunk[..chunk.len().min(body_len - sent)];
        // The server stops reading a body over its limit: stop writing once it has answered.
        if stream.write_all(part).await.is_err() {
            break;
        }
        sent += part.len();
    }
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response).await;
    Ok(String::from_utf8_lossy(&response)
        .lines()
        .next()
        .unwrap_or("(closed)")
        .to_owned())
}

async fn post(addr: SocketAddr, body: &str) -> Result<String, Error> {
    let head = format!(
        "POST /hook HTTP/1.1\r\nHost: bench\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    send(addr, &head, body.as_bytes(), body.len()).await
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let store = Arc::new(MemoryStore::default());
    let limits = Limits::default().with_header_read_timeout(HEADER_TIMEOUT);
    let app = axum::Router::new().route(
        "/hook",
        Endpoint::with_store(Arc::clone(&store))
            .limits(limits)
            .route(|_call: CallCompleted| async { Ok::<(), std::convert::Infallible>(()) }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(agni_webhooks::axum::serve_with(listener, app, limits));
    let real = r#"{"event": "call_completed", "call_session": {"id": "real-1"}}"#;
    println!("warm-up delivery: {}", post(addr, real).await?);

    // 1. 200 deliveries with 1 MiB session ids (before: RSS 14 MB -> 434 MB).
    let before = memory_kb("VmRSS");
    let huge = "x".repeat(MIB);
    let mut statuses = BTreeMap::new();
    for i in 0..200 {
        let body =
            format!(r#"{{"event": "call_completed", "call_session": {{"id": "{i:03}{huge}"}}}}"#);
        *statuses.entry(post(addr, &body).await?).or_insert(0) += 1;
    }
    println!(
        "200 x 1 MiB session ids: {statuses:?}; RSS {} -> {}; the store holds {} bytes ({} keys)",
        mb(before),
        mb(memory_kb("VmRSS")),
        store.bytes_held(),
        store.len()
    );

    // 2. A 50 MiB JSON array (before: parsed whole, peak RSS 885 MB).
    let peak = memory_kb("VmHWM");
    let head = format!(
        "POST /hook HTTP/1.1\r\nHost: bench\r\nContent-Length: {}\r\n\r\n",
        50 * MIB
    );
    let status = send(addr, &head, &b"0,".repeat(32 * 1024), 50 * MIB).await?;
    println!(
        "50 MiB body: {status}; peak RSS {} -> {}",
        mb(peak),
        mb(memory_kb("VmHWM"))
    );

    // 3. 120 slow-header connections, then a real delivery (before: real deliveries timed out).
    let started = Instant::now();
    let mut slow = JoinSet::new();
    for _ in 0..120 {
        slow.spawn(async move {
            let mut stream = TcpStream::connect(addr).await?;
            stream
                .write_all(b"POST /hook HTTP/1.1\r\nHost: bench\r\n")
                .await?;
            // One header byte a second, at most 60: never a complete head.
            let mut read = [0; 64];
            for _ in 0..60 {
                tokio::select! {
                    // End of stream, a reset or an answer: the server is done with us.
                    _ = stream.read(&mut read) => return Ok(Some(started.elapsed())),
                    () = sleep(Duration::from_secs(1)) => { let _ = stream.write_all(b"X").await; }
                }
            }
            Ok::<_, Error>(None)
        });
    }
    sleep(Duration::from_millis(200)).await;
    let sent = Instant::now();
    let status = timeout(
        Duration::from_secs(30),
        post(addr, real.replace("real-1", "real-2").as_str()),
    )
    .await??;
    println!(
        "a real delivery among 120 slow clients: {status} in {:?}",
        sent.elapsed()
    );
    let mut closed_after = Vec::new();
    while let Some(result) = slow.join_next().await {
        closed_after.extend(result??);
    }
    closed_after.sort();
    println!(
        "slow clients closed by the {HEADER_TIMEOUT:?} header timeout: {} of 120, between {:?} and {:?}",
        closed_after.len(),
        closed_after.first().copied().unwrap_or_default(),
        closed_after.last().copied().unwrap_or_default()
    );
    Ok(())
}
