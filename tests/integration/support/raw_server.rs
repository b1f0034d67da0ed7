//! One scriptable HTTP/1.1 server on loopback, written on raw TCP so that it can misbehave in
//! ways a real server framework never would: stall, reset mid-body, send a head too large to
//! parse, promise bytes it never sends.
//!
//! [`Server::start`] binds `127.0.0.1:0` and, for every connection, reads ONE request (head,
//! plus the body when it has a `Content-Length`), appends it to the server's log ([`Seen`]) and
//! only then asks the handler for the [`Reply`] to play, part after part. After the reply the
//! connection is closed: every canned response says `Connection: close`, so one connection is
//! one request and the log's length is exactly the number of attempts that reached the server.
//! Recording before answering makes that count final by the time the client sees any byte.
//!
//! [`Server::script`] is the common handler: the n-th request gets the n-th reply, the last one
//! repeats.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    sync::Notify,
    task::JoinHandle,
};

/// How long [`Part::Stall`] holds a connection: far past every client timeout in these tests;
/// the test's runtime shutting down ends it sooner.
const STALL: Duration = Duration::from_secs(60);

/// How long [`Part::WaitFor`] waits for its signal before going on.
const SIGNAL_WAIT: Duration = Duration::from_secs(5);

/// Pause before a reset that follows bytes, so the client has read them (not needed for
/// correctness on Linux, where queued data is still readable after a RST, but it keeps the
/// scenario "bytes, then a reset" rather than "a reset racing the bytes").
const BEFORE_RESET: Duration = Duration::from_millis(50);

/// One request as the server saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    /// Arrival order, from 0.
    pub index: usize,
    /// When the server had read the whole request (server-side clock, for measuring the wait
    /// between attempts as the server saw it).
    pub at: Instant,
    /// `GET /path?query HTTP/1.1`, as sent.
    pub line: String,
    pub headers: Vec<(String, String)>,
    /// The body, when the request announced a `Content-Length` (empty otherwise).
    pub body: Vec<u8>,
}

impl Seen {
    /// The request target: path and query, as sent.
    pub fn target(&self) -> &str {
        self.line.split(' ').nth(1).unwrap_or("")
    }

    /// A header's value (names compare case-insensitively; the first one wins).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A signal the client side of a test sends to a server waiting in [`Part::WaitFor`]; it
/// remembers whether the wait ended by the signal (`Some(true)`) or by running out of time.
#[derive(Clone, Default)]
pub struct Signal {
    notify: Arc<Notify>,
    arrived: Arc<Mutex<Option<bool>>>,
}

impl Signal {
    /// Wakes the server (or, if it is not waiting yet, lets its wait end at once).
    pub fn notify(&self) {
        self.notify.notify_one();
    }

