//! The sandbox's HTTP edge: accept loop, routing, authentication, validation, faults, encoding,
//! and webhook delivery. The state lives in `world`, behind one mutex never held across an
//! `.await`.
//!
//! The server runs on a thread of its own with a single-threaded tokio runtime, so it serves
//! whatever runtime (or none) the caller uses, and dropping the [`Sandbox`](super::Sandbox) can
//! close the port synchronously. Connections are served by hyper directly (not `axum::serve`)
//! so that a handler can abort its connection without answering ([`Fault::DropConnection`]).

use std::{
    collections::{BTreeMap, HashMap, VecDeque},
    io,
    panic::AssertUnwindSafe,
    sync::{
        Arc, Mutex, MutexGuard, PoisonError,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use axum::body::Body;
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use hyper::body::Incoming;
use hyper_util::{rt::TokioIo, server::graceful::GracefulShutdown};
use serde_json::{Value, json};
use tokio::{net::TcpListener, runtime::Handle, sync::Notify};

use super::{
    Encoding, Fault, WebhookShape,
    api::{ApiReply, ApiRequest, Failure},
    schema::Style,
    spec::{Match, ParamKind, Route, Spec},
    world::World,
};

/// The largest request body read (a knowledge-base upload is the biggest legitimate one).
const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;
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
                let shared = Arc::clone(&shared);
                let service = hyper::service::service_fn(move |request| {
                    serve_request(Arc::clone(&shared), request)
                });
                let connection = hyper::server::conn::http1::Builder::new()
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
    let mut response = answer(&shared, request).await?;
    let request_id = uuid::Uuid::now_v7().to_string();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-request-id", value);
    }
    Ok(response)
}

/// Everything between the request line and the answer, in the order the checks apply:
/// latency and faults, route, key, query, body, then the state.
async fn answer(shared: &Shared, request: Request<Incoming>) -> Result<Response<Body>, Dropped> {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let found = shared.spec.route(&method, &path);
    let operation = match &found {
        Match::Found(route, _) => Some(route.operation.as_str()),
        _ => None,
    };
    if let Some(operation) = operation {
        *lock(&shared.per_operation)
            .entry(operation.to_owned())
            .or_default() += 1;
    }

    let (delay, fault) = shared.faults_for(operation);
    let delay = delay + shared.config.latency;
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    match fault {
        Some(Fault::DropConnection) => return Err(Dropped),
        Some(Fault::RateLimited { retry_after }) => {
            let mut response = grpc(
                StatusCode::TOO_MANY_REQUESTS,
                8,
                "rate limit exceeded, retry later",
            );
            if let Some(wait) = retry_after {
                let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            }
            return Ok(response);
        }
        Some(Fault::Status(status)) => return Ok(status_response(status)),
        Some(Fault::Latency(_)) | None => {}
    }

    let (route, path_params) = match found {
        Match::Found(route, params) => (route, params),
        Match::WrongMethod(allowed) => {
            let allowed: Vec<&str> = allowed.iter().map(Method::as_str).collect();
            let mut response = envelope(
                StatusCode::METHOD_NOT_ALLOWED,
                "METHOD_NOT_ALLOWED",
                &format!(
                    "{method} is not allowed on {path} (allowed: {})",
                    allowed.join(", ")
                ),
            );
            if let Ok(value) = HeaderValue::from_str(&allowed.join(", ")) {
                response.headers_mut().insert(header::ALLOW, value);
            }
            return Ok(response);
        }
        Match::NotFound { did_you_mean } => {
            let hint = did_you_mean
                .map(|template| format!(" (did you mean {template}? trailing slashes matter)"))
                .unwrap_or_default();
            return Ok(envelope(
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                &format!("no route for {method} {path}{hint}"),
            ));
        }
    };

    if route.needs_key {
        let key = request
            .headers()
            .get("x-api-key")
            .map(HeaderValue::as_bytes);
        if key != Some(shared.config.api_key.as_bytes()) {
            return Ok(grpc(
                StatusCode::UNAUTHORIZED,
                16,
                "API key is missing or invalid",
            ));
        }
    }

    let query = match parse_query(route, request.uri().query()) {
        Ok(query) => query,
        Err(message) => return Ok(grpc(StatusCode::BAD_REQUEST, 3, &message)),
    };
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = match read_body(shared, route, &content_type, request.into_body()).await {
        Ok(body) => body,
        Err(message) => return Ok(grpc(StatusCode::BAD_REQUEST, 3, &message)),
    };

    let api_request = ApiRequest {
        operation: route.operation.as_str(),
        path: path_params.into_iter().collect(),
        query,
        body,
    };
    let (reply, events) = {
        let mut world = lock(&shared.world);
        let reply = std::panic::catch_unwind(AssertUnwindSafe(|| world.handle(&api_request)));
        (reply, shared.collect_webhooks(&mut world))
    };
    shared.deliver(events, Some(&Handle::current()));
    Ok(match reply {
        Ok(reply) => encode_reply(shared, route, reply),
        Err(panic) => {
            let reason = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            envelope(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL_ERROR",
                &format!("the sandbox failed handling {}: {reason}", route.operation),
            )
        }
    })
}

