//! [`SandboxBuilder`]: a sandbox's settings, checked when it starts.

use std::{fmt, io, net::Ipv4Addr, sync::Arc, time::Duration};

use super::{Encoding, FaultRule, Sandbox, Seed, WebhookShape, server, spec, world};

/// Configures a [`Sandbox`]; start it with [`SandboxBuilder::start`].
///
/// ```
/// use std::time::Duration;
/// use agni_sandbox::{Encoding, Sandbox, Seed, WebhookShape};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let sandbox = Sandbox::builder()
///     .api_key("sk_sandbox_demo")
///     .seed(Seed::default())
///     .encoding(Encoding::Protojson)
///     .webhook_shape(WebhookShape::RealDelivery)
///     .latency(Duration::from_millis(5))
///     .start()
///     .await?;
/// assert_eq!(sandbox.api_key(), "sk_sandbox_demo");
/// # Ok(())
/// # }
/// ```
#[must_use = "a builder does nothing until `start` is awaited"]
pub struct SandboxBuilder {
    port: u16,
    api_key: Option<String>,
    bearer_token: Option<String>,
    read_timeout: Duration,
    seed: Seed,
    latency: Duration,
    faults: Vec<(String, FaultRule)>,
    encoding: Encoding,
    webhook_url: Option<String>,
    webhook_shape: WebhookShape,
}

impl fmt::Debug for SandboxBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxBuilder")
            .field("port", &self.port)
            .field("read_timeout", &self.read_timeout)
            .field("latency", &self.latency)
            .field("faults", &self.faults)
            .field("encoding", &self.encoding)
            .field("webhook_url", &self.webhook_url)
            .field("webhook_shape", &self.webhook_shape)
            .finish_non_exhaustive()
    }
}

impl SandboxBuilder {
    /// The defaults: any free port, random credentials, [`Seed::default`], a 10 s read timeout,
    /// [`Encoding::Spec`], documented webhooks, no latency, no faults.
    pub(crate) fn new() -> SandboxBuilder {
        SandboxBuilder {
            port: 0,
            api_key: None,
            bearer_token: None,
            read_timeout: Duration::from_secs(10),
            seed: Seed::default(),
            latency: Duration::ZERO,
            faults: Vec::new(),
            encoding: Encoding::Spec,
            webhook_url: None,
            webhook_shape: WebhookShape::Documented,
        }
    }

    /// The loopback port to listen on (default 0: any free port; see [`Sandbox::base_url`]).
    ///
    /// ```
    /// let builder = agni_sandbox::Sandbox::builder().port(8080);
    /// ```
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// The API key clients must send as `X-Api-Key` (default: a random `sk_sandbox_...`).
    /// It must be printable ASCII without spaces.
    ///
    /// ```
    /// let builder = agni_sandbox::Sandbox::builder().api_key("sk_sandbox_test");
    /// ```
    pub fn api_key(mut self, api_key: impl Into<String>) -> Self {
        self.api_key = Some(api_key.into());
        self
    }

