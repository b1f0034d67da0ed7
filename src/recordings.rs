//! Downloading call recordings: [`Client::download_recording`] streams one into any
//! [`AsyncWrite`], [`Client::download_recording_to_file`] into a file that appears only once
//! the download is complete.
//!
//! A call's `recording_url` points at `/api/v1/calling/sessions/{id}/recording`, sometimes with a
//! `?token=` that authorizes it on its own. That endpoint answers in one of three ways: with the
//! audio itself, with a redirect to storage on another host, or with JSON naming the real URL
//! (`{"url": ..}`, `{"recording_url": ..}`, or either inside `data`). The download follows
//! redirects and JSON pointers itself, at most [`MAX_HOPS`] of them, and decides at every hop
//! whether the API key may go along:
//!
//! - the key (`X-Api-Key`) is sent only to the origin (scheme, host and port) of the client's base
//!   URL, and only when the URL carries no `token` query parameter;
//! - it is never sent to a redirect target or a URL taken from JSON on any other origin
//!   (signed storage URLs authorize themselves);
//! - a hop from `https` down to plain `http` on a host that is not loopback is refused, so the
//!   audio of a call never crosses the network in clear text because a server said so.
//!
//! Headers added with [`ClientBuilder::default_header`](crate::ClientBuilder::default_header)
//! and the `User-Agent` are defaults of the shared HTTP client and travel with every hop.

use std::{
    fmt,
    path::{Path, PathBuf},
    time::Instant,
};

use bytes::{Bytes, BytesMut};
use reqwest::{
    Url,
    header::{ACCEPT, CONTENT_TYPE, HeaderValue, LOCATION},
};
use serde_json::Value;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tracing::Instrument;

use crate::{
    Client, Error,
    call::Credential,
    client::is_loopback,
    error::{ApiError, LostStage, excerpt},
    retry::classify,
};

/// Most redirects (and JSON pointers to the real URL) one download follows.
pub const MAX_HOPS: u32 = 5;

/// The operation name in traces and errors.
const OPERATION: &str = "download_recording";
/// The path template, for traces.
const PATH_TEMPLATE: &str = "/api/v1/calling/sessions/{id}/recording";
/// Most bytes read of an error body or a JSON answer naming the real URL.
const SMALL_BODY_LIMIT: usize = 64 * 1024;
/// Buffer between the network and a file in [`Client::download_recording_to_file`].
const FILE_BUFFER_BYTES: usize = 64 * 1024;

/// Which recording to download: a call session's id, or a full recording URL (as found in a
/// call's `recording_url` or an after-call webhook).
///
/// A string that starts with `http://` or `https://` is a URL; anything else is a session id,
/// which is percent-encoded into the path. A string that looks like a URL but does not parse is
/// reported as [`Error::InvalidRequest`] when the download starts, before anything is sent.
///
/// ```
/// use agni::recordings::RecordingSource;
///
/// let by_id = RecordingSource::from("0198f6a2-6d1e-7c1a-9d4f-2b1e3c4d5e6f");
/// assert_eq!(by_id.session_id(), Some("0198f6a2-6d1e-7c1a-9d4f-2b1e3c4d5e6f"));
///
/// let by_url = RecordingSource::from(
///     "https://api.ravan.ai/api/v1/calling/sessions/0198f6a2/recording?token=abc",
/// );
/// assert_eq!(by_url.url().map(|u| u.host_str()), Some(Some("api.ravan.ai")));
/// // Debug output never shows the token.
/// assert!(!format!("{by_url:?}").contains("abc"));
/// ```
#[derive(Clone)]
pub struct RecordingSource(Source);

#[derive(Clone)]
enum Source {
    Session(String),
    Url(Url),
    /// Looked like a URL but did not parse; reported when the download starts.
    Invalid {
        input: String,
        reason: String,
    },
}

impl RecordingSource {
    /// A recording named by its call session's id.
    pub fn session(id: impl Into<String>) -> Self {
        RecordingSource(Source::Session(id.into()))
    }

