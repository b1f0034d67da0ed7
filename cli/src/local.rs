//! Servers on this machine: `agni sandbox` (the embedded in-memory Agni API) and `agni webhooks
//! listen` (a local after-call webhook receiver that prints each event and can forward it, like
//! `stripe listen`).

use std::{convert::Infallible, net::SocketAddr, sync::Arc, time::Duration};

use agni_sandbox::{Encoding, Sandbox, WebhookShape};
use agni_webhooks::CallCompleted;
use anyhow::Context as _;
use axum::{
    body::{Body, Bytes},
    extract::Request,
    http::StatusCode,
    middleware::Next,
    response::{IntoResponse, Response},
};
use clap::{Arg, ArgMatches, Command};

use crate::{
    Io,
    output::{Format, Printer},
};

/// Largest delivery `webhooks listen` reads (the endpoint's own default limit).
const MAX_BODY: usize = 2 << 20;
/// How long a delivery may take to arrive whole.
const BODY_TIMEOUT: Duration = Duration::from_secs(10);

/// `agni sandbox`.
pub fn sandbox_command() -> Command {
    Command::new("sandbox")
        .about("Run the embedded in-memory Agni API on 127.0.0.1 until Ctrl-C; prints its base URL and key")
        .arg(
            Arg::new("port")
                .long("port")
                .value_parser(clap::value_parser!(u16))
                .default_value("8080")
                .help("Port to listen on (0: any free port)"),
        )
        .arg(
            Arg::new("encoding")
                .long("encoding")
                .value_parser(["spec", "protojson"])
                .default_value("spec")
                .help("Answer as openapi.yaml spells it, or as the real service does (lowerCamelCase, 64-bit numbers as strings)"),
        )
        .arg(
            Arg::new("webhook-url")
                .long("webhook-url")
                .value_name("URL")
                .help("Also POST each after-call webhook here (e.g. to `agni webhooks listen`)"),
        )
        .arg(
            Arg::new("webhook-shape")
                .long("webhook-shape")
                .value_parser(["documented", "real"])
                .default_value("documented")
                .help("Shape of after-call webhooks: as documented, or as real deliveries look"),
        )
}

/// `agni webhooks listen`.
pub fn listen_command() -> Command {
    Command::new("listen")
        .about("Receive after-call webhooks on 127.0.0.1, print each event (a JSON line when piped), and optionally forward it")
        .arg(
            Arg::new("port")
                .long("port")
                .value_parser(clap::value_parser!(u16))
                .default_value("4242")
                .help("Port to listen on (0: any free port)"),
        )
        .arg(
            Arg::new("path")
                .long("path")
                .default_value("/")
                .help("Path to receive deliveries on"),
        )
        .arg(
            Arg::new("forward-to")
                .long("forward-to")
                .value_name("URL")
                .help("POST each delivery's raw body to this URL too"),
        )
}

/// `agni sandbox`: runs until Ctrl-C.
pub async fn sandbox(matches: &ArgMatches, io: Io) -> anyhow::Result<()> {
    let port = *matches.get_one::<u16>("port").expect("defaulted");
    let encoding = match matches.get_one::<String>("encoding").map(String::as_str) {
        Some("protojson") => Encoding::Protojson,
        _ => Encoding::Spec,
    };
    let shape = match matches
        .get_one::<String>("webhook-shape")
        .map(String::as_str)
    {
        Some("real") => WebhookShape::RealDelivery,
        _ => WebhookShape::Documented,
    };
    let mut builder = Sandbox::builder()
        .port(port)
        .encoding(encoding)
        .webhook_shape(shape);
    if let Some(url) = matches.get_one::<String>("webhook-url") {
        builder = builder.webhook_url(url);
    }
    let sandbox = builder
        .start()
        .await
        .with_context(|| format!("cannot start the sandbox on port {port}"))?;
    let printer = Printer::new(Format::Json, io);
    printer.write(&format!(
        "Agni sandbox listening on {url}\nAPI key: {key}\nTry: agni --base-url {url} --api-key {key} agents list\nPress Ctrl-C to stop.\n",
        url = sandbox.base_url(),
        key = sandbox.api_key(),
    ));
    loop {
        tokio::select! {
            signal = tokio::signal::ctrl_c() => {
                signal.context("cannot listen for Ctrl-C")?;
                break;
            }
            event = sandbox.next_webhook() => printer.write(&format!("webhook {event}\n")),
        }
    }
    sandbox.shutdown().await;
    Ok(())
}

tokio::task_local! {
    /// The raw body of the delivery being handled, for `--forward-to`.
    static RAW_BODY: Bytes;
}

/// Reads the body (bounded in size and time) and keeps a copy for the handler.
async fn keep_raw_body(request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = match tokio::time::timeout(BODY_TIMEOUT, axum::body::to_bytes(body, MAX_BODY)).await
    {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(_)) => return (StatusCode::PAYLOAD_TOO_LARGE, "body too large\n").into_response(),
        Err(_) => return (StatusCode::REQUEST_TIMEOUT, "body too slow\n").into_response(),
    };
    let request = Request::from_parts(parts, Body::from(bytes.clone()));
    RAW_BODY.scope(bytes, next.run(request)).await
}

/// `agni webhooks listen`: runs until Ctrl-C (or until the future is dropped).
pub async fn listen(matches: &ArgMatches, format: Format, io: Io) -> anyhow::Result<()> {
    let port = *matches.get_one::<u16>("port").expect("defaulted");
    let path = matches
        .get_one::<String>("path")
        .expect("defaulted")
        .clone();
    let forward = matches.get_one::<String>("forward-to").cloned();
    let printer = Arc::new(Printer::new(format, io));
    let http = reqwest::Client::new();
    let handler = {
        let printer = Arc::clone(&printer);
        move |call: CallCompleted| {
            let printer = Arc::clone(&printer);
            let forward = forward.clone();
            let http = http.clone();
            async move {
                printer.print(&call);
                if let Some(url) = forward {
                    let body = RAW_BODY.try_with(Bytes::clone).unwrap_or_default();
                    let sent = http
                        .post(&url)
                        .header("content-type", "application/json")
                        .body(body)
                        .send()
                        .await;
                    match sent {
                        Ok(answer) => {
                            printer.note(&format!("forwarded to {url}: {}", answer.status()))
                        }
                        Err(error) => {
                            printer.note(&format!("agni: cannot forward to {url}: {error}"))
                        }
                    }
                }
                Ok::<(), Infallible>(())
            }
        }
    };
    let app = axum::Router::new()
        .route(&path, agni_webhooks::axum::endpoint(handler))
        .layer(axum::middleware::from_fn(keep_raw_body));
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .with_context(|| format!("cannot listen on {address}"))?;
    let local = listener.local_addr()?;
    printer.note(&format!(
        "Listening for Agni after-call webhooks on http://{local}{path} (Ctrl-C to stop)"
    ));
    tokio::select! {
        served = agni_webhooks::axum::serve(listener, app) => served.context("the webhook receiver stopped"),
        signal = tokio::signal::ctrl_c() => signal.context("cannot listen for Ctrl-C"),
    }
}
