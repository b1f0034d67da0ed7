//! Recording downloads against loopback servers: who receives the API key, what the bytes are,
//! and what is left on disk.
//!
//! Each `Server` binds `127.0.0.1:0`, reads one request per connection (`Connection: close`),
//! records its request line and headers, and answers with whatever its handler returns for it.
//! Two servers stand for two origins: the API (the client's base URL) and storage. Tests
//! assert both the outcome and every request each server saw, in particular which of them
//! carried `X-Api-Key`.

use std::{
    pin::Pin,
    sync::{Arc, Mutex},
    task::{Context, Poll},
    time::Duration,
};

use agni::{
    Client, Error, ErrorKind, LostStage,
    recordings::{RecordingInfo, RecordingSource},
};
use tokio::{
    io::{AsyncReadExt, AsyncWrite, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    sync::Notify,
};

const API_KEY: &str = "sk_test_RECORDINGS";

/// A download as one call: find the recording, then stream it into a writer or a file.
trait Download {
    async fn download_into<W: AsyncWrite + Unpin + ?Sized>(
        &self,
        source: impl Into<RecordingSource>,
        writer: &mut W,
    ) -> Result<RecordingInfo, Error>;

    async fn download_to_file(
        &self,
        source: impl Into<RecordingSource>,
        path: impl AsRef<std::path::Path>,
    ) -> Result<RecordingInfo, Error>;
}

impl Download for Client {
    async fn download_into<W: AsyncWrite + Unpin + ?Sized>(
        &self,
        source: impl Into<RecordingSource>,
        writer: &mut W,
    ) -> Result<RecordingInfo, Error> {
        self.download_recording(source)
            .send()
            .await?
            .write_to(writer)
            .await
    }

    async fn download_to_file(
        &self,
        source: impl Into<RecordingSource>,
        path: impl AsRef<std::path::Path>,
    ) -> Result<RecordingInfo, Error> {
        self.download_recording(source)
            .send()
            .await?
            .save(path)
            .await
    }
}

// ---------------------------------------------------------------------------------------------
// The server.
// ---------------------------------------------------------------------------------------------

/// One request as the server saw it.
#[derive(Clone, Debug)]
struct Seen {
    /// `GET /path?query`: method and request target, as sent.
    line: String,
    headers: Vec<(String, String)>,
}

impl Seen {
    fn target(&self) -> &str {
        self.line.split(' ').nth(1).unwrap_or("")
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What the server writes back: byte runs, optionally waiting for a signal in between.
enum Part {
    Bytes(Vec<u8>),
    /// Wait (at most 5 s) until the client side signals, recording whether it did.
    WaitFor(Arc<Notify>, Arc<Mutex<Option<bool>>>),
}

type Handler = Arc<dyn Fn(&Seen) -> Vec<Part> + Send + Sync>;

struct Server {
    port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    async fn start(handler: impl Fn(&Seen) -> Vec<Part> + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("local addr").port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        let handler: Handler = Arc::new(handler);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, Arc::clone(&handler), Arc::clone(&log)));
            }
        });
        Server { port, seen }
    }

    fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("seen").clone()
    }

    fn client(&self) -> agni::Client {
        agni::Client::builder()
            .api_key(API_KEY)
            .base_url(self.origin())
            .timeout(Duration::from_secs(5))
            .build()
            .expect("client builds")
    }
}

async fn serve(mut stream: TcpStream, handler: Handler, log: Arc<Mutex<Vec<Seen>>>) {
    let Some(seen) = read_head(&mut stream).await else {
        return;
    };
    log.lock().expect("seen").push(seen.clone());
    for part in handler(&seen) {
        match part {
            Part::Bytes(bytes) => {
                if stream.write_all(&bytes).await.is_err() {
                    return;
                }
                let _ = stream.flush().await;
            }
            Part::WaitFor(signal, outcome) => {
                let arrived = tokio::time::timeout(Duration::from_secs(5), signal.notified())
                    .await
                    .is_ok();
                *outcome.lock().expect("outcome") = Some(arrived);
            }
        }
    }
    let _ = stream.shutdown().await;
}

/// Reads a GET's head (no body).
async fn read_head(stream: &mut TcpStream) -> Option<Seen> {
    let mut buffer = Vec::new();
    let mut chunk = [0; 4096];
    loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buffer[..end]).into_owned();
            let mut lines = head.split("\r\n");
            let line = lines.next()?.to_owned();
            let headers = lines
                .filter_map(|l| l.split_once(':'))
                .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
                .collect();
            return Some(Seen { line, headers });
        }
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
    }
}

