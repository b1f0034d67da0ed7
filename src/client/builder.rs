//! [`ClientBuilder`]: building a [`Client`] from code or the environment, and the rules a
//! configuration must meet before anything is sent ([`BuildError`]): a credential that can be
//! sent as a header, a base URL that cannot expose it, and a proxy policy that never hands it
//! over in clear text.

use std::{fmt, time::Duration};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, USER_AGENT};

use super::{
    API_KEY_ENV, BASE_URL_ENV, BEARER_TOKEN_ENV, ClientState, DEFAULT_BASE_URL, Options,
    state::credential,
};
use crate::{Client, RetryPolicy, redact::redact_str};

const USER_AGENT_VALUE: &str = concat!("agni-rs/", env!("CARGO_PKG_VERSION"));

/// Why a [`Client`] could not be built. Nothing has been sent when this is returned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// Neither an API key nor a bearer token was given (or the environment variables are
    /// unset or empty).
    #[error(
        "no credential: call `.api_key(..)` (or `.bearer_token(..)`), or set {API_KEY_ENV} \
         (or {BEARER_TOKEN_ENV})"
    )]
    MissingCredentials,
    /// The API key has characters other than visible ASCII (spaces, control characters,
    /// non-ASCII letters), so it cannot be sent as given.
    #[error("the API key must be visible ASCII characters only (no spaces, control or non-ASCII)")]
    InvalidApiKey,
    /// The bearer token has characters other than visible ASCII.
    #[error(
        "the bearer token must be visible ASCII characters only (no spaces, control or non-ASCII)"
    )]
    InvalidBearerToken,
    /// The base URL does not parse, or cannot serve as a base (no host, has a query).
    #[error("invalid base URL {url:?}: {reason}")]
    InvalidBaseUrl {
        /// The URL as given (userinfo and query values redacted).
        url: String,
        /// Why it was refused.
        reason: &'static str,
    },
    /// The base URL is plain `http` to a host that is not loopback, which would send the
    /// credentials in clear text. Use `https`, or opt out with
    /// [`ClientBuilder::allow_insecure_http`].
    #[error("refusing to send credentials over plain http to {url:?}; use https")]
    InsecureBaseUrl {
        /// The URL as given (redacted).
        url: String,
    },
    /// A proxy was set for a plain-`http` base URL: the proxy would read the credentials.
    #[error(
        "refusing a proxy for the plain-http base URL {url:?}: the proxy would see the \
         credentials in clear text"
    )]
    InsecureProxy {
        /// The base URL (redacted).
        url: String,
    },
    /// The proxy URL does not parse.
    #[error("invalid proxy URL {url:?}")]
    InvalidProxy {
        /// The proxy URL as given (redacted).
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

/// Which proxy requests go through.
#[derive(Debug, Default)]
enum ProxyChoice {
    /// The environment's (`HTTPS_PROXY`, `ALL_PROXY`, `NO_PROXY`), for an `https` base URL
    /// only: through a proxy an `https` request is a CONNECT tunnel the proxy cannot read.
    #[default]
    Environment,
    /// None at all.
    Direct,
    /// This one.
    Explicit(String),
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
    bearer_token: Option<String>,
    base_url: Option<String>,
    allow_insecure_http: bool,
    proxy: ProxyChoice,
    options: Options,
    connect_timeout: Option<Duration>,
    user_agent_suffix: Option<String>,
    default_headers: Vec<(String, String)>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = |credential: &Option<String>| credential.as_ref().map(|_| "<redacted>");
        let proxy = match &self.proxy {
            ProxyChoice::Explicit(url) => redact_str(url),
            other => format!("{other:?}"),
        };
        f.debug_struct("ClientBuilder")
            .field("api_key", &shown(&self.api_key))
            .field("bearer_token", &shown(&self.bearer_token))
            .field("base_url", &self.base_url.as_deref().map(redact_str))
            .field("allow_insecure_http", &self.allow_insecure_http)
            .field("proxy", &proxy)
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
    /// Sets the API key, sent as `X-Api-Key` with every operation that takes one (all but the
    /// Cal.com agent operations and the unauthenticated ones).
    ///
    /// ```
    /// let builder = agni::Client::builder().api_key("sk_live_example");
    /// assert!(!format!("{builder:?}").contains("sk_live_example"));
    /// ```
    pub fn api_key(mut self, api_key: impl Into<String>) -> Self {
        self.api_key = Some(api_key.into());
        self
    }

    /// Sets the bearer token (a dashboard user's JWT), sent as `Authorization: Bearer` with the
    /// operations whose `security` names it: the Cal.com agent operations.
    ///
    /// ```
    /// let client = agni::Client::builder()
    ///     .api_key("sk_live_example")
    ///     .bearer_token("eyJhbGciOiJIUzI1NiJ9.e30.sig")
    ///     .build()?;
    /// assert!(!format!("{client:?}").contains("eyJ"));
    /// # Ok::<(), agni::BuildError>(())
    /// ```
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        self.bearer_token = Some(token.into());
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

    /// Sends every request through this proxy (`http://`, `https://` or, with reqwest's
    /// `socks` feature, `socks5://`), instead of the environment's.
    ///
    /// With an `https` base URL a request goes through the proxy as a CONNECT tunnel, which the
    /// proxy cannot read. A plain-`http` base URL with a proxy is refused
    /// ([`BuildError::InsecureProxy`]) unless [`allow_insecure_http`](Self::allow_insecure_http)
    /// accepted clear text.
    ///
    /// ```
    /// let client = agni::Client::builder()
    ///     .api_key("sk_live_example")
    ///     .proxy("http://proxy.internal:3128")
    ///     .build()?;
    /// # Ok::<(), agni::BuildError>(())
    /// ```
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.proxy = ProxyChoice::Explicit(url.into());
        self
    }

    /// Connects directly, ignoring proxy environment variables.
    ///
    /// ```
    /// let client = agni::Client::builder().api_key("sk_live_example").no_proxy().build()?;
    /// # Ok::<(), agni::BuildError>(())
    /// ```
    pub fn no_proxy(mut self) -> Self {
        self.proxy = ProxyChoice::Direct;
        self
    }

    /// Validates the configuration and builds the client. Sends nothing.
    ///
    /// Proxies: with an `https` base URL, the environment's proxy settings apply (`HTTPS_PROXY`,
    /// `ALL_PROXY`, `NO_PROXY`) unless [`proxy`](Self::proxy) or [`no_proxy`](Self::no_proxy)
    /// says otherwise. With a plain-`http` base URL (loopback, or
    /// [`allow_insecure_http`](Self::allow_insecure_http)) the environment is ignored: an
    /// `HTTP_PROXY` would otherwise receive the credentials in clear text.
    ///
    /// ```
    /// let missing = agni::Client::builder().build();
    /// assert!(matches!(missing, Err(agni::BuildError::MissingCredentials)));
    /// let non_ascii = agni::Client::builder().api_key("sk_prøbe").build();
    /// assert!(matches!(non_ascii, Err(agni::BuildError::InvalidApiKey)));
    /// ```
    pub fn build(self) -> Result<Client, BuildError> {
        let given = |value: Option<String>| value.filter(|text| !text.trim().is_empty());
        let (api_key, bearer) = (given(self.api_key), given(self.bearer_token));
        if api_key.is_none() && bearer.is_none() {
            return Err(BuildError::MissingCredentials);
        }
        let api_key = api_key
            .map(|key| credential(&key, "").ok_or(BuildError::InvalidApiKey))
            .transpose()?;
        let bearer = bearer
            .map(|token| credential(&token, "Bearer ").ok_or(BuildError::InvalidBearerToken))
            .transpose()?;

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
        let connect_timeout = self.connect_timeout.unwrap_or(Duration::from_secs(10));
        let mut http = reqwest::Client::builder()
            // A redirect would carry the credentials to wherever it points (reqwest strips only
            // the standard credential headers), so the API client never follows one.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(connect_timeout)
            .default_headers(headers);
        let plain_http = base_url.starts_with("http:");
        http = match self.proxy {
            ProxyChoice::Environment if plain_http => http.no_proxy(),
            ProxyChoice::Environment => http,
            ProxyChoice::Direct => http.no_proxy(),
            ProxyChoice::Explicit(_) if plain_http && !self.allow_insecure_http => {
                return Err(BuildError::InsecureProxy {
                    url: redact_str(&base_url),
                });
            }
            ProxyChoice::Explicit(url) => {
                let proxy = reqwest::Proxy::all(&url).map_err(|_| BuildError::InvalidProxy {
                    url: redact_str(&url),
                })?;
                http.no_proxy().proxy(proxy)
            }
        };
        let http = http.build().map_err(BuildError::Http)?;
        let state = ClientState {
            api_key,
            bearer,
            options: self.options,
            connect_timeout,
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
        url: redact_str(url),
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
                url: redact_str(url),
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

    /// Builds a client from `RAVAN_API_KEY` and/or `RAVAN_BEARER_TOKEN` and, if set,
    /// `AGNI_BASE_URL`.
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
        if let Ok(token) = std::env::var(BEARER_TOKEN_ENV) {
            builder = builder.bearer_token(token);
        }
        if let Ok(url) = std::env::var(BASE_URL_ENV) {
            builder = builder.base_url(url);
        }
        builder.build()
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
    fn credentials_are_validated_and_never_printed() {
        assert!(matches!(
            Client::builder().api_key("  ").build(),
            Err(BuildError::MissingCredentials)
        ));
        for bad in ["bad\nkey", "sk_prøbe", "sk live"] {
            assert!(
                matches!(
                    Client::builder().api_key(bad).build(),
                    Err(BuildError::InvalidApiKey)
                ),
                "{bad:?}"
            );
        }
        assert!(matches!(
            Client::builder().bearer_token("tok\u{7}").build(),
            Err(BuildError::InvalidBearerToken)
        ));
        let client = Client::builder()
            .api_key("sk_secret_123")
            .bearer_token("jwt_secret_456")
            .build()
            .expect("valid");
        for shown in [format!("{client:?}"), format!("{client:#?}")] {
            assert!(!shown.contains("sk_secret_123") && !shown.contains("jwt_secret_456"));
        }
    }

    #[test]
    fn a_proxy_never_sees_credentials_in_clear_text() {
        let plain = || {
            Client::builder()
                .api_key("k")
                .base_url("http://127.0.0.1:9")
        };
        assert!(matches!(
            plain().proxy("http://proxy.example:3128").build(),
            Err(BuildError::InsecureProxy { .. })
        ));
        assert!(
            plain()
                .proxy("http://proxy.example:3128")
                .allow_insecure_http()
                .build()
                .is_ok()
        );
        assert!(
            Client::builder()
                .api_key("k")
                .proxy("http://user:secret@proxy.example:3128")
                .build()
                .is_ok()
        );
        let builder = Client::builder().proxy("http://user:secret@proxy.example:3128");
        assert!(!format!("{builder:?}").contains("secret"));
    }
}
