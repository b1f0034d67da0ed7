#![doc = include_str!("../README.md")]

mod api;
mod multipart;
mod schema;
mod server;
mod spec;
mod world;

use std::{
    fmt, io,
    net::{Ipv4Addr, SocketAddr},
    sync::Arc,
    time::Duration,
};

use serde_json::Value;

pub use api::WebhookShape;
pub use world::Seed;

use agni::Client;

/// How the sandbox writes its JSON responses.
///
/// ```
/// let builder = agni_sandbox::Sandbox::builder().encoding(agni_sandbox::Encoding::Protojson);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    /// As `openapi.yaml` spells each response, numbers as numbers.
    #[default]
    Spec,
    /// As the real service (a gRPC gateway) writes them: lowerCamelCase for agents, tools,
    /// widget settings and campaigns, and 64-bit integers and costs as JSON strings.
    Protojson,
}

/// A misbehaviour to inject, before the request reaches the state (so a faulted request
/// changes nothing). Faults fire every time unless limited with [`Fault::times`].
///
/// ```
/// use std::time::Duration;
/// use agni_sandbox::{Fault, Sandbox};
///
/// let builder = Sandbox::builder()
///     // The first CreateCall is rate limited, the next ones succeed.
///     .fault("CreateCall", Fault::RateLimited { retry_after: Some(Duration::from_secs(1)) }.times(1))
///     // Every request is slow.
///     .fault("*", Fault::Latency(Duration::from_millis(20)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// 429 with the gRPC body `{"code": 8, ...}`, and a `Retry-After` header (whole seconds,
    /// rounded up) when given.
    RateLimited {
        /// The `Retry-After` to send, if any.
        retry_after: Option<Duration>,
    },
    /// This error status, with the upstream body shape for it (gRPC status for 400 and 401,
    /// the envelope otherwise).
    Status(u16),
    /// Wait this long, then handle the request normally.
    Latency(Duration),
    /// Close the connection without answering: the client sees a connection error after
    /// sending its request.
    DropConnection,
}

impl Fault {
    /// This fault for the next `n` matching requests only.
    ///
    /// ```
    /// let once = agni_sandbox::Fault::Status(503).times(1);
    /// ```
    pub fn times(self, n: u32) -> FaultRule {
        FaultRule {
            fault: self,
            times: Some(n),
        }
    }
}

/// A [`Fault`] and how many more requests it applies to (every one, unless built with
/// [`Fault::times`]). `Fault` converts into it, so [`SandboxBuilder::fault`] takes either.
///
/// ```
/// use agni_sandbox::{Fault, FaultRule};
/// let always: FaultRule = Fault::DropConnection.into();
/// let twice: FaultRule = Fault::Status(500).times(2);
/// assert_ne!(always, twice);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRule {
    fault: Fault,
    times: Option<u32>,
}

impl From<Fault> for FaultRule {
    fn from(fault: Fault) -> Self {
        FaultRule { fault, times: None }
    }
}

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
    /// order added; every matching [`Fault::Latency`] adds its delay, and the first other
    /// matching fault answers the request. [`SandboxBuilder::start`] refuses an unknown
    /// operationId.
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

/// A running sandbox: an in-memory Agni API on `127.0.0.1`. Dropping it stops the server and
/// closes its port before `drop` returns.
///
/// ```
/// use agni::prelude::*;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let sandbox = agni_sandbox::Sandbox::start().await?;
/// let health = sandbox.client().health_check().send().await?;
/// println!("{} serves {health:?}", sandbox.base_url());
/// # Ok(())
/// # }
/// ```
pub struct Sandbox {
    shared: Arc<server::Shared>,
    addr: SocketAddr,
    base_url: String,
    api_key: String,
    bearer_token: String,
    running: Option<server::Running>,
}