    /// A recording at a full URL.
    pub fn from_url(url: Url) -> Self {
        RecordingSource(Source::Url(url))
    }

    /// The session id, if this source is one.
    pub fn session_id(&self) -> Option<&str> {
        match &self.0 {
            Source::Session(id) => Some(id),
            _ => None,
        }
    }

    /// The URL, if this source is one.
    pub fn url(&self) -> Option<&Url> {
        match &self.0 {
            Source::Url(url) => Some(url),
            _ => None,
        }
    }

    /// The first URL to fetch. Sends nothing.
    fn first_url(&self, client: &Client) -> Result<Url, Error> {
        match &self.0 {
            Source::Session(id) => {
                if id.trim().is_empty() {
                    return Err(Error::InvalidRequest(
                        "the recording's session id is empty".to_owned(),
                    ));
                }
                let url = format!(
                    "{}/api/v1/calling/sessions/{}/recording",
                    client.baseurl(),
                    progenitor_client::encode_path(id),
                );
                Url::parse(&url).map_err(|e| {
                    Error::InvalidRequest(format!("cannot build the recording URL: {e}"))
                })
            }
            Source::Url(url) => match url.scheme() {
                "http" | "https" if url.host().is_some() => Ok(url.clone()),
                _ => Err(Error::InvalidRequest(format!(
                    "a recording URL must be http(s) with a host, not {}",
                    redacted(url)
                ))),
            },
            Source::Invalid { input, reason } => Err(Error::InvalidRequest(format!(
                "invalid recording URL {:?}: {reason}",
                redact_str(input)
            ))),
        }
    }
}

impl fmt::Debug for RecordingSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Source::Session(id) => f.debug_tuple("Session").field(id).finish(),
            Source::Url(url) => f.debug_tuple("Url").field(&redacted(url)).finish(),
            Source::Invalid { input, .. } => f
                .debug_tuple("InvalidUrl")
                .field(&redact_str(input))
                .finish(),
        }
    }
}

impl From<&str> for RecordingSource {
    fn from(value: &str) -> Self {
        let lower = value.get(..8).unwrap_or(value).to_ascii_lowercase();
        if lower.starts_with("http://") || lower.starts_with("https://") {
            match Url::parse(value) {
                Ok(url) => RecordingSource(Source::Url(url)),
                Err(e) => RecordingSource(Source::Invalid {
                    input: value.to_owned(),
                    reason: e.to_string(),
                }),
            }
        } else {
            RecordingSource(Source::Session(value.to_owned()))
        }
    }
}

impl From<String> for RecordingSource {
    fn from(value: String) -> Self {
        RecordingSource::from(value.as_str())
    }
}

impl From<&String> for RecordingSource {
    fn from(value: &String) -> Self {
        RecordingSource::from(value.as_str())
    }
}

impl From<Url> for RecordingSource {
    fn from(value: Url) -> Self {
        RecordingSource::from_url(value)
    }
}

impl From<&Url> for RecordingSource {
    fn from(value: &Url) -> Self {
        RecordingSource::from_url(value.clone())
    }
}

/// What a finished download wrote.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordingInfo {
    /// Bytes of audio written.
    pub bytes_written: u64,
    /// The `Content-Type` of the audio (`audio/mpeg`, `audio/wav`, ...), if the server sent one.
    pub content_type: Option<String>,
    /// The URL the audio finally came from, after redirects and JSON pointers. It may carry a
    /// signed token in its query; `Debug` output hides the query.
    pub final_url: Url,
}

impl fmt::Debug for RecordingInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordingInfo")
            .field("bytes_written", &self.bytes_written)
            .field("content_type", &self.content_type)
            .field("final_url", &redacted(&self.final_url))
            .finish()
    }
}

