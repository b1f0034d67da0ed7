//! Client configuration: building a [`Client`] from code or the environment, and the
//! credentials it carries (never printed).

use std::fmt;

use reqwest::header::{HeaderValue, USER_AGENT};

use crate::Client;

/// Where the Agni API lives.
pub const DEFAULT_BASE_URL: &str = "https://api.ravan.ai";
/// Environment variable holding the API key read by [`Client::from_env`].
pub const API_KEY_ENV: &str = "RAVAN_API_KEY";
/// Environment variable that overrides the base URL in [`Client::from_env`].
pub const BASE_URL_ENV: &str = "AGNI_BASE_URL";
/// The header Agni reads the API key from.
pub const API_KEY_HEADER: &str = "X-Api-Key";

const USER_AGENT_VALUE: &str = concat!("agni-rs/", env!("CARGO_PKG_VERSION"));

/// Why a [`Client`] could not be built. Nothing has been sent when this is returned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// No API key was given (or `RAVAN_API_KEY` is unset or empty).
    #[error("no API key: call `.api_key(..)` or set {API_KEY_ENV}")]
    MissingApiKey,
    /// The API key cannot be sent as an HTTP header (control characters, non-ASCII bytes).
    #[error("the API key contains characters that cannot be sent in an HTTP header")]
    InvalidApiKey,
    /// The base URL does not parse, or cannot serve as a base (no host, has a query).
    #[error("invalid base URL {url:?}: {reason}")]
    InvalidBaseUrl {
        /// The URL as given.
        url: String,
        /// Why it was refused.
        reason: &'static str,
    },
    /// The base URL is plain `http` to a host that is not loopback, which would send the API key
    /// in clear text. Use `https`, or opt out with [`ClientBuilder::allow_insecure_http`].
    #[error("refusing to send the API key over plain http to {url:?}; use https")]
    InsecureBaseUrl {
        /// The URL as given.
        url: String,
    },
    /// The HTTP client could not be constructed (TLS backend initialisation failed).
    #[error("cannot construct the HTTP client")]
    Http(#[source] reqwest::Error),
}

/// Per-client state that every request reads through the hooks: the API key and the user agent.
///
/// It is opaque: build a [`Client`] with [`Client::builder`] or [`Client::from_env`].
/// Its `Debug` output never contains the key.
#[derive(Clone)]
pub struct ClientState {
    api_key: HeaderValue,
}

impl ClientState {
    /// Adds the API key to a request bound for the Agni API.
    pub(crate) fn authenticate(&self, request: &mut reqwest::Request) {
        request
            .headers_mut()
            .insert(API_KEY_HEADER, self.api_key.clone());
    }
}

impl fmt::Debug for ClientState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientState")
            .field("api_key", &"<redacted>")
            .finish()
    }
}

/// Builds a [`Client`]; start with [`Client::builder`].
///
/// ```
/// let client = agni::Client::builder()
///     .api_key("sk_live_example")
///     .base_url("https://api.ravan.ai")
///     .build()?;
/// # Ok::<(), agni::BuildError>(())
/// ```
#[derive(Default)]
pub struct ClientBuilder {
    api_key: Option<String>,
    base_url: Option<String>,
    allow_insecure_http: bool,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("base_url", &self.base_url)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .finish()
    }
}

impl ClientBuilder {
    /// Sets the API key sent as `X-Api-Key` with every request.
    ///
    /// ```
    /// let builder = agni::Client::builder().api_key("sk_live_example");
    /// assert!(!format!("{builder:?}").contains("sk_live_example"));
    /// ```
    pub fn api_key(mut self, api_key: impl Into<String>) -> Self {
        self.api_key = Some(api_key.into());
        self
    }

    /// Sets the API's base URL; defaults to [`DEFAULT_BASE_URL`]. A trailing `/` is ignored.
    ///
    /// ```
    /// let client = agni::Client::builder()
    ///     .api_key("sk_test")
    ///     .base_url("http://127.0.0.1:8080/")
    ///     .build()?;
    /// assert_eq!(client.baseurl(), "http://127.0.0.1:8080");
    /// # Ok::<(), agni::BuildError>(())
    /// ```
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    /// Permits a plain-`http` base URL whose host is not loopback (a test proxy on a private
    /// network, say). Loopback hosts never need this. The API key then travels unencrypted.
    ///
    /// ```
    /// let client = agni::Client::builder()
    ///     .api_key("sk_test")
    ///     .base_url("http://agni-proxy.internal")
    ///     .allow_insecure_http()
    ///     .build()?;
    /// # Ok::<(), agni::BuildError>(())
    /// ```
    pub fn allow_insecure_http(mut self) -> Self {
        self.allow_insecure_http = true;
        self
    }