impl fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sandbox")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl Sandbox {
    /// Starts a sandbox with the defaults: any free port, a random key, [`Seed::default`],
    /// [`Encoding::Spec`], no faults.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use agni::prelude::*;
    ///
    /// let sandbox = agni_sandbox::Sandbox::start().await?;
    /// let client = sandbox.client();
    /// let created = client
    ///     .create_agent()
    ///     .body(agni::types::CreateAgentRequest {
    ///         agent_name: Some("Maya".into()),
    ///         ..Default::default()
    ///     })
    ///     .send()
    ///     .await?;
    /// let fetched = client.get_agent().id(&created.data.id).send().await?;
    /// assert_eq!(fetched.data.agent_name.as_deref(), Some("Maya"));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn start() -> io::Result<Sandbox> {
        Sandbox::builder().start().await
    }

    /// Configures a sandbox.
    ///
    /// ```
    /// let builder = agni_sandbox::Sandbox::builder().port(0);
    /// ```
    pub fn builder() -> SandboxBuilder {
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

    /// `http://127.0.0.1:<port>`, with no trailing slash.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let sandbox = agni_sandbox::Sandbox::start().await?;
    /// let health = reqwest::get(format!("{}/health", sandbox.base_url())).await;
    /// # Ok(())
    /// # }
    /// ```
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The address the sandbox listens on.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let sandbox = agni_sandbox::Sandbox::start().await?;
    /// assert!(sandbox.local_addr().ip().is_loopback());
    /// # Ok(())
    /// # }
    /// ```
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The key clients must send as `X-Api-Key`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let sandbox = agni_sandbox::Sandbox::start().await?;
    /// assert!(sandbox.api_key().starts_with("sk_sandbox_"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    /// The token clients must send as `Authorization: Bearer` where an operation takes one.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let sandbox = agni_sandbox::Sandbox::start().await?;
    /// assert!(sandbox.bearer_token().starts_with("jwt_sandbox_"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn bearer_token(&self) -> &str {
        &self.bearer_token
    }

    /// A [`Client`] with the default settings (retries included), pointed at this sandbox
    /// with its key and its bearer token, so every operation works. For other settings, build
    /// one from [`Sandbox::base_url`], [`Sandbox::api_key`] and [`Sandbox::bearer_token`].
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let sandbox = agni_sandbox::Sandbox::start().await?;
    /// assert_eq!(sandbox.client().baseurl(), sandbox.base_url());
    /// let impatient = agni::Client::builder()
    ///     .base_url(sandbox.base_url())
    ///     .api_key(sandbox.api_key())
    ///     .retry(agni::RetryPolicy::none())
    ///     .build()?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn client(&self) -> Client {
        Client::builder()
            .base_url(&self.base_url)
            .api_key(&self.api_key)
            .bearer_token(&self.bearer_token)
            .build()
            .expect("a loopback URL and printable credentials always build a client")
    }

    /// Ends a call now, as if the caller hung up, and emits its after-call webhook. Returns
    /// `false` if no call with this session id is in progress.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let sandbox = agni_sandbox::Sandbox::start().await?;
    /// assert!(!sandbox.end_call("no-such-session"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn end_call(&self, session_id: &str) -> bool {
        let runtime = self.running.as_ref().map(server::Running::runtime);
        self.shared.end_call(session_id, runtime)
    }

    /// How many HTTP requests reached the sandbox, whatever their outcome (faulted, rejected
    /// or answered). Each retry of the client is one more.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use agni::prelude::*;
    /// let sandbox = agni_sandbox::Sandbox::start().await?;
    /// sandbox.client().list_agents().send().await?;
    /// assert_eq!(sandbox.requests_served(), 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn requests_served(&self) -> u64 {
        self.shared.requests_served()
    }

    /// How many requests matched this operationId (e.g. `"CreateCall"`), whatever their
    /// outcome.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use agni::prelude::*;
    /// let sandbox = agni_sandbox::Sandbox::start().await?;
    /// sandbox.client().list_agents().send().await?;
    /// assert_eq!(sandbox.requests_for("ListAgents"), 1);
    /// assert_eq!(sandbox.requests_for("CreateCall"), 0);
    /// # Ok(())
    /// # }
    /// ```
    pub fn requests_for(&self, operation: &str) -> u64 {
        self.shared.requests_for(operation)
    }

    /// Waits for the next after-call webhook event (in the configured [`WebhookShape`]) and
    /// returns its JSON body. Events are queued from the start (the oldest are dropped past
    /// 1,024), whether or not a webhook URL is configured; parse one with
    /// [`agni_webhooks::CallCompleted::from_value`].
    ///
    /// ```no_run
    /// # async fn run(sandbox: &agni_sandbox::Sandbox) -> Result<(), Box<dyn std::error::Error>> {
    /// let event = agni_webhooks::CallCompleted::from_value(sandbox.next_webhook().await)?;
    /// println!("call {} ended", event.dedup_key());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn next_webhook(&self) -> Value {
        self.shared.next_webhook().await
    }

    /// [`Sandbox::next_webhook`], giving up after `timeout`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use std::time::Duration;
    /// let sandbox = agni_sandbox::Sandbox::start().await?;
    /// assert!(sandbox.next_webhook_timeout(Duration::from_millis(10)).await.is_none());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn next_webhook_timeout(&self, timeout: Duration) -> Option<Value> {
        tokio::time::timeout(timeout, self.shared.next_webhook())
            .await
            .ok()
    }

    /// Stops the server and waits until it has: the port is closed, requests in flight were
    /// given up to two seconds to finish, and webhook deliveries still retrying are abandoned.
    /// Dropping the sandbox does the same without the wait for requests in flight.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let sandbox = agni_sandbox::Sandbox::start().await?;
    /// let addr = sandbox.local_addr();
    /// sandbox.shutdown().await;
    /// assert!(tokio::net::TcpStream::connect(addr).await.is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn shutdown(mut self) {
        if let Some(running) = self.running.take() {
            running.stop_and_wait().await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(running) = self.running.take() {
            running.stop();
        }
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
