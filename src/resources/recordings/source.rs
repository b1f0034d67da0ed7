//! [`RecordingSource`]: which recording to download, a call session's id or a recording URL,
//! checked before anything is sent.

use std::fmt;

use reqwest::Url;

use crate::{
    Client, Error,
    redact::{redact_str, redact_url},
    transport,
};

/// Which recording to download: a call session's id, or a full recording URL (as found in a
/// call's `recording_url` or an after-call webhook).
///
/// A string that starts with `http://` or `https://` is a URL; anything else is a session id,
/// which is percent-encoded into the path. A string that looks like a URL but does not parse is
/// reported as [`ErrorKind::InvalidRequest`](crate::ErrorKind::InvalidRequest) when the download starts, before
/// anything is sent.
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
    pub(super) fn first_url(&self, client: &Client) -> Result<Url, Error> {
        match &self.0 {
            Source::Session(id) => {
                let id =
                    transport::path_segment("id", id.trim()).map_err(Error::invalid_request)?;
                let url = format!(
                    "{}/api/v1/calling/sessions/{id}/recording",
                    client.baseurl()
                );
                Url::parse(&url).map_err(|e| {
                    Error::invalid_request(format!("cannot build the recording URL: {e}"))
                })
            }
            Source::Url(url) => match url.scheme() {
                "http" | "https" if url.host().is_some() => Ok(url.clone()),
                _ => Err(Error::invalid_request(format!(
                    "a recording URL must be http(s) with a host, not {}",
                    redact_url(url)
                ))),
            },
            Source::Invalid { input, reason } => Err(Error::invalid_request(format!(
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
            Source::Url(url) => f.debug_tuple("Url").field(&redact_url(url)).finish(),
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
}