impl Client {
    /// Downloads a call recording into `writer`, streaming: each chunk is written as it
    /// arrives, the audio is never held in memory as a whole (so
    /// [`Options::max_response_bytes`](crate::Options::max_response_bytes) does not limit it).
    ///
    /// `source` is a call session id or a full recording URL (see [`RecordingSource`]).
    /// Redirects and JSON answers naming the real URL are followed, at most [`MAX_HOPS`]; the
    /// API key goes only to the API's own origin, and only when the URL has no `token` (see the
    /// [module docs](crate::recordings)). Each hop may take up to
    /// [`Options::timeout`](crate::Options::timeout) (the audio included); the whole download
    /// at most [`Options::deadline`](crate::Options::deadline) — raise both with
    /// [`Client::with_options`] for long recordings.
    ///
    /// Nothing is retried: once audio has been written, repeating the request would write it
    /// twice, and the writer cannot be rewound. Retry the whole download (into a fresh writer)
    /// if [`Error::is_retryable`] says so.
    ///
    /// # Errors
    /// - [`Error::Api`] for a non-2xx answer, or a JSON envelope with `"success": false`
    ///   (a missing recording is [`Error::is_not_found`]);
    /// - [`Error::Redirect`] when more than [`MAX_HOPS`] redirects were needed, a redirect had no
    ///   usable `Location`, or one pointed from `https` down to plain `http` (the query of the
    ///   location is redacted);
    /// - [`Error::Decode`] for a JSON answer that names no URL;
    /// - [`Error::Connect`], [`Error::Timeout`], [`Error::ConnectionLost`] for transport failures;
    /// - [`Error::InvalidRequest`] for an empty session id or an unusable URL (nothing sent), or
    ///   when writing to `writer` fails.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let client = agni::Client::from_env()?;
    /// let mut audio = Vec::new();
    /// let info = client
    ///     .download_recording("0198f6a2-6d1e-7c1a-9d4f-2b1e3c4d5e6f", &mut audio)
    ///     .await?;
    /// println!("{} bytes of {:?}", info.bytes_written, info.content_type);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn download_recording<W>(
        &self,
        source: impl Into<RecordingSource>,
        writer: &mut W,
    ) -> Result<RecordingInfo, Error>
    where
        W: AsyncWrite + Unpin + ?Sized,
    {
        let first = source.into().first_url(self)?;
        self.fetch_recording(first, writer).await
    }

    /// Downloads a call recording into the file at `path`, like
    /// [`download_recording`](Self::download_recording).
    ///
    /// The audio goes to a temporary file next to `path` (`.<name>.<random>.part`), which is
    /// flushed to disk and renamed to `path` only once the download is complete. On any error
    /// (or if the future is dropped) the temporary file is removed and `path` is left as it was:
    /// there is never a half-written recording at `path`.
    ///
    /// # Errors
    /// As [`download_recording`](Self::download_recording); failing to create, write or rename
    /// the file is [`Error::Io`] naming the path.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let client = agni::Client::from_env()?;
    /// let info = client
    ///     .download_recording_to_file("0198f6a2-6d1e-7c1a-9d4f-2b1e3c4d5e6f", "call.mp3")
    ///     .await?;
    /// println!("saved {} bytes", info.bytes_written);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn download_recording_to_file(
        &self,
        source: impl Into<RecordingSource>,
        path: impl AsRef<Path>,
    ) -> Result<RecordingInfo, Error> {
        let path = path.as_ref();
        // Validate before touching the file system.
        let first = source.into().first_url(self)?;
        let Some(name) = path.file_name() else {
            return Err(Error::InvalidRequest(format!(
                "{} does not name a file",
                path.display()
            )));
        };
        let directory = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let temporary = directory.join(format!(
            ".{}.{:016x}.part",
            name.to_string_lossy(),
            fastrand::u64(..)
        ));
        // Declared before the file, so the file is closed before the guard removes it.
        let mut guard = TemporaryFile {
            path: Some(temporary.clone()),
        };
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temporary)
            .await
            .map_err(|e| file_error("create", &temporary, e))?;
        let mut writer = tokio::io::BufWriter::with_capacity(FILE_BUFFER_BYTES, file);
        let info = self.fetch_recording(first, &mut writer).await?;
        let file = writer.into_inner();
        file.sync_all()
            .await
            .map_err(|e| file_error("write", &temporary, e))?;
        drop(file);
        tokio::fs::rename(&temporary, path)
            .await
            .map_err(|e| file_error("rename into place", path, e))?;
        guard.path = None;
        Ok(info)
    }

    /// The hop loop, inside one `agni.request` span.
    async fn fetch_recording<W>(&self, first: Url, writer: &mut W) -> Result<RecordingInfo, Error>
    where
        W: AsyncWrite + Unpin + ?Sized,
    {
        let span = tracing::info_span!(
            "agni.request",
            operation = OPERATION,
            method = "GET",
            path = PATH_TEMPLATE,
            status = tracing::field::Empty,
            hops = tracing::field::Empty,
            bytes = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        );
        async move {
            let started = Instant::now();
            let mut hops = 0;
            let result = self.follow(first, writer, &mut hops).await;
            let span = tracing::Span::current();
            span.record("hops", hops);
            span.record("latency_ms", started.elapsed().as_millis() as u64);
            match &result {
                Ok(info) => {
                    span.record("bytes", info.bytes_written);
                }
                Err(error) => {
                    if let Some(status) = error.status() {
                        span.record("status", status.as_u16());
                    }
                    tracing::warn!(error = %error, "recording download failed");
                }
            }
            result
        }
        .instrument(span)
        .await
    }

    async fn follow<W>(
        &self,
        first: Url,
        writer: &mut W,
        hops: &mut u32,
    ) -> Result<RecordingInfo, Error>
    where
        W: AsyncWrite + Unpin + ?Sized,
    {
        let options = self.options();
        let api_origin = Url::parse(self.baseurl())
            .map_err(|e| Error::InvalidRequest(format!("the client's base URL is invalid: {e}")))?
            .origin();
        let deadline = Instant::now() + options.deadline;
        let mut url = first;
        loop {
            let remaining = deadline
                .checked_duration_since(Instant::now())
                .filter(|d| !d.is_zero())
                .ok_or(Error::Timeout(None))?;
            let send_key = url.origin() == api_origin && !has_token(&url);
            let mut request = self
                .http()
                .get(url.clone())
                .header(
                    ACCEPT,
                    HeaderValue::from_static("audio/*, application/json;q=0.9, */*;q=0.8"),
                )
                .timeout(options.timeout.min(remaining))
                .build()
                .map_err(|e| Error::InvalidRequest(format!("cannot build the request: {e}")))?;
            if send_key {
                progenitor_client::ClientInfo::inner(self)
                    .authenticate(&mut request, &[Credential::ApiKey], OPERATION)
                    .map_err(Error::InvalidRequest)?;
            }
            tracing::debug!(
                hop = *hops,
                host = url.host_str().unwrap_or(""),
                api_key_sent = send_key,
                "fetching recording"
            );
            let mut response = self
                .http()
                .execute(request)
                .await
                .map_err(|e| classify(e, LostStage::BeforeResponse))?;
            let status = response.status();
            tracing::Span::current().record("status", status.as_u16());

            if status.is_redirection() {
                let location = response
                    .headers()
                    .get(LOCATION)
                    .and_then(|value| value.to_str().ok());
                let next = match status.as_u16() {
                    301 | 302 | 303 | 307 | 308 => location.and_then(|l| url.join(l).ok()),
                    _ => None,
                };
                let Some(next) = next else {
                    return Err(Error::Redirect {
                        status,
                        location: location.map(redact_str),
                    });
                };
                let refused = Error::Redirect {
                    status,
                    location: Some(redacted(&next)),
                };
                url = next_hop(&url, next, hops).map_err(|()| refused)?;
                continue;
            }

            let headers = response.headers().clone();
            if !status.is_success() {
                let body = read_bounded(&mut response).await?;
                return Err(ApiError::from_response(status, &headers, &body).into());
            }

            let content_type = headers
                .get(CONTENT_TYPE)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned);
            if content_type.as_deref().is_some_and(is_json) {
                let body = read_bounded(&mut response).await?;
                if envelope_says_failure(&body) {
                    return Err(ApiError::from_response(status, &headers, &body).into());
                }
                let pointer = pointed_url(&body).map_err(|(path, source)| Error::Decode {
                    operation: OPERATION,
                    status,
                    path,
                    excerpt: excerpt(&body),
                    source,
                })?;
                let next = url.join(&pointer).map_err(|e| Error::Decode {
                    operation: OPERATION,
                    status,
                    path: ".".to_owned(),
                    excerpt: excerpt(&body),
                    source: serde::de::Error::custom(format!("not a URL: {e}")),
                })?;
                let refused = Error::Redirect {
                    status,
                    location: Some(redacted(&next)),
                };
                url = next_hop(&url, next, hops).map_err(|()| refused)?;
                continue;
            }

            let mut written: u64 = 0;
            loop {
                match response.chunk().await {
                    Ok(Some(chunk)) => {
                        writer.write_all(&chunk).await.map_err(write_error)?;
                        written += chunk.len() as u64;
                    }
                    Ok(None) => break,
                    Err(e) => return Err(classify(e, LostStage::MidBody)),
                }
            }
            writer.flush().await.map_err(write_error)?;
            return Ok(RecordingInfo {
                bytes_written: written,
                content_type,
                final_url: url,
            });
        }
    }
}

