//! `agni_webhooks::axum::serve_with` over loopback: many slow clients — headers trickled or
//! never sent, bodies trickled, kept-alive connections left idle — are closed once their
//! timeout passes, while a real delivery sent meanwhile is answered. Counts are exact; time
//! bounds are generous (a loaded 2-core machine), and a timeout never fires early, so the
//! lower bounds cannot flake.

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use agni_webhooks::{CallCompleted, Limits, MemoryStore, axum::Endpoint};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    task::JoinSet,
    time::{Instant, sleep, timeout},
};

use super::REAL_INBOUND;

const HEADER_TIMEOUT: Duration = Duration::from_secs(1);
const BODY_TIMEOUT: Duration = Duration::from_secs(1);
/// How late past its timeout a slow connection may close, on a loaded machine.
const SLACK: Duration = Duration::from_secs(15);
const SLOW_HEADERS: usize = 100;
const SILENT: usize = 100;
const SLOW_BODIES: usize = 20;

async fn start(runs: Arc<AtomicUsize>) -> SocketAddr {
    let limits = Limits::default()
        .with_header_read_timeout(HEADER_TIMEOUT)
        .with_body_read_timeout(BODY_TIMEOUT);
    let app = axum::Router::new().route(
        "/hook",
        Endpoint::with_store(Arc::new(MemoryStore::default()))
            .limits(limits)
            .route(move |_call: CallCompleted| {
                let runs = Arc::clone(&runs);
                async move {
                    runs.fetch_add(1, Ordering::SeqCst);
                    Ok::<(), std::convert::Infallible>(())
                }
            }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let addr = listener.local_addr().expect("bound");
    tokio::spawn(agni_webhooks::axum::serve_with(listener, app, limits));
    addr
}

/// Sends `head`, then trickles `trickle` a byte every 100 ms (at most 200 bytes, so the loop
/// ends even if the server never closes), and reads until the server closes. Returns what it
/// read and when the connection closed, counted from `since`.
async fn slow_client(
    addr: SocketAddr,
    head: Vec<u8>,
    trickle: &'static [u8],
    since: Instant,
) -> (Vec<u8>, Duration) {
    let stream = TcpStream::connect(addr).await.expect("connects");
    let (mut reader, mut writer) = stream.into_split();
    let writing = tokio::spawn(async move {
        writer.write_all(&head).await?;
        for byte in trickle.iter().cycle().take(200) {
            sleep(Duration::from_millis(100)).await;
            writer.write_all(&[*byte]).await?;
        }
        std::io::Result::Ok(writer)
    });
    let mut read = Vec::new();
    // EOF or a reset: either way, closed.
    let _ = timeout(
        HEADER_TIMEOUT + BODY_TIMEOUT + SLACK,
        reader.read_to_end(&mut read),
    )
    .await;
    let closed_at = since.elapsed();
    writing.abort();
    (read, closed_at)
}

/// One delivery on its own connection; the status line and body.
async fn deliver(addr: SocketAddr, body: &str) -> String {
    let mut stream = TcpStream::connect(addr).await.expect("connects");
    let request = format!(
        "POST /hook HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("sends");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.expect("reads");
    String::from_utf8(response).expect("UTF-8")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_clients_are_closed_in_time_and_real_deliveries_still_succeed() {
    let runs = Arc::new(AtomicUsize::new(0));
    let addr = start(Arc::clone(&runs)).await;
    let since = Instant::now();

    let mut slow = JoinSet::new();
    for _ in 0..SLOW_HEADERS {
        // A request line, then one header byte every 100 ms: never a complete head.
        let head = b"POST /hook HTTP/1.1\r\nHost: test\r\n".to_vec();
        slow.spawn(slow_client(addr, head, b"X-Slow: ", since));
    }
    for _ in 0..SILENT {
        slow.spawn(slow_client(addr, Vec::new(), b"", since));
    }
    let mut bodies = JoinSet::new();
    for _ in 0..SLOW_BODIES {
        // Complete headers, then a body far slower than the timeout allows.
        let head = format!(
            "POST /hook HTTP/1.1\r\nHost: test\r\nContent-Length: {}\r\n\r\n",
            REAL_INBOUND.len()
        );
        bodies.spawn(slow_client(addr, head.into_bytes(), b" ", since));
    }

    // While all of them hold their connections, a real delivery is answered.
    let response = timeout(SLACK, deliver(addr, REAL_INBOUND))
        .await
        .expect("a real delivery is answered while slow clients wait");
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
    assert!(
        response.ends_with("processed 019e1c2d-0a1b-7c2d-8e3f-4a5b6c7d8e9f"),
        "{response}"
    );
    assert_eq!(runs.load(Ordering::SeqCst), 1);

    // Every slow header is closed by the header timeout, without an answer.
    let mut closed = 0;
    while let Some(result) = slow.join_next().await {
        let (read, closed_at) = result.expect("no panic");
        assert!(closed_at >= HEADER_TIMEOUT, "closed early: {closed_at:?}");
        assert!(
            closed_at < HEADER_TIMEOUT + SLACK,
            "still open after {closed_at:?}"
        );
        assert!(
            read.is_empty() || read.starts_with(b"HTTP/1.1 408"),
            "{read:?}"
        );
        closed += 1;
    }
    assert_eq!(closed, SLOW_HEADERS + SILENT);

    // Every slow body is answered 408 by the body timeout, and closed.
    let mut timed_out = 0;
    while let Some(result) = bodies.join_next().await {
        let (read, closed_at) = result.expect("no panic");
        assert!(closed_at >= BODY_TIMEOUT, "closed early: {closed_at:?}");
        assert!(
            closed_at < HEADER_TIMEOUT + BODY_TIMEOUT + SLACK,
            "still open after {closed_at:?}"
        );
        let text = String::from_utf8_lossy(&read);
        assert!(
            text.starts_with("HTTP/1.1 408 Request Timeout\r\n"),
            "{text}"
        );
        assert!(text.contains("connection: close\r\n"), "{text}");
        timed_out += 1;
    }
    assert_eq!(timed_out, SLOW_BODIES);
    assert_eq!(
        runs.load(Ordering::SeqCst),
        1,
        "no slow body reached the handler"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_kept_alive_connection_is_closed_by_the_header_timeout() {
    let addr = start(Arc::new(AtomicUsize::new(0))).await;
    let mut stream = TcpStream::connect(addr).await.expect("connects");
    let request = format!(
        "POST /hook HTTP/1.1\r\nHost: test\r\nContent-Length: {}\r\n\r\n{REAL_INBOUND}",
        REAL_INBOUND.len()
    );
    stream.write_all(request.as_bytes()).await.expect("sends");
    let mut response = [0; 1024];
    let n = timeout(SLACK, stream.read(&mut response))
        .await
        .expect("answered")
        .expect("reads");
    assert!(response[..n].starts_with(b"HTTP/1.1 200 OK\r\n"));

    // Kept alive, then idle: closed once the next request's headers are overdue.
    let idle_since = Instant::now();
    let mut rest = Vec::new();
    timeout(HEADER_TIMEOUT + SLACK, stream.read_to_end(&mut rest))
        .await
        .expect("closed in time")
        .expect("a clean close");
    assert!(idle_since.elapsed() >= HEADER_TIMEOUT);
    assert!(rest.is_empty(), "{rest:?}");
}
