//! Client configuration: building a [`Client`] from code or the environment, the credentials
//! it carries (never printed), and the per-request [`Options`] that retries and timeouts read.

use std::{fmt, time::Duration};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, USER_AGENT};

use crate::{Client, RetryPolicy};

/// Where the Agni API lives.
pub const DEFAULT_BASE_URL: &str = "https://api.ravan.ai";
/// Environment variable holding the API key read by [`Client::from_env`].
pub const API_KEY_ENV: &str = "RAVAN_API_KEY";
/// Environment variable that overrides the base URL in [`Client::from_env`].
pub const BASE_URL_ENV: &str = "AGNI_BASE_URL";
/// The header Agni reads the API key from.
pub const API_KEY_HEADER: &str = "X-Api-Key";

const USER_AGENT_VALUE: &str = concat!("agni-rs/", env!("CARGO_PKG_VERSION"));

/// How each request is executed. Set defaults on [`ClientBuilder`]; change them for some
/// requests with [`Client::with_options`].
///
/// ```
/// let options = agni::Options::default();
/// assert_eq!(options.retry.max_retries, 2);
/// assert_eq!(options.timeout, std::time::Duration::from_secs(60));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Options {
    /// When failed requests are retried.
    pub retry: RetryPolicy,
    /// Longest one attempt may take, response body included (default 60 s: starting a call
    /// can take far longer than a typical REST request).
    pub timeout: Duration,
    /// Longest a whole call may take, all attempts and waits included (default 180 s).
    pub deadline: Duration,
    /// Largest response body read into memory (default 16 MiB); larger answers fail with
    /// [`Error::ResponseTooLarge`](crate::Error::ResponseTooLarge).
    pub max_response_bytes: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(60),
            deadline: Duration::from_secs(180),
            max_response_bytes: 16 * 1024 * 1024,
        }
    }
}

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
    /// A default header has an invalid name or value.
    #[error("invalid default header {name:?}")]
    InvalidHeader {
        /// The header name as given.
        name: String,
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
    options: Options,
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
    options: Options,
    connect_timeout: Option<Duration>,
    user_agent_suffix: Option<String>,
    default_headers: Vec<(String, String)>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("base_url", &self.base_url)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .field("options", &self.options)
            .field("connect_timeout", &self.connect_timeout)
            .field("user_agent_suffix", &self.user_agent_suffix)
            .field(
                "default_headers",
                &self
                    .default_headers
                    .iter()
                    .map(|(name, _)| name)
                    .collect::<Vec<_>>(),
            )
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

    /// Sets the retry policy (default: 2 retries, see [`RetryPolicy`]).
    ///
    /// ```
    /// let client = agni::Client::builder().api_key("k").retry(agni::RetryPolicy::none()).build()?;
    /// assert_eq!(client.options().retry.max_retries, 0);
    /// # Ok::<(), agni::BuildError>(())
    /// ```
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.options.retry = policy;
        self
    }

    /// Sets the longest one attempt may take (default 60 s).
    ///
    /// ```
    /// # use std::time::Duration;
    /// let client = agni::Client::builder().api_key("k").timeout(Duration::from_secs(20)).build()?;
    /// # Ok::<(), agni::BuildError>(())
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.options.timeout = timeout;
        self
    }

    /// Sets the longest a whole call may take, retries included (default 180 s).
    ///
    /// ```
    /// # use std::time::Duration;
    /// let client = agni::Client::builder().api_key("k").deadline(Duration::from_secs(30)).build()?;
    /// # Ok::<(), agni::BuildError>(())
    /// ```
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.options.deadline = deadline;
        self
    }

    /// Sets how long establishing a connection may take (default 10 s).
    ///
    /// ```
    /// # use std::time::Duration;
    /// let client = agni::Client::builder().api_key("k").connect_timeout(Duration::from_secs(3)).build()?;
    /// # Ok::<(), agni::BuildError>(())
    /// ```
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Sets the largest response body read into memory (default 16 MiB).
    ///
    /// ```
    /// let client = agni::Client::builder().api_key("k").max_response_bytes(1 << 20).build()?;
    /// # Ok::<(), agni::BuildError>(())
    /// ```
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.options.max_response_bytes = limit;
        self
    }

    /// Appends `suffix` to the `User-Agent` (`agni-rs/0.1.0 my-app/2.3`).
    ///
    /// ```
    /// let client = agni::Client::builder().api_key("k").user_agent_suffix("my-app/2.3").build()?;
    /// # Ok::<(), agni::BuildError>(())
    /// ```
    pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent_suffix = Some(suffix.into());
        self
    }

    /// Adds a header sent with every request (validated by [`build`](Self::build)).
    ///
    /// ```
    /// let client = agni::Client::builder().api_key("k").default_header("X-Tenant", "acme").build()?;
    /// # Ok::<(), agni::BuildError>(())
    /// ```
    pub fn default_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.default_headers.push((name.into(), value.into()));
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
        let mut headers = HeaderMap::new();
        for (name, value) in &self.default_headers {
            let invalid = || BuildError::InvalidHeader { name: name.clone() };
            let header = HeaderName::from_bytes(name.as_bytes()).map_err(|_| invalid())?;
            headers.append(header, HeaderValue::from_str(value).map_err(|_| invalid())?);
        }
        let user_agent = match &self.user_agent_suffix {
            Some(suffix) => HeaderValue::from_str(&format!("{USER_AGENT_VALUE} {suffix}"))
                .map_err(|_| BuildError::InvalidHeader {
                    name: USER_AGENT.to_string(),
                })?,
            None => HeaderValue::from_static(USER_AGENT_VALUE),
        };
        headers.insert(USER_AGENT, user_agent);
        let http = reqwest::Client::builder()
            // A redirect would carry X-Api-Key to wherever it points (reqwest strips only the
            // standard credential headers), so the API client never follows one.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(self.connect_timeout.unwrap_or(Duration::from_secs(10)))
            .default_headers(headers)
            .build()
            .map_err(BuildError::Http)?;
        let state = ClientState {
            api_key,
            options: self.options,
        };
        Ok(Client::new_with_client(&base_url, http, state))
    }
}

