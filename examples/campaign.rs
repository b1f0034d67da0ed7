//! An outbound campaign end to end: an agent with a tool, a number, contacts, the campaign that
//! calls them, the call sessions it produced, and their after-call webhooks.
//!
//! ```sh
//! cargo run --example campaign                 # the sandbox, unless RAVAN_API_KEY is set
//! RAVAN_API_KEY=... cargo run --example campaign   # lists your campaigns and their progress
//! ```
//!
//! Against the real API it only reads: a campaign places real calls.

#[path = "common/mod.rs"]
mod common;

use std::{process::ExitCode, time::Duration};

use agni::{E164, SelectedTools, prelude::*, types};
use common::{Example, Result, or_dash, session_line};

const USAGE: &str = "usage: cargo run --example campaign [-- --sandbox]";

fn main() -> ExitCode {
    common::run(USAGE, |example| async move {
        if example.in_sandbox() {
            run_campaign(&example).await
        } else {
            list(&example).await
        }
    })
}

async fn run_campaign(example: &Example) -> Result {
    let client = &example.client;

    // Each create answers with the resource: its id is a `String`, no unwrapping.
    let tool = client
        .create_agent_tool()
        .body(types::CreateAgentToolRequest {
            name: Some("reschedule".into()),
            type_: Some("custom_function".into()),
            ..Default::default()
        })
        .send()
        .await?
        .into_inner()
        .data;
    let agent = client
        .create_agent()
        .body(types::CreateAgentRequest {
            agent_name: Some("Maya".into()),
            prompt: Some("You are Maya. Confirm tomorrow's appointment or reschedule it.".into()),
            selected_tools: Some(SelectedTools::from([tool.id.clone()])),
            ..Default::default()
        })
        .send()
        .await?
        .into_inner()
        .data;
    println!("agent     {} with tool {}", agent.id, tool.id);

    let from = E164::parse("+1 415 555 0101")?;
    let bought = client.buy_number(&from).send().await?;
    println!("number    {from} (id {})", bought.number.id);

    let mut contact_ids = Vec::new();
    for (name, phone) in [("Ada", "+1 213 777 4445"), ("Grace", "+1 213 777 4446")] {
        let contact = client
            .create_contact()
            .body(types::CreateContactRequest {
                first_name: Some(name.into()),
                phone: Some(E164::parse(phone)?),
                ..Default::default()
            })
            .send()
            .await?
            .into_inner()
            .data;
        println!("contact   {} {name}", contact.id);
        contact_ids.push(contact.id);
    }

    let campaign = client
        .create_campaign_from(
            &from,
            types::CreateCampaignRequest::builder()
                .name("Appointment reminders")
                .agent_id(&agent.id)
                .phone_number_id(&bought.number.id)
                .contact_ids(contact_ids),
        )
        .send()
        .await?
        .into_inner()
        .data;
    println!(
        "campaign  {} [{}]",
        campaign.id,
        or_dash(campaign.status.as_ref())
    );
    client.start_campaign().id(&campaign.id).send().await?;

    // The sandbox dials at each request; listing sessions until every contact was called lets
    // the campaign run its course.
    let mut sessions = Vec::new();
    for _ in 0..20 {
        let page = client
            .list_call_sessions()
            .agent_id(&agent.id)
            .send()
            .await?
            .into_inner();
        sessions = page.data.map(|d| d.call_sessions).unwrap_or_default();
        if sessions.len() >= 2 {
            break;
        }
    }
    for session in &sessions {
        println!("session   {}", session_line(session));
    }
    let progress = client
        .get_campaign()
        .id(&campaign.id)
        .send()
        .await?
        .into_inner()
        .data;
    if let Some(stats) = progress.contact_stats {
        println!(
            "progress  {} of {} contacted, {} successful",
            or_dash(stats.contacted),
            or_dash(stats.total),
            or_dash(stats.successful)
        );
    }

    let sandbox = example
        .sandbox
        .as_ref()
        .ok_or("webhooks come from the sandbox")?;
    for _ in &sessions {
        let delivery = sandbox
            .next_webhook_timeout(Duration::from_secs(5))
            .await
            .ok_or("no after-call webhook arrived")?;
        let event = agni_webhooks::parse(delivery.to_string().as_bytes())?;
        println!(
            "webhook   {} customer {} summary: {}",
            event.dedup_key(),
            or_dash(event.customer_number.as_deref()),
            or_dash(event.summary.as_deref())
        );
    }
    Ok(())
}

async fn list(example: &Example) -> Result {
    let mut campaigns = std::pin::pin!(example.client.list_campaigns().stream());
    while let Some(campaign) = campaigns.try_next().await? {
        let stats = campaign.contact_stats.unwrap_or_default();
        println!(
            "{} {} [{}] {} of {} contacted",
            campaign.id,
            or_dash(campaign.name.as_deref()),
            or_dash(campaign.status.as_ref()),
            or_dash(stats.contacted),
            or_dash(stats.total)
        );
    }
    Ok(())
}
