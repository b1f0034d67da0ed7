//! Downloading call recordings: [`Client::download_recording`] follows the recording's URL to
//! the audio and returns a [`Recording`], which streams into any [`AsyncWrite`]
//! ([`Recording::write_to`]) or into a file that appears only once complete ([`Recording::save`]).
//!
//! A call's `recording_url` points at `/api/v1/calling/sessions/{id}/recording`, sometimes with a
//! `?token=` that authorizes it on its own. That endpoint answers in one of three ways: with the
//! audio itself, with a redirect to storage on another host, or with JSON naming the real URL
//! (`{"url": ..}`, `{"recording_url": ..}`, or either inside `data`). The download follows
//! redirects and JSON pointers itself, at most [`MAX_HOPS`] of them, each hop a call through the
//! request path (its retries, timeouts, tracing and errors), and decides at every hop whether
//! the API key may go along:
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

use reqwest::{
    Response, StatusCode, Url,
    header::{ACCEPT, CONTENT_TYPE, HeaderValue, LOCATION},
};
use serde_json::Value;
use tokio::io::{AsyncWrite, AsyncWriteExt};

use crate::{
    Client, Error, ErrorKind, Location, LostStage, TimeoutLimit,
    client::is_loopback,
    error::excerpt,
    redact::redact_url,
    transport::{self, Credential, Operation, Streamed},
};

/// Most redirects (and JSON pointers to the real URL) one download follows.
pub const MAX_HOPS: u32 = 5;

/// The first hop, to the API's own recording endpoint, with the API key.
static API_HOP: Operation = Operation {
    id: "download_recording",
    path: "/api/v1/calling/sessions/{id}/recording",
    auth: &[Credential::ApiKey],
};

/// A hop to a URL that authorizes itself (a `?token=`, a signed storage URL): no credential.
static SIGNED_HOP: Operation = Operation {
    id: "download_recording",
    path: "<signed recording URL>",
    auth: &[],
};

mod source;

pub use source::RecordingSource;

/// Most bytes read of a JSON answer naming the real URL.
const POINTER_BODY_LIMIT: usize = 64 * 1024;
/// Buffer between the network and a file in [`Recording::save`].
const FILE_BUFFER_BYTES: usize = 64 * 1024;

/// What a finished download wrote.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordingInfo {
    /// Bytes of audio written.
    pub bytes_written: u64,
    /// The `Content-Type` of the audio (`audio/mpeg`, `audio/wav`, ...), if the server sent one.
    pub content_type: Option<String>,
    /// The URL the audio finally came from, after redirects and JSON pointers. It may carry a
    /// signed token in its query; `Debug` output hides it.
    pub final_url: Url,
}

impl fmt::Debug for RecordingInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordingInfo")
            .field("bytes_written", &self.bytes_written)
            .field("content_type", &self.content_type)
            .field("final_url", &redact_url(&self.final_url))
            .finish()
    }
}

/// Finds a recording: see [`Client::download_recording`].
#[derive(Debug)]
#[must_use = "nothing is fetched until `send`"]
pub struct DownloadRecording<'a> {
    client: &'a Client,
    source: RecordingSource,
}

/// A recording whose audio is ready to stream: the answer's head has arrived, its body has not
/// been read. Consume it with [`write_to`](Self::write_to) or [`save`](Self::save).
pub struct Recording {
    response: Response,
    final_url: Url,
    /// When streaming the audio must be over: the call's deadline, or one attempt's timeout
    /// from the start of the last hop, whichever comes first.
    ends_by: Instant,
    limit: TimeoutLimit,
}

impl fmt::Debug for Recording {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recording")
            .field("status", &self.response.status())
            .field("content_type", &self.content_type())
            .field("final_url", &redact_url(&self.final_url))
            .finish()
    }
}

