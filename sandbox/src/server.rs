//! The sandbox's HTTP edge: accept loop, routing, authentication, validation, faults, encoding,
//! and webhook delivery. The state lives in `world`, behind one mutex never held across an
//! `.await`.
//!
//! The server runs on a thread of its own with a single-threaded tokio runtime, so it serves
//! whatever runtime (or none) the caller uses, and dropping the [`Sandbox`](super::Sandbox) can
//! close the port synchronously. Connections are served by hyper directly (not `axum::serve`)
//! so that a handler can abort its connection without answering ([`Fault::DropConnection`]),
//! with hyper's own header-read timeout: a client that trickles its headers in is cut off after
//! [`Config::read_timeout`] (its body gets the same time, in `answer`).

mod answer;
mod reply;

use std::{
    collections::{HashMap, VecDeque},
    io,
    sync::{
        Arc, Mutex, MutexGuard, PoisonError,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use axum::body::Body;
use http::{HeaderValue, Request, Response};
use hyper::body::Incoming;
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    server::graceful::GracefulShutdown,
};
use serde_json::Value;
use tokio::{net::TcpListener, runtime::Handle, sync::Notify};

use super::{Encoding, Fault, WebhookShape, spec::Spec, world::World};

/// The largest request body read (a knowledge-base upload is the biggest legitimate one).
pub(crate) const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;
/// After-call events kept for `next_webhook`; older ones are dropped.
const WEBHOOK_QUEUE: usize = 1024;
/// Delivery attempts per webhook, and the first wait between them (doubling).
const WEBHOOK_ATTEMPTS: u32 = 5;
const WEBHOOK_BACKOFF: Duration = Duration::from_millis(200);
/// How long a shutdown waits for requests in flight.
const GRACE: Duration = Duration::from_secs(2);

/// Fixed settings of one sandbox.
pub(crate) struct Config {
    pub api_key: String,
    pub bearer_token: String,
    /// How long headers, and then a body, may take to arrive.
    pub read_timeout: Duration,
    pub encoding: Encoding,
    pub latency: Duration,
    pub webhook_url: Option<reqwest::Url>,
    pub webhook_shape: WebhookShape,
}

/// A configured fault and how many more times it fires (`None`: always).
#[derive(Debug)]
pub(crate) struct Armed {
    pub route: String,
    pub fault: Fault,
    pub remaining: Option<u32>,
}

/// Everything the connection tasks and the [`Sandbox`](super::Sandbox) handle share.
pub(crate) struct Shared {
    spec: &'static Spec,
    world: Mutex<World>,
    config: Config,
    faults: Mutex<Vec<Armed>>,
    requests: AtomicU64,
    per_operation: Mutex<HashMap<String, u64>>,
    webhooks: Mutex<VecDeque<Value>>,
    webhook_arrived: Notify,
    http: reqwest::Client,
}

/// The server thread, as seen from the handle.
pub(crate) struct Running {
    runtime: Handle,
    shutdown: tokio::sync::oneshot::Sender<()>,
    /// Signalled once the listener is closed (in a mutex only so the handle is `Sync`).
    closed: Mutex<std::sync::mpsc::Receiver<()>>,
    /// Signalled once the thread's runtime is gone.
    finished: tokio::sync::oneshot::Receiver<()>,
}

/// Why a request got no answer: hyper closes the connection when the service fails.
#[derive(Debug)]
pub(crate) struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by an injected fault")
    }
}

