//! Whole workflows through the SDK against a running sandbox, one module per resource group:
//! what a program using `agni` does, end to end over loopback HTTP, with the sandbox's in-memory
//! state answering. This module owns the seeds and helpers they share.
//!
//! The sandbox's clock (see `agni_sandbox`): every request is one step. A call in progress ends
//! at the start of the next request (emitting its after-call webhook), and a running campaign
//! dials its next contact after each request.

mod agents;
mod calls;
mod campaigns;
mod catalogue;
mod contacts;
mod integrations;
mod knowledge;
mod numbers;

use std::time::Duration;

use agni::{Error, ErrorCode, ErrorKind, prelude::*, types};
use agni_sandbox::{Sandbox, Seed, WebhookShape};
use agni_webhooks::{CallCompleted, Channel, Speaker};
use serde_json::json;

const WEBHOOK_WAIT: Duration = Duration::from_secs(5);

fn agent(name: &str) -> types::CreateAgentRequest {
    types::CreateAgentRequest {
        agent_name: Some(name.into()),
        begin_message: Some(format!("Thanks for calling, this is {name}.")),
        ..Default::default()
    }
}

fn contact(first: &str, last: &str, phone: &str) -> types::CreateContactRequest {
    types::CreateContactRequest {
        first_name: Some(first.into()),
        last_name: Some(last.into()),
        email: Some(format!("{}@example.com", first.to_lowercase())),
        phone: Some(agni::E164::parse(phone).expect("a valid test number")),
        ..Default::default()
    }
}

/// The default seed with one agent and three contacts.
fn seeded() -> Seed {
    Seed::default()
        .with_agent(agent("Maya"))
        .with_contact(contact("Ada", "Lovelace", "+14155550123"))
        .with_contact(contact("Grace", "Hopper", "+14155550124"))
        .with_contact(contact("Alan", "Turing", "+14155550125"))
}

async fn start(seed: Seed) -> Sandbox {
    Sandbox::builder()
        .seed(seed)
        .start()
        .await
        .expect("the sandbox starts")
}

async fn first_agent_id(client: &agni::Client) -> String {
    let agents = client.list_agents().send().await.expect("list agents");
    agents.data[0].id.clone()
}

/// The API error of a failed call, with its status and upstream code.
#[track_caller]
fn api_error<T: std::fmt::Debug>(result: Result<T, Error>) -> (u16, Option<ErrorCode>) {
    let error = result.expect_err("the call should fail");
    let api = error
        .api()
        .unwrap_or_else(|| panic!("not an API error: {error:#}"));
    (api.status().as_u16(), api.code().cloned())
}

fn symbolic(code: &str) -> Option<ErrorCode> {
    Some(ErrorCode::Symbolic(code.into()))
}
