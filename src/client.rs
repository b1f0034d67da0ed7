//! Client configuration: building a [`Client`] from code or the environment, the credentials
//! it carries (never printed), and the per-request [`Options`] that retries and timeouts read.

use std::{fmt, time::Duration};

use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue, USER_AGENT};

use crate::{Client, RetryPolicy, call::Credential};

/// Where the Agni API lives.
pub const DEFAULT_BASE_URL: &str = "https://api.ravan.ai";
/// Environment variable holding the API key read by [`Client::from_env`].
pub const API_KEY_ENV: &str = "RAVAN_API_KEY";
/// Environment variable holding the bearer token (a JWT) read by [`Client::from_env`].
pub const BEARER_TOKEN_ENV: &str = "RAVAN_BEARER_TOKEN";
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
    /// Neither an API key nor a bearer token was given (or `RAVAN_API_KEY` and
    /// `RAVAN_BEARER_TOKEN` are unset or empty).
    #[error(
        "no credentials: call `.api_key(..)` or `.bearer_token(..)`, or set {API_KEY_ENV} or \
         {BEARER_TOKEN_ENV}"
    )]
    MissingCredentials,
    /// The API key cannot be sent as an HTTP header (control characters, non-ASCII bytes).
    #[error("the API key contains characters that cannot be sent in an HTTP header")]
    InvalidApiKey,
    /// The bearer token cannot be sent as an HTTP header (control characters, non-ASCII bytes).
    #[error("the bearer token contains characters that cannot be sent in an HTTP header")]
    InvalidBearerToken,
    /// The base URL does not parse, or cannot serve as a base (no host, has a query).
    #[error("invalid base URL {url:?}: {reason}")]
    InvalidBaseUrl {
        /// The URL as given.
        url: String,
        /// Why it was refused.
        reason: &'static str,
    },
    /// The base URL is plain `http` to a host that is not loopback, which would send the
    /// credentials in clear text. Use `https`, or opt out with
    /// [`ClientBuilder::allow_insecure_http`].
    #[error("refusing to send credentials over plain http to {url:?}; use https")]
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

/// Per-client state that every request reads through the hooks: the credentials and the
/// options.
///
/// It is opaque: build a [`Client`] with [`Client::builder`] or [`Client::from_env`].
/// Its `Debug` output never contains the API key or the bearer token.
#[derive(Clone)]
pub struct ClientState {
    /// `X-Api-Key`'s value, marked sensitive.
    api_key: Option<HeaderValue>,
    /// `Authorization: Bearer <token>`'s value, marked sensitive.
    bearer: Option<HeaderValue>,
    options: Options,
}

impl ClientState {
    /// Adds to a request bound for the Agni API the first of `accepted` this client holds (see
    /// [`Credential`]); nothing if `accepted` is empty. Fails, naming `operation` and how to
    /// configure what it needs, if the client holds none of them.
    pub(crate) fn authenticate(
        &self,
        request: &mut reqwest::Request,
        accepted: &[Credential],
        operation: &str,
    ) -> Result<(), String> {
        for credential in accepted {
            let header = match credential {
                Credential::ApiKey => self.api_key.clone().map(|key| (API_KEY_HEADER, key)),
                Credential::Bearer => self
                    .bearer
                    .clone()
                    .map(|token| (AUTHORIZATION.as_str(), token)),
                Credential::Anonymous => return Ok(()),
            };
            if let Some((name, value)) = header {
                request.headers_mut().insert(name, value);
                return Ok(());
            }
        }
        if accepted.is_empty() {
            return Ok(());
        }
        let key = format!("an API key: call `.api_key(..)` or set {API_KEY_ENV}");
        let token = format!("a bearer token: call `.bearer_token(..)` or set {BEARER_TOKEN_ENV}");
        let needs = match (
            accepted.contains(&Credential::ApiKey),
            accepted.contains(&Credential::Bearer),
        ) {
            (true, true) => format!("{key}, or {token}"),
            (true, false) => key,
            (false, _) => token,
        };
        Err(format!("{operation} needs {needs}"))
    }
}

impl fmt::Debug for ClientState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |value: &Option<HeaderValue>| value.as_ref().map(|_| "<redacted>");
        f.debug_struct("ClientState")
            .field("api_key", &redacted(&self.api_key))
            .field("bearer_token", &redacted(&self.bearer))
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
    bearer_token: Option<String>,
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
            .field(
                "bearer_token",
                &self.bearer_token.as_ref().map(|_| "<redacted>"),
            )
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

    /// Sets the bearer token (a JWT access token) sent as `Authorization: Bearer <token>` to the
    /// operations whose docs ask for one instead of the API key: the Cal.com agent operations
    /// (`get_agent_calcom_info`, `get_agent_calcom_status`, `assign_calcom_account_to_agent`),
    /// and, when the client has it, the Cal.com appointment and disconnect operations. Each
    /// operation sends the credential its `security` names; one that needs a token the client
    /// does not hold fails with [`Error::InvalidRequest`](crate::Error::InvalidRequest) before
    /// anything is sent. A client needs an API key, a bearer token or both.
    ///
    /// ```
    /// let client = agni::Client::builder()
    ///     .api_key("sk_live_example")
    ///     .bearer_token("eyJhbGciOiJIUzI1NiJ9.example")
    ///     .build()?;
    /// assert!(!format!("{client:?}").contains("eyJhbGciOiJIUzI1NiJ9"));
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

    /// Validates the configuration and builds the client. Sends nothing.
    ///
    /// ```
    /// let missing = agni::Client::builder().build();
    /// assert!(matches!(missing, Err(agni::BuildError::MissingCredentials)));
    /// ```
    pub fn build(self) -> Result<Client, BuildError> {
        let api_key = sensitive_header(self.api_key, "", BuildError::InvalidApiKey)?;
        let bearer =
            sensitive_header(self.bearer_token, "Bearer ", BuildError::InvalidBearerToken)?;
        if api_key.is_none() && bearer.is_none() {
            return Err(BuildError::MissingCredentials);
        }

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
            bearer,
            options: self.options,
        };
        Ok(Client::new_with_client(&base_url, http, state))
    }
}