/// Whether `url` points at this machine (`localhost`, 127.0.0.0/8, `::1`), where plain http
/// cannot expose the key to a network.
pub(crate) fn is_loopback(url: &reqwest::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Checks the base URL and returns it without a trailing slash (generated paths start with `/`).
fn validate_base_url(url: &str, allow_insecure_http: bool) -> Result<String, BuildError> {
    let invalid = |reason| BuildError::InvalidBaseUrl {
        url: url.to_owned(),
        reason,
    };
    let parsed = reqwest::Url::parse(url).map_err(|_| invalid("not a URL"))?;
    if parsed.host().is_none() {
        return Err(invalid("no host"));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(invalid("a base URL cannot carry a query or fragment"));
    }
    match parsed.scheme() {
        "https" => {}
        "http" if is_loopback(&parsed) || allow_insecure_http => {}
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

    /// The options requests from this client run with.
    ///
    /// ```
    /// let client = agni::Client::builder().api_key("k").build()?;
    /// assert_eq!(client.options(), &agni::Options::default());
    /// # Ok::<(), agni::BuildError>(())
    /// ```
    pub fn options(&self) -> &Options {
        &progenitor_client::ClientInfo::inner(self).options
    }

    /// A cheap copy of this client with changed options, sharing its connection pool: for a
    /// request that needs a longer timeout, or must not be retried.
    ///
    /// ```
    /// # async fn run(client: &agni::Client) -> Result<(), agni::Error> {
    /// use agni::prelude::*;
    /// let once = client.with_options(|o| o.retry = agni::RetryPolicy::none());
    /// once.health_check().send().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_options(&self, change: impl FnOnce(&mut Options)) -> Client {
        let mut state = progenitor_client::ClientInfo::inner(self).clone();
        change(&mut state.options);
        Client::new_with_client(self.baseurl(), self.http().clone(), state)
    }

    /// The underlying HTTP client (shared connection pool).
    pub(crate) fn http(&self) -> &reqwest::Client {
        progenitor_client::ClientInfo::client(self)
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