impl std::error::Error for Dropped {}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    pub fn new(
        spec: &'static Spec,
        world: World,
        config: Config,
        faults: Vec<Armed>,
    ) -> io::Result<Shared> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .user_agent("agni-sandbox-webhooks")
            .build()
            .map_err(io::Error::other)?;
        Ok(Shared {
            spec,
            world: Mutex::new(world),
            config,
            faults: Mutex::new(faults),
            requests: AtomicU64::new(0),
            per_operation: Mutex::new(HashMap::new()),
            webhooks: Mutex::new(VecDeque::new()),
            webhook_arrived: Notify::new(),
            http,
        })
    }

    pub fn requests_served(&self) -> u64 {
        self.requests.load(Ordering::SeqCst)
    }

    pub fn requests_for(&self, operation: &str) -> u64 {
        lock(&self.per_operation)
            .get(operation)
            .copied()
            .unwrap_or(0)
    }

    /// Ends a call and delivers its webhook; `runtime` runs the HTTP delivery, if any.
    pub fn end_call(&self, session_id: &str, runtime: Option<&Handle>) -> bool {
        let (ended, events) = {
            let mut world = lock(&self.world);
            let ended = world.end_call(session_id);
            (ended, self.collect_webhooks(&mut world))
        };
        self.deliver(events, runtime);
        ended
    }

    pub async fn next_webhook(&self) -> Value {
        loop {
            let arrived = self.webhook_arrived.notified();
            tokio::pin!(arrived);
            arrived.as_mut().enable();
            if let Some(event) = lock(&self.webhooks).pop_front() {
                return event;
            }
            arrived.await;
        }
    }

    /// The after-call bodies of every call that ended since the last look.
    fn collect_webhooks(&self, world: &mut World) -> Vec<Value> {
        world
            .take_ended_calls()
            .iter()
            .filter_map(|id| world.after_call_payload(id, self.config.webhook_shape))
            .collect()
    }

    /// Queues `events` for `next_webhook` and posts them to the webhook URL, if any.
    fn deliver(&self, events: Vec<Value>, runtime: Option<&Handle>) {
        if events.is_empty() {
            return;
        }
        if let (Some(url), Some(runtime)) = (&self.config.webhook_url, runtime) {
            for event in &events {
                runtime.spawn(post_webhook(self.http.clone(), url.clone(), event.clone()));
            }
        }
        {
            let mut queue = lock(&self.webhooks);
            for event in events {
                if queue.len() == WEBHOOK_QUEUE {
                    queue.pop_front();
                }
                queue.push_back(event);
            }
        }
        self.webhook_arrived.notify_waiters();
    }

    /// The fault this request gets: every matching latency is summed; the first other
    /// matching fault ends the search. Counts are spent as faults fire.
    fn faults_for(&self, operation: Option<&str>) -> (Duration, Option<Fault>) {
        let mut delay = Duration::ZERO;
        let mut faults = lock(&self.faults);
        for armed in faults.iter_mut() {
            let applies = armed.route == "*" || Some(armed.route.as_str()) == operation;
            if !applies || armed.remaining == Some(0) {
                continue;
            }
            if let Some(remaining) = &mut armed.remaining {
                *remaining -= 1;
            }
            match &armed.fault {
                Fault::Latency(extra) => delay += *extra,
                other => return (delay, Some(other.clone())),
            }
        }
        (delay, None)
    }
}

/// POSTs one event, retrying non-2xx answers and connection failures with a doubling wait.
async fn post_webhook(http: reqwest::Client, url: reqwest::Url, event: Value) {
    let mut wait = WEBHOOK_BACKOFF;
    for attempt in 1..=WEBHOOK_ATTEMPTS {
        let sent = http.post(url.clone()).json(&event).send().await;
        if sent.is_ok_and(|response| response.status().is_success()) {
            return;
        }
        if attempt < WEBHOOK_ATTEMPTS {
            tokio::time::sleep(wait).await;
            wait *= 2;
        }
    }
}

/// Starts the server thread on `listener`.
pub(crate) fn launch(shared: Arc<Shared>, listener: std::net::TcpListener) -> io::Result<Running> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    listener.set_nonblocking(true)?;
    let listener = {
        let _context = runtime.enter();
        TcpListener::from_std(listener)?
    };
    let handle = runtime.handle().clone();
    let (shutdown_tx, shutdown_rx) = tokio::sync::oneshot::channel();
    let (closed_tx, closed_rx) = std::sync::mpsc::channel();
    let (finished_tx, finished_rx) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("agni-sandbox".into())
        .spawn(move || {
            runtime.block_on(serve(shared, listener, shutdown_rx, closed_tx));
            drop(runtime);
            let _ = finished_tx.send(());
        })?;
    Ok(Running {
        runtime: handle,
        shutdown: shutdown_tx,
        closed: Mutex::new(closed_rx),
        finished: finished_rx,
    })
}

impl Running {
    pub fn runtime(&self) -> &Handle {
        &self.runtime
    }

    /// Asks the server to stop and blocks until its port is closed (milliseconds: the
    /// server thread never waits on the caller).
    pub fn stop(self) {
        let _ = self.shutdown.send(());
        let _ = lock(&self.closed).recv_timeout(Duration::from_secs(5));
    }

    /// Asks the server to stop and waits until its thread is done.
    pub async fn stop_and_wait(self) {
        let _ = self.shutdown.send(());
        let _ = self.finished.await;
    }
}

async fn serve(
    shared: Arc<Shared>,
    listener: TcpListener,
    mut shutdown: tokio::sync::oneshot::Receiver<()>,
    closed: std::sync::mpsc::Sender<()>,
) {
    let graceful = GracefulShutdown::new();
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    // Out of file descriptors, say: let the condition pass.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                let read_timeout = shared.config.read_timeout;
                let shared = Arc::clone(&shared);
                let service = hyper::service::service_fn(move |request| {
                    serve_request(Arc::clone(&shared), request)
                });
                let connection = hyper::server::conn::http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(read_timeout)
                    .serve_connection(TokioIo::new(stream), service);
                let connection = graceful.watch(connection);
                tokio::spawn(async move {
                    let _ = connection.await;
                });
            }
        }
    }
    drop(listener);
    let _ = closed.send(());
    let _ = tokio::time::timeout(GRACE, graceful.shutdown()).await;
}

async fn serve_request(
    shared: Arc<Shared>,
    request: Request<Incoming>,
) -> Result<Response<Body>, Dropped> {
    shared.requests.fetch_add(1, Ordering::SeqCst);
    let mut response = answer::answer(&shared, request).await?;
    let request_id = uuid::Uuid::now_v7().to_string();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-request-id", value);
    }
    Ok(response)
}