/// A credential as a header value: `None` if absent or blank, `invalid` if it cannot be sent
/// (control characters, non-ASCII bytes). The value is marked sensitive, so reqwest and http
/// print it as "Sensitive" in Debug output.
fn sensitive_header(
    credential: Option<String>,
    prefix: &str,
    invalid: BuildError,
) -> Result<Option<HeaderValue>, BuildError> {
    let Some(credential) = credential.filter(|c| !c.trim().is_empty()) else {
        return Ok(None);
    };
    // `HeaderValue` takes any byte above 0x7f; a credential is printable ASCII or a mistake.
    if !credential
        .bytes()
        .all(|b| b.is_ascii_graphic() || b == b' ')
    {
        return Err(invalid);
    }
    let mut value = HeaderValue::from_str(&format!("{prefix}{credential}")).map_err(|_| invalid)?;
    value.set_sensitive(true);
    Ok(Some(value))
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

    /// Builds a client from `RAVAN_API_KEY` and/or `RAVAN_BEARER_TOKEN` (at least one) and, if
    /// set, `AGNI_BASE_URL`.
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
            Err(BuildError::MissingCredentials)
        ));
        assert!(matches!(
            Client::builder().api_key("bad\nkey").build(),
            Err(BuildError::InvalidApiKey)
        ));
        assert!(matches!(
            Client::builder().api_key("clé").build(),
            Err(BuildError::InvalidApiKey)
        ));
        let client = Client::builder()
            .api_key("sk_secret_123")
            .build()
            .expect("valid");
        assert!(!format!("{client:?}").contains("sk_secret_123"));
        assert!(!format!("{client:#?}").contains("sk_secret_123"));
    }

    #[test]
    fn bearer_token_is_validated_and_never_printed() {
        assert!(matches!(
            Client::builder().bearer_token("bad\u{7f}token").build(),
            Err(BuildError::InvalidBearerToken)
        ));
        assert!(matches!(
            Client::builder().bearer_token("é").build(),
            Err(BuildError::InvalidBearerToken)
        ));
        let builder = Client::builder().bearer_token("jwt_secret_456");
        assert!(!format!("{builder:?}").contains("jwt_secret_456"));
        let client = builder.build().expect("a token alone is enough");
        assert!(!format!("{client:?}").contains("jwt_secret_456"));
        assert!(!format!("{client:#?}").contains("jwt_secret_456"));
    }

    fn request() -> reqwest::Request {
        reqwest::Request::new(
            reqwest::Method::GET,
            "https://api.ravan.ai/x".parse().expect("a URL"),
        )
    }

    #[test]
    fn each_operation_gets_the_first_credential_it_accepts() {
        let both = ClientState {
            api_key: sensitive_header(Some("k".into()), "", BuildError::InvalidApiKey).unwrap(),
            bearer: sensitive_header(Some("t".into()), "Bearer ", BuildError::InvalidBearerToken)
                .unwrap(),
            options: Options::default(),
        };
        let headers = |state: &ClientState, accepted: &[Credential]| {
            let mut request = request();
            state.authenticate(&mut request, accepted, "op").map(|()| {
                let get = |name: &str| {
                    request
                        .headers()
                        .get(name)
                        .map(|v| v.to_str().unwrap_or("").to_owned())
                };
                (get(API_KEY_HEADER), get("authorization"))
            })
        };
        let key = (Some("k".to_owned()), None);
        let token = (None, Some("Bearer t".to_owned()));
        assert_eq!(headers(&both, &[Credential::ApiKey]), Ok(key.clone()));
        assert_eq!(
            headers(&both, &[Credential::Bearer, Credential::ApiKey]),
            Ok(token.clone())
        );
        assert_eq!(headers(&both, &[]), Ok((None, None)));

        let key_only = ClientState {
            bearer: None,
            ..both.clone()
        };
        assert_eq!(
            headers(&key_only, &[Credential::Bearer, Credential::ApiKey]),
            Ok(key)
        );
        assert_eq!(
            headers(&key_only, &[Credential::Bearer, Credential::Anonymous]),
            Ok((None, None))
        );
        let error = headers(&key_only, &[Credential::Bearer]).unwrap_err();
        assert_eq!(
            error,
            "op needs a bearer token: call `.bearer_token(..)` or set RAVAN_BEARER_TOKEN"
        );
        let token_only = ClientState {
            api_key: None,
            ..both
        };
        assert_eq!(headers(&token_only, &[Credential::Bearer]), Ok(token));
        let error = headers(&token_only, &[Credential::ApiKey]).unwrap_err();
        assert!(error.contains("RAVAN_API_KEY"), "{error}");
    }
}