    /// `None` while the server has not waited yet; then whether the signal came in time.
    pub fn arrived(&self) -> Option<bool> {
        *self.arrived.lock().expect("signal outcome")
    }
}

/// One step of a reply.
#[derive(Clone)]
pub enum Part {
    /// Write these bytes and flush.
    Bytes(Vec<u8>),
    /// Wait this long.
    Pause(Duration),
    /// Wait (at most 5 s) for the signal.
    WaitFor(Signal),
    /// Never write again; hold the connection open (60 s, or until the runtime shuts down).
    Stall,
    /// Close the connection with a TCP reset (`SO_LINGER` 0) now; later parts are skipped.
    Reset,
}

/// What the server does with one request: its parts in order, then a clean close (FIN). An
/// empty reply closes the connection without answering.
pub type Reply = Vec<Part>;

type Handler = Arc<dyn Fn(&Seen) -> Reply + Send + Sync>;

/// The server; see the module docs. Dropping it stops accepting connections.
pub struct Server {
    port: u16,
    log: Arc<Mutex<Vec<Seen>>>,
    accept: JoinHandle<()>,
}

impl Server {
    /// Starts a server answering each request with `handler(request)`. Must run inside a tokio
    /// runtime, which drives the connections.
    pub async fn start(handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Server {
        // Every test that talks to this server may capture logs: the global subscriber must be
        // in place before the SDK emits anything (see `logs`).
        super::logs::install_subscriber();
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let port = listener.local_addr().expect("local addr").port();
        let log = Arc::new(Mutex::new(Vec::new()));
        let handler: Handler = Arc::new(handler);
        let accept = tokio::spawn({
            let log = Arc::clone(&log);
            async move {
                while let Ok((stream, _)) = listener.accept().await {
                    tokio::spawn(serve(stream, Arc::clone(&handler), Arc::clone(&log)));
                }
            }
        });
        Server { port, log, accept }
    }

    /// Starts a server whose n-th request gets `replies[n]`; the last reply repeats.
    pub async fn script(replies: Vec<Reply>) -> Server {
        assert!(!replies.is_empty(), "a script needs at least one reply");
        Server::start(move |seen| replies[seen.index.min(replies.len() - 1)].clone()).await
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:<port>`.
    pub fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Every request received so far, in order.
    pub fn seen(&self) -> Vec<Seen> {
        self.log.lock().expect("request log").clone()
    }

    /// How many requests have been received.
    pub fn count(&self) -> usize {
        self.log.lock().expect("request log").len()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// Reads one request, logs it, plays the handler's reply.
async fn serve(mut stream: TcpStream, handler: Handler, log: Arc<Mutex<Vec<Seen>>>) {
    let Some(mut seen) = read_request(&mut stream).await else {
        return;
    };
    {
        let mut log = log.lock().expect("request log");
        seen.index = log.len();
        log.push(seen.clone());
    }
    // Write errors end the reply quietly: the client may legitimately have given up already.
    for part in handler(&seen) {
        match part {
            Part::Bytes(bytes) => {
                if stream.write_all(&bytes).await.is_err() || stream.flush().await.is_err() {
                    return;
                }
            }
            Part::Pause(duration) => tokio::time::sleep(duration).await,
            Part::WaitFor(signal) => {
                let arrived = tokio::time::timeout(SIGNAL_WAIT, signal.notify.notified())
                    .await
                    .is_ok();
                *signal.arrived.lock().expect("signal outcome") = Some(arrived);
            }
            Part::Stall => {
                tokio::time::sleep(STALL).await;
                return;
            }
            Part::Reset => {
                stream.set_zero_linger().expect("SO_LINGER 0");
                return;
            }
        }
    }
    let _ = stream.shutdown().await;
}

/// Reads a request head and, if it announces a `Content-Length`, that many body bytes. `None`
/// when the client closes first.
async fn read_request(stream: &mut TcpStream) -> Option<Seen> {
    let mut buffer = Vec::new();
    let mut chunk = vec![0; 16 * 1024];
    loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buffer[..end]).into_owned();
            let mut lines = head.split("\r\n");
            let line = lines.next()?.to_owned();
            let headers: Vec<(String, String)> = lines
                .filter_map(|l| l.split_once(':'))
                .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
                .collect();
            let length: usize = headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(0);
            if buffer.len() >= end + 4 + length {
                return Some(Seen {
                    index: 0,
                    at: Instant::now(),
                    line,
                    headers,
                    body: buffer[end + 4..end + 4 + length].to_vec(),
                });
            }
        }
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
    }
}

// ---------------------------------------------------------------------------------------------
// Replies.
// ---------------------------------------------------------------------------------------------

/// A response head with `Connection: close`, the given headers and, if given, a
/// `Content-Length`.
pub fn head(status: u16, headers: &[(&str, &str)], content_length: Option<usize>) -> Vec<u8> {
    let mut head = format!("HTTP/1.1 {status} X\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(length) = content_length {
        head.push_str(&format!("Content-Length: {length}\r\n"));
    }
    head.push_str("\r\n");
    head.into_bytes()
}

/// Raw bytes as the whole reply, then a clean close.
pub fn raw(bytes: impl Into<Vec<u8>>) -> Reply {
    vec![Part::Bytes(bytes.into())]
}

/// A complete response with exactly these headers and a `Content-Length` body.
pub fn respond(status: u16, headers: &[(&str, &str)], body: impl AsRef<[u8]>) -> Reply {
    let body = body.as_ref();
    let mut bytes = head(status, headers, Some(body.len()));
    bytes.extend_from_slice(body);
    raw(bytes)
}

/// A JSON response with extra headers.
pub fn json_with(status: u16, headers: &[(&str, &str)], body: &str) -> Reply {
    let mut all = vec![("Content-Type", "application/json")];
    all.extend_from_slice(headers);
    respond(status, &all, body)
}

/// A JSON response.
pub fn json(status: u16, body: &str) -> Reply {
    json_with(status, &[], body)
}

/// A 200 JSON response sent with chunked transfer encoding, in chunks of 256 bytes: its length
/// is found out only while reading.
pub fn chunked(body: &str) -> Reply {
    let mut bytes = head(
        200,
        &[
            ("Content-Type", "application/json"),
            ("Transfer-Encoding", "chunked"),
        ],
        None,
    );
    for chunk in body.as_bytes().chunks(256) {
        bytes.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        bytes.extend_from_slice(chunk);
        bytes.extend_from_slice(b"\r\n");
    }
    bytes.extend_from_slice(b"0\r\n\r\n");
    raw(bytes)
}

/// A redirect to `location`, with an empty body.
pub fn redirect(status: u16, location: &str) -> Reply {
    respond(status, &[("Location", location)], b"")
}

/// No answer at all: the connection is reset as soon as the request is read.
pub fn reset_before_response() -> Reply {
    vec![Part::Reset]
}

/// `bytes` (typically a head promising more than follows), a short pause, then a reset.
pub fn reset_after(bytes: impl Into<Vec<u8>>) -> Reply {
    vec![
        Part::Bytes(bytes.into()),
        Part::Pause(BEFORE_RESET),
        Part::Reset,
    ]
}

/// Never answer.
pub fn stall() -> Reply {
    vec![Part::Stall]
}
