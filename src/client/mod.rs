//! Client configuration: [`ClientBuilder`] (code or environment), the credentials a client
//! carries and never prints ([`ClientState`]), and the [`Options`] each request runs with.

mod builder;
mod options;
mod state;

pub(crate) use builder::is_loopback;
pub use builder::{BuildError, ClientBuilder};
pub use options::Options;
pub use state::ClientState;

use crate::Client;

/// Where the Agni API lives.
pub const DEFAULT_BASE_URL: &str = "https://api.ravan.ai";
/// Environment variable holding the API key read by [`Client::from_env`].
pub const API_KEY_ENV: &str = "RAVAN_API_KEY";
/// Environment variable holding the bearer token (a dashboard JWT) read by [`Client::from_env`].
pub const BEARER_TOKEN_ENV: &str = "RAVAN_BEARER_TOKEN";
/// Environment variable that overrides the base URL in [`Client::from_env`].
pub const BASE_URL_ENV: &str = "AGNI_BASE_URL";
/// The header Agni reads the API key from.
pub const API_KEY_HEADER: &str = "X-Api-Key";

impl Client {
    /// The options requests from this client run with.
    ///
    /// ```
    /// let client = agni::Client::builder().api_key("k").build()?;
    /// assert_eq!(client.options(), &agni::Options::default());
    /// # Ok::<(), agni::BuildError>(())
    /// ```
    pub fn options(&self) -> &Options {
        self.state().options()
    }

    /// A cheap copy of this client with changed options, sharing its connection pool: for
    /// requests that need a longer timeout, must not be retried, or carry an extra header or
    /// query parameter.
    ///
    /// ```
    /// # async fn run(client: &agni::Client) -> Result<(), agni::Error> {
    /// use agni::prelude::*;
    /// let traced = client.with_options(|o| {
    ///     o.retry = agni::RetryPolicy::none();
    ///     o.headers.insert("x-trace-id", "abc123".parse().expect("valid header value"));
    ///     o.query.push(("debug".into(), "1".into()));
    /// });
    /// traced.health_check().send().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_options(&self, change: impl FnOnce(&mut Options)) -> Client {
        let mut state = self.state().clone();
        change(&mut state.options);
        Client::new_with_client(self.baseurl(), self.http().clone(), state)
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

    /// The credentials and options every request reads.
    pub(crate) fn state(&self) -> &ClientState {
        progenitor_client::ClientInfo::inner(self)
    }

    /// The underlying HTTP client (shared connection pool).
    pub(crate) fn http(&self) -> &reqwest::Client {
        progenitor_client::ClientInfo::client(self)
    }
}
