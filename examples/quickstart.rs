//! The agni quickstart: `cargo run --example quickstart`.
//!
//! Without `RAVAN_API_KEY` it starts the embedded sandbox (an in-memory Agni API on loopback)
//! and walks the whole flow: create a widget and an agent, buy a number, start an outbound
//! call, page through call sessions, and receive the after-call webhook. Nothing leaves the
//! machine and nothing costs money.
//!
//! With `RAVAN_API_KEY` set it talks to the real API, and only reads: health, your first agents
//! and your latest call sessions.

use std::{process::ExitCode, time::Duration};

use agni::{Client, E164, prelude::*, types};
use agni_sandbox::Sandbox;

type Result<T = (), E = Box<dyn std::error::Error>> = std::result::Result<T, E>;

#[tokio::main]
async fn main() -> ExitCode {
    let outcome = match std::env::var(agni::client::API_KEY_ENV) {
        Ok(key) if !key.trim().is_empty() => read_only_tour().await,
        _ => sandbox_tour().await,
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn sandbox_tour() -> Result {
    let sandbox = Sandbox::start().await?;
    println!(
        "No RAVAN_API_KEY set: using the embedded sandbox at {}",
        sandbox.base_url()
    );
    let client = sandbox.client();

    let widget = client
        .create_widget_settings()
        .body(types::CreateWidgetSettingsRequest {
            bot_name: Some("Front desk".into()),
            ..Default::default()
        })
        .send()
        .await?
        .into_inner()
        .data
        .id;
    println!("1. created widget      {widget}");

    let agent = client
        .create_agent()
        .body(types::CreateAgentRequest {
            name: Some("front-desk".into()),
            agent_name: Some("Riley".into()),
            widget_settings_id: Some(widget),
            begin_message: Some("Hi, this is Riley from Acme Dental. How can I help?".into()),
            ..Default::default()
        })
        .send()
        .await?
        .into_inner()
        .data
        .id;
    println!("2. created agent       {agent} (Riley)");

    let available = client
        .list_available_numbers()
        .iso_country("US")
        .send()
        .await?
        .into_inner()
        .data;
    let number = available
        .first()
        .and_then(|n| n.phone_number.as_deref())
        .ok_or("no number available")?;
    let number = E164::parse(number)?;
    client.buy_number(&number).send().await?;
    println!("3. bought number       {number}");

    let call = client
        .start_outbound_call(&agent, &number, "+1 (213) 777-4445")
        .send()
        .await?;
    println!(
        "4. started call        session {} in room {}",
        call.session_id,
        call.room_id.as_deref().unwrap_or("?")
    );

    // In the sandbox a call ends at the next request; this page of sessions is that request.
    let mut sessions = std::pin::pin!(
        client
            .list_call_sessions()
            .agent_id(&agent)
            .stream_pages_of(10)
    );
    println!("5. call sessions:");
    while let Some(session) = sessions.try_next().await? {
        println!(
            "   - {} {} -> {} [{}] {} s",
            session.id,
            session.caller_number.as_deref().unwrap_or("?"),
            session.callee_number.as_deref().unwrap_or("?"),
            session.status.as_deref().unwrap_or("?"),
            session.duration_sec.unwrap_or_default(),
        );
    }

    let delivery = sandbox
        .next_webhook_timeout(Duration::from_secs(5))
        .await
        .ok_or("no after-call webhook arrived")?;
    let event = agni_webhooks::parse(delivery.to_string().as_bytes())?;
    println!(
        "6. after-call webhook  session {} ({:?})",
        event.dedup_key(),
        event.status.as_deref().unwrap_or("?")
    );
    println!(
        "   customer {}, business line {}",
        event.customer_number.as_deref().unwrap_or("?"),
        event.business_number.as_deref().unwrap_or("?")
    );
    if let Some(summary) = &event.summary {
        println!("   summary: {summary}");
    }
    for turn in &event.transcript {
        println!("   {:?}: {}", turn.speaker, turn.text);
    }
    println!("Done. Set RAVAN_API_KEY to run read-only calls against the real API.");
    Ok(())
}

async fn read_only_tour() -> Result {
    let client = Client::from_env()?;
    println!(
        "RAVAN_API_KEY is set: making read-only calls to {}",
        client.baseurl()
    );
    let health = client.health_check().send().await?.into_inner();
    println!("health: {:?}", health.data.and_then(|d| d.status));

    let agents: Vec<_> = client
        .list_agents()
        .stream_pages_of(5)
        .take(5)
        .try_collect()
        .await?;
    println!("first {} agents:", agents.len());
    for agent in &agents {
        println!(
            "  - {} {}",
            agent.id,
            agent.agent_name.as_deref().unwrap_or("")
        );
    }
    let sessions = client
        .list_call_sessions()
        .page(1)
        .page_size(5)
        .send()
        .await?
        .into_inner();
    let sessions = sessions.data.map(|d| d.call_sessions).unwrap_or_default();
    println!("latest {} call sessions:", sessions.len());
    for session in &sessions {
        println!(
            "  - {} [{}]",
            session.id,
            session.status.as_deref().unwrap_or("?")
        );
    }
    Ok(())
}
