//! `agni-sandbox`: the in-memory Agni API of the `agni_sandbox` library as a program, so code in any
//! language can be tested against it.
//!
//! ```text
//! cargo run -p ravan-agni-sandbox -- --port 8080 --encoding protojson
//! ```
//!
//! It prints the base URL, the API key and the bearer token, prints every after-call webhook
//! event as one JSON line on stdout (and POSTs it to `--webhook-url`, if given), and runs until
//! Ctrl-C.

use std::{process::ExitCode, time::Duration};

use agni_sandbox::{Encoding, Sandbox, WebhookShape};
use clap::{Parser, ValueEnum};

/// An in-memory Agni API on 127.0.0.1, for tests and demos.
#[derive(Debug, Parser)]
#[command(name = "agni-sandbox", version)]
struct Args {
    /// Port to listen on (0: any free port).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// API key clients must send as X-Api-Key (default: random, printed).
    #[arg(long)]
    api_key: Option<String>,
    /// Bearer token clients must send as `Authorization: Bearer` to the operations that take
    /// one (default: random, printed).
    #[arg(long)]
    bearer_token: Option<String>,
    /// How responses are encoded: as openapi.yaml spells them, or as the real service does.
    #[arg(long, value_enum, default_value_t = EncodingArg::Spec)]
    encoding: EncodingArg,
    /// Also POST after-call webhooks to this URL (retried on non-2xx answers).
    #[arg(long)]
    webhook_url: Option<String>,
    /// Shape of after-call webhooks: as documented, or as real deliveries look.
    #[arg(long, value_enum, default_value_t = ShapeArg::Documented)]
    webhook_shape: ShapeArg,
    /// Delay every answer by this many milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum EncodingArg {
    Spec,
    Protojson,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ShapeArg {
    Documented,
    Real,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = Args::parse();
    let mut builder = Sandbox::builder()
        .port(args.port)
        .encoding(match args.encoding {
            EncodingArg::Spec => Encoding::Spec,
            EncodingArg::Protojson => Encoding::Protojson,
        })
        .webhook_shape(match args.webhook_shape {
            ShapeArg::Documented => WebhookShape::Documented,
            ShapeArg::Real => WebhookShape::RealDelivery,
        })
        .latency(Duration::from_millis(args.latency_ms));
    if let Some(key) = args.api_key {
        builder = builder.api_key(key);
    }
    if let Some(token) = args.bearer_token {
        builder = builder.bearer_token(token);
    }
    if let Some(url) = &args.webhook_url {
        builder = builder.webhook_url(url);
    }
    let sandbox = match builder.start().await {
        Ok(sandbox) => sandbox,
        Err(error) => {
            eprintln!("agni-sandbox: cannot start: {error}");
            return ExitCode::FAILURE;
        }
    };
    println!("Agni sandbox listening on {}", sandbox.base_url());
    println!("API key: {}", sandbox.api_key());
    println!("Bearer token: {}", sandbox.bearer_token());
    println!(
        "Try: curl -H 'X-Api-Key: {}' {}/api/v1/agents/",
        sandbox.api_key(),
        sandbox.base_url()
    );
    if let Some(url) = &args.webhook_url {
        println!("After-call webhooks are POSTed to {url}");
    }
    println!("Press Ctrl-C to stop.");
    loop {
        tokio::select! {
            signal = tokio::signal::ctrl_c() => {
                if let Err(error) = signal {
                    eprintln!("agni-sandbox: cannot listen for Ctrl-C: {error}");
                }
                break;
            }
            event = sandbox.next_webhook() => println!("webhook {event}"),
        }
    }
    sandbox.shutdown().await;
    ExitCode::SUCCESS
}
