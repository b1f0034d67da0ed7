//! Receives Agni's after-call webhook and prints each call.
//!
//! ```sh
//! cargo run --example webhook_receiver              # 127.0.0.1:3000
//! cargo run --example webhook_receiver -- 127.0.0.1:8080
//! curl -d @webhooks/tests/fixtures/real_inbound.json http://127.0.0.1:3000/webhooks/agni
//! ```
//!
//! Set `AGNI_ORG_ID` to skip deliveries naming another organisation (the docs' `org_id` check;
//! real deliveries carry none). Deliveries are not signed: in production, put an unguessable
//! secret in the path and expose the receiver through your TLS-terminating proxy.

use agni_webhooks::CallCompleted;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:3000".to_owned());
    let org = std::env::var("AGNI_ORG_ID").ok();

    let app = axum::Router::new().route(
        "/webhooks/agni",
        agni_webhooks::axum::endpoint(move |call: CallCompleted| {
            let org = org.clone();
            async move {
                if org.as_deref().is_some_and(|org| !call.verify_org(org)) {
                    println!("skipped {}: org {:?}", call.session_id, call.org_id);
                } else {
                    print_call(&call);
                }
                Ok::<(), std::convert::Infallible>(())
            }
        }),
    );

    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!(
        "POST after-call webhooks to http://{}/webhooks/agni",
        listener.local_addr()?
    );
    // With header and body read timeouts, unlike `axum::serve`: slow clients cannot starve it.
    agni_webhooks::axum::serve(listener, app).await?;
    Ok(())
}

fn print_call(call: &CallCompleted) {
    let or_dash = |value: &Option<String>| value.clone().unwrap_or_else(|| "-".to_owned());
    println!(
        "call {} ({:?} shape, event {})",
        call.session_id, call.shape, call.event
    );
    println!(
        "  agent {} | channel {} | customer {} | business line {}",
        or_dash(&call.agent_name),
        call.channel
            .as_ref()
            .map_or_else(|| "-".to_owned(), ToString::to_string),
        or_dash(&call.customer_number),
        or_dash(&call.business_number),
    );
    println!(
        "  status {} | {} s | ended by {}",
        or_dash(&call.status),
        call.duration
            .map_or_else(|| "-".to_owned(), |d| d.as_secs().to_string()),
        or_dash(&call.disconnect_reason),
    );
    if let Some(summary) = &call.summary {
        println!("  summary: {summary}");
    }
    for (field, value) in &call.analysis {
        println!("  {field} = {value}");
    }
    for turn in &call.transcript {
        println!("  [{}] {}", turn.speaker, turn.text);
    }
    if let Some(url) = &call.recording_url {
        // A `?token=` query is a credential for the recording: keep it out of logs.
        match url.split_once('?') {
            Some((path, _)) => println!("  recording: {path}?<redacted>"),
            None => println!("  recording: {url}"),
        }
    }
}
