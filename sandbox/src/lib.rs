#![doc = include_str!("../README.md")]

mod api;
mod builder;
mod multipart;
mod schema;
mod server;
mod spec;
mod world;

use std::{fmt, io, net::SocketAddr, sync::Arc, time::Duration};

use serde_json::Value;

pub use api::WebhookShape;
pub use builder::SandboxBuilder;
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
        SandboxBuilder::new()
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
