//! What every example shares: where it runs, logging, and how it ends.
//!
//! - Without `RAVAN_API_KEY`, or with `--sandbox`, an example starts the embedded sandbox (an
//!   in-memory Agni API on loopback) and runs its whole workflow there: nothing leaves the
//!   machine and nothing costs money. With `RAVAN_API_KEY` it talks to the real API and only
//!   reads, unless the example says otherwise.
//! - `RUST_LOG=agni=debug` shows one `agni.request` span per request (operation, status,
//!   attempts, request id, latency).
//! - `--help` prints the example's usage; an error prints one line (`{e:#}`) and exits 1.

// Each example uses part of this module.
#![allow(dead_code)]

use std::{fmt::Display, future::Future, process::ExitCode};

use agni_sandbox::{Sandbox, SandboxBuilder};
use tracing_subscriber::EnvFilter;

/// What an example's body returns.
pub type Result<T = (), E = Box<dyn std::error::Error>> = std::result::Result<T, E>;

/// Where an example runs, and its arguments.
pub struct Example {
    /// The client to call the API with.
    pub client: agni::Client,
    /// The sandbox behind `client`, when the example runs against it.
    pub sandbox: Option<Sandbox>,
    /// The arguments after the flags.
    pub args: Vec<String>,
}

impl Example {
    /// Whether the example runs against the embedded sandbox.
    pub fn in_sandbox(&self) -> bool {
        self.sandbox.is_some()
    }
}

/// Runs an example: parses `--help`/`--sandbox`, installs `RUST_LOG` logging, picks the sandbox
/// or the real API, runs `body`, and turns its outcome into the exit code.
pub fn run<F, Fut>(usage: &str, body: F) -> ExitCode
where
    F: FnOnce(Example) -> Fut,
    Fut: Future<Output = Result>,
{
    run_with(usage, |builder| builder, body)
}

/// [`run`], with the sandbox configured by `configure` (a webhook URL, say).
pub fn run_with<F, Fut>(
    usage: &str,
    configure: impl FnOnce(SandboxBuilder) -> SandboxBuilder,
    body: F,
) -> ExitCode
where
    F: FnOnce(Example) -> Fut,
    Fut: Future<Output = Result>,
{
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!(
            "{usage}\n\nRuns against the embedded sandbox without RAVAN_API_KEY or with --sandbox."
        );
        return ExitCode::SUCCESS;
    }
    let force_sandbox = args.iter().any(|a| a == "--sandbox");
    args.retain(|a| a != "--sandbox");
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => return fail(&error),
    };
    runtime.block_on(async {
        let example = match target(force_sandbox, configure, args).await {
            Ok(example) => example,
            Err(error) => return fail(&*error),
        };
        match body(example).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => fail(&*error),
        }
    })
}

async fn target(
    force_sandbox: bool,
    configure: impl FnOnce(SandboxBuilder) -> SandboxBuilder,
    args: Vec<String>,
) -> Result<Example> {
    let has_key = std::env::var(agni::client::API_KEY_ENV).is_ok_and(|key| !key.trim().is_empty());
    if has_key && !force_sandbox {
        let client = agni::Client::from_env()?;
        println!(
            "RAVAN_API_KEY is set: using {} (read-only unless this example says otherwise)",
            client.baseurl()
        );
        return Ok(Example {
            client,
            sandbox: None,
            args,
        });
    }
    let sandbox = configure(Sandbox::builder()).start().await?;
    let why = if force_sandbox {
        "--sandbox"
    } else {
        "No RAVAN_API_KEY set"
    };
    println!(
        "{why}: using the embedded sandbox at {}",
        sandbox.base_url()
    );
    Ok(Example {
        client: sandbox.client(),
        sandbox: Some(sandbox),
        args,
    })
}

fn fail(error: &dyn std::error::Error) -> ExitCode {
    // `{:#}` of an `agni::Error` appends the causes; other errors print as they are.
    eprintln!("error: {error}");
    let mut cause = error.source();
    while let Some(error) = cause {
        eprintln!("  caused by: {error}");
        cause = error.source();
    }
    ExitCode::FAILURE
}

/// A value for a column: the value, or `-` when there is none.
pub fn or_dash<T: Display>(value: Option<T>) -> String {
    value.map_or_else(|| "-".to_owned(), |value| value.to_string())
}

/// One call session on one line: id, caller -> callee, status, duration.
pub fn session_line(session: &agni::types::CallSession) -> String {
    format!(
        "{} {} -> {} [{}] {} s",
        session.id,
        or_dash(session.caller_number.as_deref()),
        or_dash(session.callee_number.as_deref()),
        or_dash(session.status.as_deref()),
        or_dash(session.duration_sec)
    )
}
