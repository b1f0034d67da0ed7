//! [`ClientState`]: what every request of a client reads — its credentials (never printed) and
//! its [`Options`].

use std::{fmt, time::Duration};

use reqwest::header::{AUTHORIZATION, HeaderName, HeaderValue};

use super::Options;

/// Per-client state that every request reads: the credentials and the [`Options`].
///
/// It is opaque: build a [`Client`](crate::Client) with [`Client::builder`](crate::Client::builder)
/// or [`Client::from_env`](crate::Client::from_env). Its `Debug` output never contains a credential.
///
/// ```
/// let client = agni::Client::builder().api_key("sk_secret").build()?;
/// assert!(!format!("{client:?}").contains("sk_secret"));
/// # Ok::<(), agni::BuildError>(())
/// ```
#[derive(Clone)]
pub struct ClientState {
    pub(super) api_key: Option<HeaderValue>,
    pub(super) bearer: Option<HeaderValue>,
    pub(super) options: Options,
    pub(super) connect_timeout: Duration,
}

impl ClientState {
    /// The `X-Api-Key` header, when the client has a key.
    pub(crate) fn api_key_header(&self) -> Option<(HeaderName, &HeaderValue)> {
        Some((API_KEY, self.api_key.as_ref()?))
    }

    /// The `Authorization: Bearer` header, when the client has a token.
    pub(crate) fn bearer_header(&self) -> Option<(HeaderName, &HeaderValue)> {
        Some((AUTHORIZATION, self.bearer.as_ref()?))
    }

    pub(crate) fn options(&self) -> &Options {
        &self.options
    }

    pub(crate) fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }
}

/// [`API_KEY_HEADER`](super::API_KEY_HEADER), as a header name.
const API_KEY: HeaderName = HeaderName::from_static("x-api-key");

impl fmt::Debug for ClientState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = |credential: &Option<HeaderValue>| credential.as_ref().map(|_| "<redacted>");
        f.debug_struct("ClientState")
            .field("api_key", &shown(&self.api_key))
            .field("bearer_token", &shown(&self.bearer))
            .field("options", &self.options)
            .finish()
    }
}

/// A credential as a header value: visible ASCII only (no spaces, control characters or
/// non-ASCII), so it cannot smuggle a header line or be mangled on the way, and marked
/// sensitive, so `http` and `reqwest` print it as `Sensitive`.
pub(super) fn credential(text: &str, prefix: &str) -> Option<HeaderValue> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_graphic()) {
        return None;
    }
    let mut value = HeaderValue::from_str(&format!("{prefix}{text}")).ok()?;
    value.set_sensitive(true);
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_visible_ascii() {
        assert!(credential("sk_live_123", "").is_some());
        for bad in ["", "sk prøbe", "sk_prøbe", "a\nb", "a\tb", "a b", "a\u{7f}"] {
            assert!(credential(bad, "").is_none(), "{bad:?}");
        }
        let bearer = credential("eyJ.x.y", "Bearer ").expect("valid");
        assert_eq!(bearer.to_str().ok(), Some("Bearer eyJ.x.y"));
        assert!(bearer.is_sensitive());
    }
}