fn head(status: u16, headers: &[(&str, &str)], length: Option<usize>) -> Vec<u8> {
    let mut head = format!("HTTP/1.1 {status} X\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(length) = length {
        head.push_str(&format!("Content-Length: {length}\r\n"));
    }
    head.push_str("\r\n");
    head.into_bytes()
}

fn response(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Vec<Part> {
    let mut bytes = head(status, headers, Some(body.len()));
    bytes.extend_from_slice(body);
    vec![Part::Bytes(bytes)]
}

fn audio_response(body: &[u8]) -> Vec<Part> {
    response(200, &[("Content-Type", "audio/mpeg")], body)
}

fn redirect(status: u16, location: &str) -> Vec<Part> {
    response(status, &[("Location", location)], b"")
}

fn json(status: u16, body: &str) -> Vec<Part> {
    response(
        status,
        &[("Content-Type", "application/json")],
        body.as_bytes(),
    )
}

/// 300 KiB of deterministic, non-repeating-looking bytes: several network chunks.
fn audio() -> Vec<u8> {
    let mut state: u32 = 0x1234_5678;
    (0..300 * 1024)
        .map(|_| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (state >> 24) as u8
        })
        .collect()
}

fn assert_no_key(seen: &[Seen]) {
    for request in seen {
        assert_eq!(
            request.header("x-api-key"),
            None,
            "the API key leaked to {}",
            request.line
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Streaming into a writer.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn by_session_id_sends_the_key_and_encodes_the_path() {
    let audio = audio();
    let body = audio.clone();
    let api = Server::start(move |_| audio_response(&body)).await;
    let mut out = Vec::new();
    let info = api
        .client()
        .download_into("a/b c?d#é%", &mut out)
        .await
        .expect("downloads");

    assert_eq!(out, audio);
    assert_eq!(info.bytes_written, audio.len() as u64);
    assert_eq!(info.content_type.as_deref(), Some("audio/mpeg"));
    let seen = api.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0].line,
        "GET /api/v1/calling/sessions/a%2Fb%20c%3Fd%23%C3%A9%25/recording HTTP/1.1"
    );
    assert_eq!(seen[0].header("x-api-key"), Some(API_KEY));
    assert_eq!(
        info.final_url.as_str(),
        format!(
            "{}/api/v1/calling/sessions/a%2Fb%20c%3Fd%23%C3%A9%25/recording",
            api.origin()
        )
    );
}

/// A writer that signals when it first receives data, so the server can hold back the rest of
/// the body until the SDK has written the first part: proof that nothing waits for the whole.
struct SignallingWriter {
    data: Vec<u8>,
    signal: Arc<Notify>,
}

impl AsyncWrite for SignallingWriter {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.data.extend_from_slice(buf);
        self.signal.notify_one();
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[tokio::test]
async fn chunks_are_written_as_they_arrive() {
    let signal = Arc::new(Notify::new());
    let outcome = Arc::new(Mutex::new(None));
    let (server_signal, server_outcome) = (Arc::clone(&signal), Arc::clone(&outcome));
    let api = Server::start(move |_| {
        let mut first = head(200, &[("Content-Type", "audio/wav")], Some(8));
        first.extend_from_slice(b"RIFF");
        vec![
            Part::Bytes(first),
            Part::WaitFor(Arc::clone(&server_signal), Arc::clone(&server_outcome)),
            Part::Bytes(b"WAVE".to_vec()),
        ]
    })
    .await;
    let mut writer = SignallingWriter {
        data: Vec::new(),
        signal,
    };
    let info = api
        .client()
        .download_into("s1", &mut writer)
        .await
        .expect("downloads");
    assert_eq!(writer.data, b"RIFFWAVE");
    assert_eq!(info.bytes_written, 8);
    assert_eq!(
        *outcome.lock().expect("outcome"),
        Some(true),
        "the first chunk reached the writer before the rest of the body was sent"
    );
}

// ---------------------------------------------------------------------------------------------
// Where the key goes.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn redirect_to_storage_does_not_carry_the_key() {
    let audio = audio();
    let body = audio.clone();
    let storage = Server::start(move |_| audio_response(&body)).await;
    let target = format!("{}/bucket/rec.mp3?X-Signature=abc", storage.origin());
    let api = Server::start(move |_| redirect(302, &target)).await;

    let mut out = Vec::new();
    let info = api
        .client()
        .download_into("s1", &mut out)
        .await
        .expect("downloads");

    assert_eq!(out, audio);
    let api_seen = api.seen();
    assert_eq!(api_seen.len(), 1);
    assert_eq!(api_seen[0].header("x-api-key"), Some(API_KEY));
    let storage_seen = storage.seen();
    assert_eq!(storage_seen.len(), 1);
    assert_eq!(storage_seen[0].target(), "/bucket/rec.mp3?X-Signature=abc");
    assert_no_key(&storage_seen);
    assert_eq!(info.final_url.port(), Some(storage.port));
    // Debug output hides the signed query.
    assert!(!format!("{info:?}").contains("abc"), "{info:?}");
}

#[tokio::test]
async fn every_redirect_status_is_followed() {
    for status in [301, 302, 303, 307, 308] {
        let storage = Server::start(|_| audio_response(b"OggS")).await;
        let target = format!("{}/r.ogg", storage.origin());
        let api = Server::start(move |_| redirect(status, &target)).await;
        let mut out = Vec::new();
        api.client()
            .download_into("s1", &mut out)
            .await
            .unwrap_or_else(|e| panic!("{status}: {e:#}"));
        assert_eq!(out, b"OggS", "{status}");
        assert_no_key(&storage.seen());
    }
}

#[tokio::test]
async fn json_pointer_to_storage_does_not_carry_the_key() {
    let shapes = [
        r#"{"url": "URL"}"#,
        r#"{"recording_url": "URL"}"#,
        r#"{"success": true, "data": {"url": "URL"}}"#,
        r#"{"success": true, "data": {"recording_url": "URL"}}"#,
    ];
    let audio = audio();
    for shape in shapes {
        let body = audio.clone();
        let storage = Server::start(move |_| audio_response(&body)).await;
        let answer = shape.replace("URL", &format!("{}/objects/7.mp3", storage.origin()));
        let api = Server::start(move |_| json(200, &answer)).await;

        let mut out = Vec::new();
        let info = api
            .client()
            .download_into("s1", &mut out)
            .await
            .unwrap_or_else(|e| panic!("{shape}: {e:#}"));

        assert_eq!(out, audio, "{shape}");
        assert_eq!(api.seen()[0].header("x-api-key"), Some(API_KEY), "{shape}");
        let storage_seen = storage.seen();
        assert_eq!(storage_seen.len(), 1, "{shape}");
        assert_eq!(storage_seen[0].target(), "/objects/7.mp3", "{shape}");
        assert_no_key(&storage_seen);
        assert_eq!(info.final_url.port(), Some(storage.port), "{shape}");
    }
}

#[tokio::test]
async fn json_without_a_url_is_a_decode_error() {
    let api = Server::start(|_| json(200, r#"{"success": true, "data": {}}"#)).await;
    let error = api
        .client()
        .download_into("s1", &mut Vec::new())
        .await
        .expect_err("no URL");
    assert!(
        matches!(error.kind(), ErrorKind::Decode { .. })
            && error.operation() == Some("download_recording"),
        "{error:?}"
    );
}

#[tokio::test]
async fn token_url_sends_no_key_even_to_the_api() {
    let api = Server::start(|_| audio_response(b"ID3\x04")).await;
    let url = format!(
        "{}/api/v1/calling/sessions/s1/recording?token=t0k%2Bx",
        api.origin()
    );
    let mut out = Vec::new();
    api.client()
        .download_into(url.as_str(), &mut out)
        .await
        .expect("downloads");
    assert_eq!(out, b"ID3\x04");
    let seen = api.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0].target(),
        "/api/v1/calling/sessions/s1/recording?token=t0k%2Bx"
    );
    assert_no_key(&seen);
}

#[tokio::test]
async fn a_url_on_another_origin_gets_no_key_and_one_on_the_api_does() {
    let storage = Server::start(|_| audio_response(b"a")).await;
    let api = Server::start(|_| audio_response(b"b")).await;
    let client = api.client();

    let mut out = Vec::new();
    client
        .download_into(format!("{}/x.mp3", storage.origin()), &mut out)
        .await
        .expect("downloads");
    assert_no_key(&storage.seen());

    // `localhost` is another origin than `127.0.0.1`, even on the same port.
    let other_name = format!(
        "http://localhost:{}/api/v1/calling/sessions/s1/recording",
        api.port
    );
    client
        .download_into(other_name, &mut Vec::new())
        .await
        .expect("downloads");
    client
        .download_into(
            format!("{}/api/v1/calling/sessions/s1/recording", api.origin()),
            &mut Vec::new(),
        )
        .await
        .expect("downloads");
    let seen = api.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].header("x-api-key"), None);
    assert_eq!(seen[1].header("x-api-key"), Some(API_KEY));
}