/// Counts a hop to `next` and checks it may be taken: within [`MAX_HOPS`], http(s), and not a
/// downgrade from `https` to plain `http` off loopback.
fn next_hop(current: &Url, next: Url, hops: &mut u32) -> Result<Url, ()> {
    *hops += 1;
    if *hops > MAX_HOPS {
        tracing::warn!(max = MAX_HOPS, "too many redirects for a recording");
        return Err(());
    }
    match next.scheme() {
        "https" => Ok(next),
        "http" if current.scheme() == "http" || is_loopback(&next) => Ok(next),
        _ => {
            tracing::warn!(
                host = next.host_str().unwrap_or(""),
                "refusing a recording hop to plain http"
            );
            Err(())
        }
    }
}

/// Whether the URL authorizes itself with a `token` query parameter.
fn has_token(url: &Url) -> bool {
    url.query_pairs().any(|(name, _)| name == "token")
}

/// `application/json` or any `+json` type.
fn is_json(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Reads at most [`SMALL_BODY_LIMIT`] bytes of a body; the rest is not read.
async fn read_bounded(response: &mut reqwest::Response) -> Result<Bytes, Error> {
    let mut body = BytesMut::new();
    while body.len() < SMALL_BODY_LIMIT {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let room = SMALL_BODY_LIMIT - body.len();
                body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
            Ok(None) => break,
            Err(e) => return Err(classify(e, LostStage::MidBody)),
        }
    }
    Ok(body.freeze())
}