impl Client {
    /// Finds a call recording: `source` is a call session id or a full recording URL (see
    /// [`RecordingSource`]). `send` follows redirects and JSON answers naming the real URL, at
    /// most [`MAX_HOPS`], and returns the [`Recording`] to stream; the API key goes only to the
    /// API's own origin, and only when the URL has no `token` (see the
    /// [module docs](crate::recordings)).
    ///
    /// Each hop is retried like any GET. Streaming the audio afterwards is not (the writer
    /// cannot be rewound): retry the whole download if [`Error::is_retryable`] says so. The
    /// whole download, audio included, runs under [`Options::deadline`](crate::Options::deadline),
    /// and the last hop with its audio under [`Options::timeout`](crate::Options::timeout): raise
    /// both with [`Client::with_options`] for long recordings. The audio is never held in memory
    /// as a whole, so [`Options::max_response_bytes`](crate::Options::max_response_bytes) does
    /// not limit it.
    ///
    /// # Errors
    /// - [`ErrorKind::Api`] for a non-2xx answer, or a JSON envelope with `"success": false`
    ///   (a missing recording is [`Error::is_not_found`]);
    /// - [`ErrorKind::Redirect`] when more than [`MAX_HOPS`] hops were needed, a redirect had no
    ///   usable `Location`, or one pointed from `https` down to plain `http` (redacted);
    /// - [`ErrorKind::Decode`] for a JSON answer that names no URL;
    /// - transport errors as for any operation; [`ErrorKind::InvalidRequest`] for an empty
    ///   session id or an unusable URL (nothing sent).
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let client = agni::Client::from_env()?;
    /// let recording = client
    ///     .download_recording("0198f6a2-6d1e-7c1a-9d4f-2b1e3c4d5e6f")
    ///     .send()
    ///     .await?;
    /// let info = recording.save("call.mp3").await?;
    /// println!("{} bytes of {:?}", info.bytes_written, info.content_type);
    /// # Ok(())
    /// # }
    /// ```
    pub fn download_recording(&self, source: impl Into<RecordingSource>) -> DownloadRecording<'_> {
        DownloadRecording {
            client: self,
            source: source.into(),
        }
    }
}

impl DownloadRecording<'_> {
    /// Follows the hops to the audio.
    pub async fn send(self) -> Result<Recording, Error> {
        let client = self.client;
        let mut url = self
            .source
            .first_url(client)
            .map_err(|error| error.with_operation(API_HOP.id))?;
        let api_origin = Url::parse(client.baseurl())
            .map_err(|e| Error::invalid_request(format!("the client's base URL is invalid: {e}")))?
            .origin();
        let options = client.options();
        let deadline = Instant::now() + options.deadline;
        let mut hops = 0;
        loop {
            let time_left = deadline.saturating_duration_since(Instant::now());
            // Each hop runs under what is left of the download's deadline.
            let hop_client = client.with_options(|o| o.deadline = time_left);
            let operation = if url.origin() == api_origin && !has_token(&url) {
                &API_HOP
            } else {
                &SIGNED_HOP
            };
            let request = client
                .http()
                .get(url.clone())
                .header(
                    ACCEPT,
                    HeaderValue::from_static("audio/*, application/json;q=0.9, */*;q=0.8"),
                )
                .build()
                .map_err(|e| Error::invalid_request(format!("cannot build the request: {e}")))?;
            let started = Instant::now();
            let response = transport::execute::<Streamed>(&hop_client, operation, request).await?;
            let status = response.status();
            let next = if status.is_redirection() {
                redirect_target(&url, status, &response)
                    .ok_or_else(|| transport::refuse_redirect(operation, response))?
            } else if response
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|value| value.to_str().ok())
                .is_some_and(is_json)
            {
                pointed_url_of(operation, &url, response).await?
            } else {
                let (attempt_ends, limit) = if started + options.timeout < deadline {
                    (
                        started + options.timeout,
                        TimeoutLimit::Attempt(options.timeout),
                    )
                } else {
                    (deadline, TimeoutLimit::Deadline(options.deadline))
                };
                return Ok(Recording {
                    response,
                    final_url: url,
                    ends_by: attempt_ends,
                    limit,
                });
            };
            hops += 1;
            url = next_hop(&url, next, hops).map_err(|refused| {
                Error::new(ErrorKind::Redirect {
                    status,
                    location: Some(Location::new(refused.as_str())),
                })
                .with_operation(operation.id)
            })?;
        }
    }
}

/// Where a redirect points, resolved against the URL that answered it.
fn redirect_target(current: &Url, status: StatusCode, response: &Response) -> Option<Url> {
    let location = response.headers().get(LOCATION)?.to_str().ok()?;
    match status.as_u16() {
        301 | 302 | 303 | 307 | 308 => current.join(location).ok(),
        _ => None,
    }
}

/// The URL a JSON answer names, after the envelope rule.
async fn pointed_url_of(
    operation: &Operation,
    current: &Url,
    response: Response,
) -> Result<Url, Error> {
    let answer = transport::read_body(response, POINTER_BODY_LIMIT)
        .await
        .map_err(|error| error.with_operation(operation.id))?;
    if let Some(error) = transport::envelope_failure(answer.status, &answer.headers, &answer.body) {
        return Err(error.with_operation(operation.id));
    }
    let decode_error = |message: String| {
        Error::new(ErrorKind::Decode {
            status: answer.status,
            path: ".".to_owned(),
            excerpt: excerpt(&answer.body),
        })
        .with_operation(operation.id)
        .with_source(message)
    };
    let pointer = pointed_url(&answer.body).map_err(decode_error)?;
    current
        .join(&pointer)
        .map_err(|e| decode_error(format!("not a URL: {e}")))
}

