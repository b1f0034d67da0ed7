//! The agni quickstart: `cargo run --example quickstart`.
//!
//! Without `RAVAN_API_KEY` it starts the embedded sandbox (an in-memory Agni API on loopback)
//! and walks the whole flow: a tool, an agent with a prompt that uses it (read back to show
//! both), a number, an outbound call, the call sessions, and the after-call webhook. Nothing
//! leaves the machine and nothing costs money.
//!
//! With `RAVAN_API_KEY` set it talks to the real API, and only reads: health, your first agents
//! and your latest call sessions.

#[path = "common/mod.rs"]
mod common;

use std::{process::ExitCode, time::Duration};

use agni::{E164, SelectedTools, prelude::*, types};
use common::{Example, Result, or_dash, session_line};

const USAGE: &str = "usage: cargo run --example quickstart [-- --sandbox]";

fn main() -> ExitCode {
    common::run(USAGE, |example| async move {
        if example.in_sandbox() {
            sandbox_tour(example).await
        } else {
            read_only_tour(example).await
        }
    })
}

async fn sandbox_tour(example: Example) -> Result {
    let client = &example.client;
    let sandbox = example
        .sandbox
        .as_ref()
        .ok_or("the tour needs the sandbox")?;

    let tool = client
        .create_agent_tool()
        .body(types::CreateAgentToolRequest {
            name: Some("book_appointment".into()),
            description: Some("Books a dental appointment in the clinic's calendar".into()),
            type_: Some("custom_function".into()),
            ..Default::default()
        })
        .send()
        .await?
        .into_inner()
        .data;
    println!(
        "1. created tool        {} ({})",
        tool.id,
        or_dash(tool.name.as_deref())
    );

    let agent = client
        .create_agent()
        .body(types::CreateAgentRequest {
            agent_name: Some("Riley".into()),
            prompt: Some(
                "You are Riley, the front desk of Acme Dental. Offer the next free slots and \
                 book one with book_appointment."
                    .into(),
            ),
            begin_message: Some("Hi, this is Riley from Acme Dental. How can I help?".into()),
            selected_tools: Some(SelectedTools::from([tool.id.clone()])),
            ..Default::default()
        })
        .send()
        .await?
        .into_inner()
        .data;
    println!("2. created agent       {} (Riley)", agent.id);

    // Read it back: what the service stored is what calls will use.
    let stored = client
        .get_agent()
        .id(&agent.id)
        .send()
        .await?
        .into_inner()
        .data;
    println!(
        "3. read back prompt:   {}",
        or_dash(stored.prompt.as_deref())
    );
    let tools: Vec<&str> = stored
        .selected_tools
        .iter()
        .flat_map(|tools| tools.iter())
        .map(String::as_str)
        .collect();
    println!("   tools:              {}", tools.join(", "));

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
    let bought = client.buy_number(E164::parse(number)?).send().await?;
    println!("4. bought number       {number} (id {})", bought.number.id);

    let call = client
        .start_outbound_call(&agent.id, number, "+1 (213) 777-4445")
        .send()
        .await?;
    println!(
        "5. started call        session {} in room {}",
        call.session_id,
        or_dash(call.room_id.as_deref())
    );

    // In the sandbox a call ends at the next request; this page of sessions is that request.
    let mut sessions = std::pin::pin!(
        client
            .list_call_sessions()
            .agent_id(&agent.id)
            .stream_pages_of(10)
    );
    println!("6. call sessions:");
    while let Some(session) = sessions.try_next().await? {
        println!("   - {}", session_line(&session));
    }

    let delivery = sandbox
        .next_webhook_timeout(Duration::from_secs(5))
        .await
        .ok_or("no after-call webhook arrived")?;
    let event = agni_webhooks::parse(delivery.to_string().as_bytes())?;
    println!(
        "7. after-call webhook  session {} ({})",
        event.dedup_key(),
        or_dash(event.status.as_deref())
    );
    println!(
        "   customer {}, business line {}",
        or_dash(event.customer_number.as_deref()),
        or_dash(event.business_number.as_deref())
    );
    if let Some(summary) = &event.summary {
        println!("   summary: {summary}");
    }
    for turn in &event.transcript {
        println!("   {}: {}", turn.speaker, turn.text);
    }
    println!("Done. Set RAVAN_API_KEY to run read-only calls against the real API.");
    Ok(())
}

async fn read_only_tour(example: Example) -> Result {
    let client = &example.client;
    let health = client.health_check().send().await?.into_inner();
    println!("health: {}", or_dash(health.status.as_deref()));

    let agents: Vec<_> = client
        .list_agents()
        .stream_pages_of(5)
        .take(5)
        .try_collect()
        .await?;
    println!("first {} agents:", agents.len());
    for agent in &agents {
        println!("  - {} {}", agent.id, or_dash(agent.agent_name.as_deref()));
    }
    let sessions: Vec<_> = client
        .list_call_sessions()
        .stream_pages_of(5)
        .take(5)
        .try_collect()
        .await?;
    println!("latest {} call sessions:", sessions.len());
    for session in &sessions {
        println!("  - {}", session_line(session));
    }
    Ok(())
}