/// A 2xx JSON body of the form `{"success": false, ...}`.
fn envelope_says_failure(body: &[u8]) -> bool {
    serde_json::from_slice::<Value>(body)
        .is_ok_and(|json| json.get("success") == Some(&Value::Bool(false)))
}

/// The URL a JSON answer names, or where decoding failed and why.
fn pointed_url(body: &[u8]) -> Result<String, (String, serde_json::Error)> {
    const POINTERS: [&str; 6] = [
        "/url",
        "/recording_url",
        "/recordingUrl",
        "/data/url",
        "/data/recording_url",
        "/data/recordingUrl",
    ];
    let json: Value = serde_json::from_slice(body).map_err(|e| (".".to_owned(), e))?;
    POINTERS
        .iter()
        .find_map(|pointer| {
            json.pointer(pointer)
                .and_then(Value::as_str)
                .filter(|url| !url.trim().is_empty())
        })
        .map(|url| url.trim().to_owned())
        .ok_or_else(|| {
            (
                ".".to_owned(),
                serde::de::Error::custom(
                    "the JSON answer names no recording URL (expected url or recording_url, \
                     at the top level or in data)",
                ),
            )
        })
}

/// The URL with its query (which may hold a token) and fragment hidden.
fn redacted(url: &Url) -> String {
    let mut shown = url.clone();
    shown.set_fragment(None);
    shown.set_query(None);
    let _ = shown.set_password(None);
    match url.query() {
        Some(_) => format!("{shown}?<redacted>"),
        None => shown.to_string(),
    }
}