    /// Validates the configuration and builds the client. Sends nothing.
    ///
    /// ```
    /// let missing = agni::Client::builder().build();
    /// assert!(matches!(missing, Err(agni::BuildError::MissingApiKey)));
    /// ```
    pub fn build(self) -> Result<Client, BuildError> {
        let api_key = self
            .api_key
            .filter(|key| !key.trim().is_empty())
            .ok_or(BuildError::MissingApiKey)?;
        let mut api_key = HeaderValue::from_str(&api_key).map_err(|_| BuildError::InvalidApiKey)?;
        // reqwest and http print sensitive header values as "Sensitive" in Debug output.
        api_key.set_sensitive(true);

        let base_url = validate_base_url(
            self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL),
            self.allow_insecure_http,
        )?;
        let http = reqwest::Client::builder()
            // A redirect would carry X-Api-Key to wherever it points (reqwest strips only the
            // standard credential headers), so the API client never follows one.
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(
                [(USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE))]
                    .into_iter()
                    .collect(),
            )
            .build()
            .map_err(BuildError::Http)?;
        Ok(Client::new_with_client(
            &base_url,
            http,
            ClientState { api_key },
        ))
    }
}

/// Checks the base URL and returns it without a trailing slash (generated paths start with `/`).
fn validate_base_url(url: &str, allow_insecure_http: bool) -> Result<String, BuildError> {
    let invalid = |reason| BuildError::InvalidBaseUrl {
        url: url.to_owned(),
        reason,
    };
    let parsed = reqwest::Url::parse(url).map_err(|_| invalid("not a URL"))?;
    let Some(host) = parsed.host() else {
        return Err(invalid("no host"));
    };
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(invalid("a base URL cannot carry a query or fragment"));
    }
    let loopback = match host {
        url::Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    };
    match parsed.scheme() {
        "https" => {}
        "http" if loopback || allow_insecure_http => {}
        "http" => {
            return Err(BuildError::InsecureBaseUrl {
                url: url.to_owned(),
            });
        }
        _ => return Err(invalid("the scheme must be https (or http to loopback)")),
    }
    Ok(url.trim_end_matches('/').to_owned())
}

impl Client {
    /// Starts configuring a client.
    ///
    /// ```
    /// let client = agni::Client::builder().api_key("sk_live_example").build()?;
    /// assert_eq!(client.baseurl(), agni::client::DEFAULT_BASE_URL);
    /// # Ok::<(), agni::BuildError>(())
    /// ```
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// Builds a client from `RAVAN_API_KEY` and, if set, `AGNI_BASE_URL`.
    ///
    /// ```no_run
    /// let client = agni::Client::from_env()?;
    /// # Ok::<(), agni::BuildError>(())
    /// ```
    pub fn from_env() -> Result<Client, BuildError> {
        let mut builder = Client::builder();
        if let Ok(key) = std::env::var(API_KEY_ENV) {
            builder = builder.api_key(key);
        }
        if let Ok(url) = std::env::var(BASE_URL_ENV) {
            builder = builder.base_url(url);
        }
        builder.build()
    }

    /// The base URL requests are sent to, without a trailing slash.
    ///
    /// ```
    /// let client = agni::Client::builder().api_key("k").build()?;
    /// assert_eq!(client.baseurl(), "https://api.ravan.ai");
    /// # Ok::<(), agni::BuildError>(())
    /// ```
    pub fn baseurl(&self) -> &str {
        progenitor_client::ClientInfo::baseurl(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_rules() {
        assert_eq!(
            validate_base_url("https://api.ravan.ai/", false)
                .ok()
                .as_deref(),
            Some("https://api.ravan.ai")
        );
        assert!(validate_base_url("http://127.0.0.1:9", false).is_ok());
        assert!(validate_base_url("http://[::1]:9", false).is_ok());
        assert!(validate_base_url("http://localhost:9", false).is_ok());
        assert!(matches!(
            validate_base_url("http://api.ravan.ai", false),
            Err(BuildError::InsecureBaseUrl { .. })
        ));
        assert!(validate_base_url("http://api.ravan.ai", true).is_ok());
        assert!(matches!(
            validate_base_url("ftp://x", true),
            Err(BuildError::InvalidBaseUrl { .. })
        ));
        assert!(matches!(
            validate_base_url("not a url", false),
            Err(BuildError::InvalidBaseUrl { .. })
        ));
        assert!(matches!(
            validate_base_url("https://x/?q=1", false),
            Err(BuildError::InvalidBaseUrl { .. })
        ));
    }

    #[test]
    fn api_key_is_validated_and_never_printed() {
        assert!(matches!(
            Client::builder().api_key("  ").build(),
            Err(BuildError::MissingApiKey)
        ));
        assert!(matches!(
            Client::builder().api_key("bad\nkey").build(),
            Err(BuildError::InvalidApiKey)
        ));
        let client = Client::builder()
            .api_key("sk_secret_123")
            .build()
            .expect("valid");
        assert!(!format!("{client:?}").contains("sk_secret_123"));
        assert!(!format!("{client:#?}").contains("sk_secret_123"));
    }
}
