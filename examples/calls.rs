//! Calls: a browser (web) call, an outbound phone call, the call sessions, one session's detail,
//! and its recording saved to a file.
//!
//! ```sh
//! cargo run --example calls                       # the sandbox, unless RAVAN_API_KEY is set
//! RAVAN_API_KEY=... cargo run --example calls -- AGENT_ID FROM TO   # places a real call
//! RAVAN_API_KEY=... cargo run --example calls     # lists your latest sessions only
//! ```

#[path = "common/mod.rs"]
mod common;

use std::process::ExitCode;

use agni::{prelude::*, types};
use common::{Example, Result, or_dash, session_line};

const USAGE: &str = "usage: cargo run --example calls [-- [--sandbox] [AGENT_ID FROM_E164 TO_E164]]

With AGENT_ID FROM TO against the real API it places that outbound call (it costs money);
without them it only lists your latest call sessions.";

fn main() -> ExitCode {
    common::run(USAGE, |example| async move {
        let outbound = match (example.in_sandbox(), example.args.as_slice()) {
            (true, _) => Some(sandbox_agent(&example).await?),
            (false, [agent, from, to]) => Some((agent.clone(), from.clone(), to.clone())),
            (false, []) => None,
            (false, _) => return Err(USAGE.into()),
        };
        if let Some((agent, from, to)) = outbound {
            place_calls(&example, &agent, &from, &to).await?;
        }
        latest_sessions(&example).await
    })
}

/// An agent and a number to call from, in the sandbox.
async fn sandbox_agent(example: &Example) -> Result<(String, String, String)> {
    let client = &example.client;
    let agent = client
        .create_agent()
        .body(types::CreateAgentRequest {
            agent_name: Some("Riley".into()),
            prompt: Some("You are Riley. Greet the caller and ask how you can help.".into()),
            ..Default::default()
        })
        .send()
        .await?
        .into_inner()
        .data;
    let from = "+14155550100";
    client.buy_number(from).send().await?;
    Ok((agent.id, from.to_owned(), "+12137774445".to_owned()))
}

async fn place_calls(example: &Example, agent: &str, from: &str, to: &str) -> Result {
    let client = &example.client;
    let web = client
        .start_web_call(agent)
        .dynamic_variable("first_name", "Ada")
        .send()
        .await?;
    // The token is a credential: printed, it stays hidden; `as_str` gives it to LiveKit.
    println!(
        "web call   session {} join {} with a {}-character token",
        web.session_id,
        or_dash(web.url.as_deref()),
        or_dash(web.access_token.as_ref().map(|token| token.as_str().len()))
    );
    let call = client
        .start_outbound_call(agent, from, to)
        .metadata("crm_id", 42)
        .send()
        .await?;
    println!("phone call session {} {from} -> {to}", call.session_id);

    let detail = client
        .get_call_session_detail()
        .id(&call.session_id)
        .send()
        .await?
        .into_inner()
        .data;
    println!(
        "detail     {} [{}] {} s, summary: {}",
        call.session_id,
        or_dash(detail.status.as_deref()),
        or_dash(detail.duration_sec),
        or_dash(detail.summary.as_deref())
    );

    if example.in_sandbox() {
        let path = std::env::temp_dir().join(format!("agni-{}.audio", call.session_id));
        let recording = client
            .download_recording(call.session_id.as_str())
            .send()
            .await?;
        let saved = recording.save(&path).await?;
        println!(
            "recording  {} bytes of {} in {}",
            saved.bytes_written,
            or_dash(saved.content_type.as_deref()),
            path.display()
        );
        std::fs::remove_file(&path)?;
    }
    Ok(())
}

async fn latest_sessions(example: &Example) -> Result {
    let sessions: Vec<_> = example
        .client
        .list_call_sessions()
        .stream_pages_of(5)
        .take(5)
        .try_collect()
        .await?;
    println!("latest {} call sessions:", sessions.len());
    for session in &sessions {
        println!("  {}", session_line(session));
    }
    Ok(())
}