#[tokio::test]
async fn a_redirect_back_to_the_api_origin_is_keyed_per_hop() {
    // API -> storage (no key) -> API again (key: same origin, no token).
    let api_port = Arc::new(Mutex::new(0u16));
    let port = Arc::clone(&api_port);
    let storage = Server::start(move |_| {
        let port = *port.lock().expect("port");
        redirect(307, &format!("http://127.0.0.1:{port}/final"))
    })
    .await;
    let hop = format!("{}/hop", storage.origin());
    let api = Server::start(move |seen| {
        if seen.target() == "/final" {
            audio_response(b"done")
        } else {
            redirect(302, &hop)
        }
    })
    .await;
    *api_port.lock().expect("port") = api.port;

    let mut out = Vec::new();
    api.client()
        .download_into("s1", &mut out)
        .await
        .expect("downloads");
    assert_eq!(out, b"done");
    assert_no_key(&storage.seen());
    let api_seen = api.seen();
    assert_eq!(api_seen.len(), 2);
    assert!(
        api_seen
            .iter()
            .all(|s| s.header("x-api-key") == Some(API_KEY))
    );
}

// ---------------------------------------------------------------------------------------------
// Failures.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn not_found_envelope_is_an_api_error() {
    let api = Server::start(|_| {
        json(
            404,
            r#"{"success": false, "message": "Recording not found",
                "error": {"code": "NOT_FOUND", "message": "no recording for this session"}}"#,
        )
    })
    .await;
    let error = api
        .client()
        .download_into("s1", &mut Vec::new())
        .await
        .expect_err("404");
    assert!(error.is_not_found(), "{error:?}");
    let api_error = error.api().expect("Error::Api");
    assert_eq!(api_error.message(), Some("no recording for this session"));
    assert!(!format!("{error:?} {error:#}").contains(API_KEY));
}

