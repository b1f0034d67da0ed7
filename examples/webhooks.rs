//! Receiving the after-call webhook: an endpoint that parses both delivery shapes, drops
//! retried duplicates, and prints each call.
//!
//! ```sh
//! cargo run --example webhooks                  # the sandbox calls it once, then it exits
//! RAVAN_API_KEY=... cargo run --example webhooks -- 127.0.0.1:3000   # serves until Ctrl-C
//! curl -d @webhooks/tests/fixtures/real_inbound.json http://127.0.0.1:3000/webhooks/agni
//! ```
//!
//! Deliveries are not signed. In production, put an unguessable secret in the path, serve it
//! behind your TLS-terminating proxy, and set `AGNI_ORG_ID` to skip deliveries naming another
//! organisation (documented deliveries carry `org_id`; real ones do not).

#[path = "common/mod.rs"]
mod common;

use std::{net::SocketAddr, process::ExitCode, time::Duration};

use agni::prelude::*;
use agni_webhooks::CallCompleted;
use common::or_dash;
use tokio::sync::mpsc;

const USAGE: &str = "usage: cargo run --example webhooks [-- [--sandbox] [ADDRESS]]

In the sandbox the receiver listens on a free loopback port, the sandbox delivers one call's
webhook to it, and the example exits. Against the real API it serves ADDRESS (default
127.0.0.1:3000) until Ctrl-C.";

const PATH: &str = "/webhooks/agni";

fn main() -> ExitCode {
    let address = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with("--"))
        .unwrap_or_else(|| "127.0.0.1:0".to_owned());
    let listener = match std::net::TcpListener::bind(&address) {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("error: cannot listen on {address}: {error}");
            return ExitCode::FAILURE;
        }
    };
    let local: Option<SocketAddr> = listener.local_addr().ok();
    let url = local
        .map(|addr| format!("http://{addr}{PATH}"))
        .unwrap_or_default();
    let delivery_url = url.clone();
    common::run_with(
        USAGE,
        move |sandbox| sandbox.webhook_url(delivery_url),
        |example| async move {
            listener.set_nonblocking(true)?;
            let listener = tokio::net::TcpListener::from_std(listener)?;
            let (received, mut deliveries) = mpsc::unbounded_channel();
            let org = std::env::var("AGNI_ORG_ID").ok();
            let app = axum::Router::new().route(
                PATH,
                agni_webhooks::axum::endpoint(move |call: CallCompleted| {
                    let received = received.clone();
                    let org = org.clone();
                    async move {
                        if org.as_deref().is_some_and(|org| !call.verify_org(org)) {
                            println!(
                                "skipped {}: org {}",
                                call.session_id,
                                or_dash(call.org_id.as_deref())
                            );
                        } else {
                            print_call(&call);
                            // The example's own bookkeeping; the receiver is done either way.
                            let _ = received.send(call.session_id.clone());
                        }
                        Ok::<(), std::convert::Infallible>(())
                    }
                }),
            );
            println!("receiving after-call webhooks at {url}");
            // With header and body read timeouts, unlike `axum::serve`: slow clients cannot
            // starve it.
            let server = tokio::spawn(agni_webhooks::axum::serve(listener, app));
            if example.in_sandbox() {
                let client = &example.client;
                let agent = client
                    .create_agent()
                    .body(agni::types::CreateAgentRequest {
                        agent_name: Some("Riley".into()),
                        ..Default::default()
                    })
                    .send()
                    .await?
                    .into_inner()
                    .data;
                let call = client.start_web_call(&agent.id).send().await?;
                // The sandbox ends a call at its next request, and then delivers the webhook.
                client.health_check().send().await?;
                let delivered = tokio::time::timeout(Duration::from_secs(10), deliveries.recv())
                    .await
                    .map_err(|_| "no webhook arrived within 10 s")?;
                if delivered.as_deref() != Some(call.session_id.as_str()) {
                    return Err(
                        format!("expected session {}, got {delivered:?}", call.session_id).into(),
                    );
                }
                server.abort();
                return Ok(());
            }
            server.await??;
            Ok(())
        },
    )
}

fn print_call(call: &CallCompleted) {
    println!(
        "call {} ({:?} shape, event {})",
        call.session_id, call.shape, call.event
    );
    println!(
        "  agent {} | channel {} | customer {} | business line {}",
        or_dash(call.agent_name.as_deref()),
        or_dash(call.channel.as_ref()),
        or_dash(call.customer_number.as_deref()),
        or_dash(call.business_number.as_deref()),
    );
    println!(
        "  status {} | duration {} s | cost {}",
        or_dash(call.status.as_deref()),
        or_dash(call.duration.map(|d| d.as_secs())),
        or_dash(call.cost_total),
    );
    if let Some(summary) = &call.summary {
        println!("  summary: {summary}");
    }
    for turn in &call.transcript {
        println!("  {}: {}", turn.speaker, turn.text);
    }
}