/// Query parameters by name (the last value wins), with declared ones type-checked.
fn parse_query(route: &Route, raw: Option<&str>) -> Result<BTreeMap<String, String>, String> {
    let query: BTreeMap<String, String> =
        url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    for param in &route.query {
        let Some(value) = query.get(&param.name) else {
            if param.required {
                return Err(format!(
                    "missing required query parameter \"{}\"",
                    param.name
                ));
            }
            continue;
        };
        let (valid, expected) = match param.kind {
            ParamKind::String => (true, ""),
            ParamKind::Integer => (value.parse::<i64>().is_ok(), "an integer"),
            ParamKind::Number => (value.parse::<f64>().is_ok_and(f64::is_finite), "a number"),
            ParamKind::Boolean => (
                matches!(
                    value.as_str(),
                    "true"
                        | "false"
                        | "True"
                        | "False"
                        | "TRUE"
                        | "FALSE"
                        | "t"
                        | "f"
                        | "T"
                        | "F"
                        | "1"
                        | "0"
                ),
                "a boolean",
            ),
        };
        if !valid {
            return Err(format!(
                "invalid value for query parameter \"{}\": {value:?} is not {expected}",
                param.name
            ));
        }
    }
    Ok(query)
}

/// The body as the state sees it: `Null` for operations without one; otherwise JSON,
/// normalised (spellings, numeric strings, nulls) and validated against the schema.
async fn read_body(
    shared: &Shared,
    route: &Route,
    content_type: &str,
    body: Incoming,
) -> Result<Value, String> {
    let Some(spec) = &route.body else {
        return Ok(Value::Null);
    };
    let bytes = axum::body::to_bytes(Body::new(body), MAX_BODY_BYTES)
        .await
        .map_err(|e| format!("cannot read the request body: {e}"))?;
    if content_type
        .to_ascii_lowercase()
        .starts_with("multipart/form-data")
    {
        if route.operation != "AddKnowledgeBaseSources" {
            return Err(format!(
                "{} takes a JSON body, not multipart/form-data",
                route.operation
            ));
        }
        return super::multipart::describe_upload(content_type, &bytes);
    }
    let value: Value = if bytes.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        serde_json::from_slice(&bytes)
            .map_err(|e| format!("invalid JSON in the request body: {e}"))?
    };
    let value = shared
        .spec
        .schemas
        .normalize_request(value, Some(&spec.schema));
    let problems: Vec<String> = spec
        .validator
        .iter_errors(&value)
        .take(3)
        .map(|error| describe(&error))
        .collect();
    if !problems.is_empty() {
        return Err(format!("invalid request body: {}", problems.join("; ")));
    }
    Ok(value)
}