#[tokio::test]
async fn success_false_with_200_is_an_api_error() {
    let api = Server::start(|_| json(200, r#"{"success": false, "message": "not ready"}"#)).await;
    let error = api
        .client()
        .download_into("s1", &mut Vec::new())
        .await
        .expect_err("envelope failure");
    assert_eq!(
        error.api().and_then(agni::ApiError::message),
        Some("not ready")
    );
}

#[tokio::test]
async fn a_huge_error_body_is_read_only_in_part() {
    // A 404 promising 50 MB that never arrives: the SDK must not wait for (or hold) all of it.
    let api = Server::start(|_| {
        let mut bytes = head(404, &[("Content-Type", "text/html")], Some(50_000_000));
        bytes.extend_from_slice(&vec![b'x'; 200 * 1024]);
        vec![
            Part::Bytes(bytes),
            Part::WaitFor(Arc::new(Notify::new()), Arc::new(Mutex::new(None))),
        ]
    })
    .await;
    let started = std::time::Instant::now();
    let error = api
        .client()
        .download_into("s1", &mut Vec::new())
        .await
        .expect_err("404");
    assert!(error.is_not_found(), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(4));
}

#[tokio::test]
async fn too_many_redirects_is_a_redirect_error() {
    let api = Server::start(|seen| {
        let n: u32 = seen
            .target()
            .split('?')
            .next()
            .unwrap_or("")
            .rsplit('/')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        redirect(302, &format!("/loop/{}?token=secret", n + 1))
    })
    .await;
    let error = api
        .client()
        .download_into("s1", &mut Vec::new())
        .await
        .expect_err("loops");
    match error.kind() {
        ErrorKind::Redirect { status, location } => {
            assert_eq!(status.as_u16(), 302);
            let location = location
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default();
            assert!(location.ends_with("/loop/6?token=<redacted>"), "{location}");
            assert!(!location.contains("secret"), "{location}");
        }
        other => panic!("expected ErrorKind::Redirect, got {other:?}"),
    }
    // The first request plus MAX_HOPS followed redirects.
    assert_eq!(api.seen().len(), 1 + agni::recordings::MAX_HOPS as usize);
}

#[tokio::test]
async fn a_redirect_without_location_is_a_redirect_error() {
    let api = Server::start(|_| response(302, &[], b"")).await;
    let error = api
        .client()
        .download_into("s1", &mut Vec::new())
        .await
        .expect_err("no location");
    assert!(
        matches!(error.kind(), ErrorKind::Redirect { location: None, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn bad_sources_are_refused_before_sending() {
    let api = Server::start(|_| audio_response(b"x")).await;
    let client = api.client();
    for source in ["", "   ", "http://[::1", "https://"] {
        let error = client
            .download_into(source, &mut Vec::new())
            .await
            .expect_err(source);
        assert!(
            matches!(error.kind(), ErrorKind::InvalidRequest { .. }),
            "{source}: {error:?}"
        );
    }
    let ftp = url::Url::parse("ftp://127.0.0.1/x").expect("url");
    let error = client
        .download_into(ftp, &mut Vec::new())
        .await
        .expect_err("ftp");
    assert!(
        matches!(error.kind(), ErrorKind::InvalidRequest { .. }),
        "{error:?}"
    );
    assert!(api.seen().is_empty());
}

#[tokio::test]
async fn connection_lost_mid_body() {
    let api = Server::start(|_| {
        let mut bytes = head(200, &[("Content-Type", "audio/mpeg")], Some(1000));
        bytes.extend_from_slice(&[7; 100]);
        vec![Part::Bytes(bytes)]
    })
    .await;
    let mut out = Vec::new();
    let error = api
        .client()
        .download_into("s1", &mut out)
        .await
        .expect_err("truncated");
    assert!(
        matches!(error.kind(), ErrorKind::ConnectionLost(LostStage::MidBody)),
        "{error:?}"
    );
}

#[tokio::test]
async fn timeout_per_hop() {
    let api = Server::start(|_| {
        let mut bytes = head(200, &[("Content-Type", "audio/mpeg")], Some(1000));
        bytes.extend_from_slice(&[7; 10]);
        vec![
            Part::Bytes(bytes),
            Part::WaitFor(Arc::new(Notify::new()), Arc::new(Mutex::new(None))),
        ]
    })
    .await;
    let client = api
        .client()
        .with_options(|o| o.timeout = Duration::from_millis(300));
    let error = client
        .download_into("s1", &mut Vec::new())
        .await
        .expect_err("stalls");
    assert!(matches!(error.kind(), ErrorKind::Timeout(_)), "{error:?}");
}

// ---------------------------------------------------------------------------------------------
// Into a file.
// ---------------------------------------------------------------------------------------------

fn entries(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn file_variant_writes_the_file() {
    let audio = audio();
    let body = audio.clone();
    let api = Server::start(move |_| audio_response(&body)).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("call.mp3");

    let info = api
        .client()
        .download_to_file("s1", &path)
        .await
        .expect("downloads");
    assert_eq!(std::fs::read(&path).expect("file"), audio);
    assert_eq!(info.bytes_written, audio.len() as u64);
    assert_eq!(entries(dir.path()), ["call.mp3"]);
}

#[tokio::test]
async fn file_variant_leaves_nothing_on_error() {
    let dir = tempfile::tempdir().expect("tempdir");

    // An error answer: no file at all.
    let missing = Server::start(|_| json(404, r#"{"success": false, "message": "gone"}"#)).await;
    let path = dir.path().join("call.mp3");
    let error = missing
        .client()
        .download_to_file("s1", &path)
        .await
        .expect_err("404");
    assert!(error.is_not_found());
    assert!(entries(dir.path()).is_empty(), "{:?}", entries(dir.path()));

    // A body cut short, over an existing file: the old file is untouched, no leftovers.
    std::fs::write(&path, b"previous").expect("write");
    let truncated = Server::start(|_| {
        let mut bytes = head(200, &[("Content-Type", "audio/mpeg")], Some(100_000));
        bytes.extend_from_slice(&[1; 5000]);
        vec![Part::Bytes(bytes)]
    })
    .await;
    let error = truncated
        .client()
        .download_to_file("s1", &path)
        .await
        .expect_err("truncated");
    assert!(
        matches!(error.kind(), ErrorKind::ConnectionLost(_)),
        "{error:?}"
    );
    assert_eq!(std::fs::read(&path).expect("file"), b"previous");
    assert_eq!(entries(dir.path()), ["call.mp3"]);

    // A path whose directory does not exist: a clear error naming it.
    let error = truncated
        .client()
        .download_to_file("s1", dir.path().join("nope").join("call.mp3"))
        .await
        .expect_err("no directory");
    assert!(
        matches!(error.kind(), ErrorKind::Io { context } if context.contains("nope")),
        "{error:?}"
    );
}