/// [`redacted`] for text that may not parse as a URL.
fn redact_str(text: &str) -> String {
    match Url::parse(text) {
        Ok(url) => redacted(&url),
        Err(_) => match text.split_once('?') {
            Some((before, _)) => format!("{before}?<redacted>"),
            None => text.to_owned(),
        },
    }
}

fn write_error(source: std::io::Error) -> Error {
    Error::Io {
        context: "cannot write the recording".to_owned(),
        source,
    }
}

fn file_error(action: &str, path: &Path, error: std::io::Error) -> Error {
    Error::Io {
        context: format!("cannot {action} the recording file {}", path.display()),
        source: error,
    }
}

/// Removes the temporary file unless the download completed (`path` taken).
struct TemporaryFile {
    path: Option<PathBuf>,
}

impl Drop for TemporaryFile {
    fn drop(&mut self) {
        if let Some(path) = self.path.take() {
            // Best effort, and quick: one unlink. It also runs when the future is dropped.
            let _ = std::fs::remove_file(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_become_sessions_or_urls() {
        assert_eq!(RecordingSource::from("abc").session_id(), Some("abc"));
        assert!(RecordingSource::from("HTTPS://x.example/r").url().is_some());
        assert!(RecordingSource::from("http://").url().is_none());
        assert!(RecordingSource::from("http://").session_id().is_none());
        assert!(RecordingSource::from("httpx").session_id().is_some());
    }

    #[test]
    fn json_pointers() {
        for body in [
            r#"{"url": "https://s/a"}"#,
            r#"{"recording_url": "https://s/a"}"#,
            r#"{"data": {"url": "https://s/a"}}"#,
            r#"{"data": {"recording_url": "https://s/a"}}"#,
            r#"{"success": true, "data": {"recordingUrl": "https://s/a"}}"#,
        ] {
            assert_eq!(
                pointed_url(body.as_bytes()).ok().as_deref(),
                Some("https://s/a")
            );
        }
        assert!(pointed_url(br#"{"data": {}}"#).is_err());
        assert!(pointed_url(b"not json").is_err());
    }

    #[test]
    fn json_content_types() {
        assert!(is_json("application/json"));
        assert!(is_json("Application/JSON; charset=utf-8"));
        assert!(is_json("application/problem+json"));
        assert!(!is_json("audio/mpeg"));
        assert!(!is_json("text/json-ish"));
    }

    #[test]
    fn hops_refuse_downgrades_and_count() {
        let https = Url::parse("https://api.example/r").expect("url");
        let plain = Url::parse("http://storage.example/a").expect("url");
        assert!(next_hop(&https, plain.clone(), &mut 0).is_err());
        assert!(next_hop(&plain, plain.clone(), &mut 0).is_ok());
        let ftp = Url::parse("ftp://storage.example/a").expect("url");
        assert!(next_hop(&https, ftp, &mut 0).is_err());
        let local = Url::parse("http://127.0.0.1:9/a").expect("url");
        let mut hops = 0;
        for _ in 1..=MAX_HOPS {
            assert!(next_hop(&https, local.clone(), &mut hops).is_ok());
        }
        assert!(next_hop(&https, local, &mut hops).is_err());
    }

    #[test]
    fn redaction() {
        let url = Url::parse("https://u:p@s.example/a?token=secret#f").expect("url");
        let shown = redacted(&url);
        assert_eq!(shown, "https://u@s.example/a?<redacted>");
        assert_eq!(redact_str("http://[bad?token=x"), "http://[bad?<redacted>");
    }
}