    /// The bearer token (a dashboard JWT on the real service) clients must send as
    /// `Authorization: Bearer` to the operations that take one (default: a random
    /// `jwt_sandbox_...`). It must be printable ASCII without spaces.
    ///
    /// Operations whose `security` in `openapi.yaml` lists only the bearer token (the per-agent
    /// Cal.com operations) refuse the API key; those listing both accept either.
    ///
    /// ```
    /// let builder = agni_sandbox::Sandbox::builder().bearer_token("jwt_sandbox_test");
    /// ```
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        self.bearer_token = Some(token.into());
        self
    }

    /// How long the sandbox waits for a request's headers, and then for its body, before it
    /// gives up (default 10 s): headers that are late close the connection, a body that is late
    /// gets a `408`. A client that trickles a request in cannot hold a connection open forever.
    ///
    /// ```
    /// let builder = agni_sandbox::Sandbox::builder()
    ///     .read_timeout(std::time::Duration::from_secs(2));
    /// ```
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// The state to start from (default [`Seed::default`]).
    ///
    /// ```
    /// let builder = agni_sandbox::Sandbox::builder().seed(agni_sandbox::Seed::default());
    /// ```
    pub fn seed(mut self, seed: Seed) -> Self {
        self.seed = seed;
        self
    }

    /// Delay every answer by this much (default none).
    ///
    /// ```
    /// let builder = agni_sandbox::Sandbox::builder()
    ///     .latency(std::time::Duration::from_millis(50));
    /// ```
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Injects `fault` into requests for `route`: an operationId such as `"CreateCall"`, or
    /// `"*"` for every request (including those matching no route). Faults are tried in the
    /// order added; every matching [`Fault::Latency`](crate::Fault::Latency) adds its delay,
    /// and the first other matching fault answers the request. [`SandboxBuilder::start`]
    /// refuses an unknown operationId.
    ///
    /// ```
    /// use agni_sandbox::{Fault, Sandbox};
    /// let builder = Sandbox::builder()
    ///     .fault("BuyPhoneNumber", Fault::DropConnection.times(1))
    ///     .fault("ListAgents", Fault::Status(503));
    /// ```
    pub fn fault(mut self, route: impl Into<String>, fault: impl Into<FaultRule>) -> Self {
        self.faults.push((route.into(), fault.into()));
        self
    }

    /// How responses are encoded (default [`Encoding::Spec`]).
    ///
    /// ```
    /// let builder = agni_sandbox::Sandbox::builder().encoding(agni_sandbox::Encoding::Protojson);
    /// ```
    pub fn encoding(mut self, encoding: Encoding) -> Self {
        self.encoding = encoding;
        self
    }

    /// Also `POST` every after-call webhook to this URL (retried on non-2xx answers). Events
    /// are queued for [`Sandbox::next_webhook`] either way.
    ///
    /// ```
    /// let builder = agni_sandbox::Sandbox::builder()
    ///     .webhook_url("http://127.0.0.1:3000/agni/after-call");
    /// ```
    pub fn webhook_url(mut self, url: impl Into<String>) -> Self {
        self.webhook_url = Some(url.into());
        self
    }

    /// The shape of after-call webhooks (default [`WebhookShape::Documented`]).
    ///
    /// ```
    /// let builder = agni_sandbox::Sandbox::builder()
    ///     .webhook_shape(agni_sandbox::WebhookShape::RealDelivery);
    /// ```
    pub fn webhook_shape(mut self, shape: WebhookShape) -> Self {
        self.webhook_shape = shape;
        self
    }

    /// Binds `127.0.0.1` and starts serving on a thread of its own. Fails if the port is taken,
    /// the API key, bearer token or webhook URL is invalid, the read timeout is zero, or a fault
    /// names an unknown operation.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let sandbox = agni_sandbox::Sandbox::builder().start().await?;
    /// assert!(sandbox.base_url().starts_with("http://127.0.0.1:"));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn start(self) -> io::Result<Sandbox> {
        let invalid = |message: String| io::Error::new(io::ErrorKind::InvalidInput, message);
        let spec = spec::Spec::get().map_err(io::Error::other)?;
        let api_key = self.api_key.unwrap_or_else(|| random_secret("sk_sandbox_"));
        let bearer_token = self
            .bearer_token
            .unwrap_or_else(|| random_secret("jwt_sandbox_"));
        for (what, secret) in [("API key", &api_key), ("bearer token", &bearer_token)] {
            if secret.is_empty() || !secret.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(invalid(format!(
                    "the sandbox {what} must be printable ASCII without spaces"
                )));
            }
        }
        if self.read_timeout.is_zero() {
            return Err(invalid("the read timeout must be more than zero".into()));
        }
        for (route, _) in &self.faults {
            if route != "*" && spec.operation(route).is_none() {
                return Err(invalid(format!(
                    "fault for unknown operation {route:?} (use an operationId such as \"CreateCall\", or \"*\")"
                )));
            }
        }
        let webhook_url = match self.webhook_url {
            Some(url) => {
                let parsed = reqwest::Url::parse(&url)
                    .map_err(|e| invalid(format!("invalid webhook URL {url:?}: {e}")))?;
                if !matches!(parsed.scheme(), "http" | "https") {
                    return Err(invalid(format!("the webhook URL {url:?} is not http(s)")));
                }
                Some(parsed)
            }
            None => None,
        };
        let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, self.port))?;
        let addr = listener.local_addr()?;
        let base_url = format!("http://{addr}");
        let config = server::Config {
            api_key: api_key.clone(),
            bearer_token: bearer_token.clone(),
            read_timeout: self.read_timeout,
            encoding: self.encoding,
            latency: self.latency,
            webhook_url,
            webhook_shape: self.webhook_shape,
        };
        let faults = self
            .faults
            .into_iter()
            .map(|(route, rule)| server::Armed {
                route,
                fault: rule.fault,
                remaining: rule.times,
            })
            .collect();
        let shared = Arc::new(server::Shared::new(
            spec,
            world::World::new(self.seed, &base_url),
            config,
            faults,
        )?);
        let running = server::launch(Arc::clone(&shared), listener)?;
        Ok(Sandbox {
            shared,
            addr,
            base_url,
            api_key,
            bearer_token,
            running: Some(running),
        })
    }
}

/// `prefix` and 32 random hex digits.
fn random_secret(prefix: &str) -> String {
    let mut secret = String::from(prefix);
    for _ in 0..32 {
        secret.push(char::from_digit(fastrand::u32(0..16), 16).unwrap_or('0'));
    }
    secret
}