impl Recording {
    /// The `Content-Type` of the audio (`audio/mpeg`, `audio/wav`, ...), if the server sent one.
    pub fn content_type(&self) -> Option<&str> {
        self.response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
    }

    /// Streams the audio into `writer`, each chunk written as it arrives, and flushes it.
    ///
    /// # Errors
    /// [`ErrorKind::ConnectionLost`] or [`ErrorKind::Timeout`] if the audio stops arriving;
    /// [`ErrorKind::Io`] if writing fails.
    pub async fn write_to<W>(self, writer: &mut W) -> Result<RecordingInfo, Error>
    where
        W: AsyncWrite + Unpin + ?Sized,
    {
        let Recording {
            mut response,
            final_url,
            ends_by,
            limit,
        } = self;
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let stream = async {
            let mut written: u64 = 0;
            while let Some(chunk) = response.chunk().await.map_err(|e| {
                Error::new(ErrorKind::ConnectionLost(LostStage::MidBody)).with_source(e)
            })? {
                writer.write_all(&chunk).await.map_err(write_error)?;
                written += chunk.len() as u64;
            }
            writer.flush().await.map_err(write_error)?;
            Ok::<_, Error>(written)
        };
        let bytes_written = tokio::time::timeout_at(ends_by.into(), stream)
            .await
            .map_err(|_| Error::new(ErrorKind::Timeout(limit)))?
            .map_err(|error| error.with_operation(API_HOP.id))?;
        Ok(RecordingInfo {
            bytes_written,
            content_type,
            final_url,
        })
    }

    /// Streams the audio into the file at `path`, like [`write_to`](Self::write_to).
    ///
    /// The audio goes to a temporary file next to `path` (`.<name>.<random>.part`), which is
    /// flushed to disk and renamed to `path` only once the download is complete. On any error
    /// (or if the future is dropped) the temporary file is removed and `path` is left as it was:
    /// there is never a half-written recording at `path`.
    ///
    /// # Errors
    /// As [`write_to`](Self::write_to); failing to create, write or rename the file is
    /// [`ErrorKind::Io`] naming the path.
    pub async fn save(self, path: impl AsRef<Path>) -> Result<RecordingInfo, Error> {
        let path = path.as_ref();
        let Some(name) = path.file_name() else {
            return Err(Error::invalid_request(format!(
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
        let info = self.write_to(&mut writer).await?;
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
}

/// Checks a hop to `next` may be taken: within [`MAX_HOPS`], http(s), and not a downgrade from
/// `https` to plain `http` off loopback. On refusal, returns the refused URL.
fn next_hop(current: &Url, next: Url, hops: u32) -> Result<Url, Url> {
    if hops > MAX_HOPS {
        tracing::debug!(max = MAX_HOPS, "too many hops for a recording");
        return Err(next);
    }
    match next.scheme() {
        "https" => Ok(next),
        "http" if current.scheme() == "http" || is_loopback(&next) => Ok(next),
        _ => Err(next),
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

/// The URL a JSON answer names, or why it names none.
fn pointed_url(body: &[u8]) -> Result<String, String> {
    const POINTERS: [&str; 6] = [
        "/url",
        "/recording_url",
        "/recordingUrl",
        "/data/url",
        "/data/recording_url",
        "/data/recordingUrl",
    ];
    let json: Value = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    POINTERS
        .iter()
        .find_map(|pointer| {
            json.pointer(pointer)
                .and_then(Value::as_str)
                .filter(|url| !url.trim().is_empty())
        })
        .map(|url| url.trim().to_owned())
        .ok_or_else(|| {
            "the JSON answer names no recording URL (expected url or recording_url, at the top \
             level or in data)"
                .to_owned()
        })
}

fn write_error(source: std::io::Error) -> Error {
    Error::new(ErrorKind::Io {
        context: "cannot write the recording".to_owned(),
    })
    .with_source(source)
}

fn file_error(action: &str, path: &Path, error: std::io::Error) -> Error {
    Error::new(ErrorKind::Io {
        context: format!("cannot {action} the recording file {}", path.display()),
    })
    .with_source(error)
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
        assert!(next_hop(&https, plain.clone(), 1).is_err());
        assert!(next_hop(&plain, plain.clone(), 1).is_ok());
        let ftp = Url::parse("ftp://storage.example/a").expect("url");
        assert!(next_hop(&https, ftp, 1).is_err());
        let local = Url::parse("http://127.0.0.1:9/a").expect("url");
        for hops in 1..=MAX_HOPS {
            assert!(next_hop(&https, local.clone(), hops).is_ok());
        }
        assert!(next_hop(&https, local, MAX_HOPS + 1).is_err());
    }
}
