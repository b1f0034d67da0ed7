//! Starts a web call (joined from a browser through LiveKit) or an outbound phone call, then
//! prints the call session's detail once it has ended.
//!
//! ```sh
//! export RAVAN_API_KEY=...
//! cargo run --example calls -- web <agent-id>
//! cargo run --example calls -- phone <agent-id> <from +E164> <to +E164>
//! cargo run --example calls -- detail <session-id>
//! ```

use std::process::ExitCode;

use agni::prelude::*;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let client = agni::Client::from_env()?;
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["web", agent] => {
            let call = client
                .start_web_call(*agent)
                .dynamic_variable("first_name", "Ada")
                .send()
                .await?;
            println!(
                "session {}: join {:?} (room {:?}) with the access token",
                call.session_id, call.url, call.room_id
            );
        }
        ["phone", agent, from, to] => {
            // Invalid numbers fail here, before anything is sent.
            let call = client
                .start_outbound_call(*agent, *from, *to)
                .metadata("source", "agni example")
                .send()
                .await?;
            println!("dialling; session {}", call.session_id);
        }
        ["detail", session] => {
            let detail = client
                .get_call_session_detail()
                .id(*session)
                .send()
                .await?
                .into_inner();
            let call = detail.data;
            println!(
                "{:?} call, {:?}, {:?} s: {:?}",
                call.channel, call.status, call.duration_sec, call.summary
            );
            for turn in call.transcripts {
                if let Some(message) = turn.message {
                    println!(
                        "  {}: {}",
                        message.role.as_deref().unwrap_or("?"),
                        message.content.as_deref().unwrap_or("")
                    );
                }
            }
        }
        _ => {
            return Err(
                "usage: calls web <agent> | phone <agent> <from> <to> | detail <session>".into(),
            );
        }
    }
    Ok(())
}