/// One clause naming the field a validation error is about.
fn describe(error: &jsonschema::ValidationError<'_>) -> String {
    let field = field_path(error.instance_path().as_str());
    if let jsonschema::error::ValidationErrorKind::Required { property } = error.kind() {
        let name = property
            .as_str()
            .map_or_else(|| property.to_string(), str::to_owned);
        let full = if field.is_empty() {
            name
        } else {
            format!("{field}.{name}")
        };
        return format!("missing required field \"{full}\"");
    }
    if field.is_empty() {
        error.to_string()
    } else {
        format!("field \"{field}\": {error}")
    }
}

/// `/contact_ids/0/name` → `contact_ids[0].name`.
fn field_path(pointer: &str) -> String {
    let mut out = String::new();
    for segment in pointer.split('/').skip(1) {
        let segment = segment.replace("~1", "/").replace("~0", "~");
        if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&format!("[{segment}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&segment);
        }
    }
    out
}

fn encode_reply(shared: &Shared, route: &Route, reply: ApiReply) -> Response<Body> {
    match reply {
        ApiReply::Json(value) => {
            let style = match shared.config.encoding {
                Encoding::Spec => Style {
                    camel_case: false,
                    wide_numbers_as_strings: false,
                },
                Encoding::Protojson => Style {
                    camel_case: route.camel_case,
                    wide_numbers_as_strings: true,
                },
            };
            let value = shared
                .spec
                .schemas
                .encode_response(value, route.response.as_ref(), style);
            json_response(StatusCode::OK, &value)
        }
        ApiReply::Empty => Response::new(Body::empty()),
        ApiReply::Failure(failure) => match failure {
            Failure::InvalidArgument(message) => grpc(StatusCode::BAD_REQUEST, 3, &message),
            Failure::NotFound(message) => envelope(StatusCode::NOT_FOUND, "NOT_FOUND", &message),
            Failure::Conflict(message) => envelope(StatusCode::CONFLICT, "CONFLICT", &message),
            Failure::FailedPrecondition(message) => envelope(
                StatusCode::UNPROCESSABLE_ENTITY,
                "FAILED_PRECONDITION",
                &message,
            ),
        },
    }
}

/// An injected error status, in the upstream shape for it.
fn status_response(status: u16) -> Response<Body> {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let reason = status.canonical_reason().unwrap_or("Error");
    match status.as_u16() {
        400 => grpc(status, 3, "invalid argument (injected)"),
        401 => grpc(status, 16, "API key is missing or invalid"),
        429 => grpc(status, 8, "rate limit exceeded, retry later"),
        _ if status.is_client_error() || status.is_server_error() => {
            let code = match status.as_u16() {
                403 => "FORBIDDEN",
                404 => "NOT_FOUND",
                409 => "CONFLICT",
                422 => "FAILED_PRECONDITION",
                500 => "INTERNAL_ERROR",
                502 => "BAD_GATEWAY",
                503 => "SERVICE_UNAVAILABLE",
                504 => "GATEWAY_TIMEOUT",
                _ => "ERROR",
            };
            envelope(status, code, &format!("{reason} (injected)"))
        }
        _ => {
            let mut response = Response::new(Body::empty());
            *response.status_mut() = status;
            response
        }
    }
}

/// The gRPC status body of 400 and 401 answers.
fn grpc(status: StatusCode, code: i32, message: &str) -> Response<Body> {
    json_response(
        status,
        &json!({"code": code, "message": message, "details": []}),
    )
}

/// The envelope body of 403, 404, 409, 422 and 5xx answers.
fn envelope(status: StatusCode, code: &str, message: &str) -> Response<Body> {
    json_response(
        status,
        &json!({
            "success": false,
            "message": message,
            "error": {"code": code, "message": message},
        }),
    )
}

fn json_response(status: StatusCode, value: &Value) -> Response<Body> {
    let mut response = Response::new(Body::from(value.to_string()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_paths() {
        assert_eq!(field_path(""), "");
        assert_eq!(field_path("/temperature"), "temperature");
        assert_eq!(field_path("/contact_ids/0"), "contact_ids[0]");
        assert_eq!(field_path("/schedule/days/2/name"), "schedule.days[2].name");
    }
}
