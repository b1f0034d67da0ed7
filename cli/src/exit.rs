//! Exit codes scripts can branch on, and the one-sentence error line.

use std::io::Write;

use agni::ErrorKind;

use crate::Io;

/// How `agni` ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: done.
    Ok = 0,
    /// 1: anything else (a local file, a redirect, an undecodable answer...).
    Other = 1,
    /// 2: the command line is wrong (unknown command, missing argument, no API key).
    Usage = 2,
    /// 3: the API refused the request (4xx, or a 2xx saying `"success": false`).
    ClientError = 3,
    /// 4: the API failed (5xx).
    ServerError = 4,
    /// 5: the API could not be reached, timed out, or the connection was lost.
    Transport = 5,
    /// 6: the request was refused locally, nothing was sent (an invalid phone number...).
    InvalidRequest = 6,
}

/// The exit codes, as `--help` and the README list them.
pub const HELP: &str = "Exit codes: 0 ok, 1 other error, 2 usage, 3 API client error (4xx), \
4 API server error (5xx), 5 transport (connect, timeout, connection lost), 6 invalid request \
refused locally (nothing sent).";

/// A command-line mistake (exit 2) found after parsing, e.g. no API key.
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

impl Exit {
    /// The exit code for `error`, from the first `agni::Error` or usage error in its chain.
    pub fn of(error: &anyhow::Error) -> Exit {
        for cause in error.chain() {
            if cause.is::<UsageError>() {
                return Exit::Usage;
            }
            if let Some(error) = cause.downcast_ref::<agni::Error>() {
                return Self::of_agni(error);
            }
        }
        Exit::Other
    }

    fn of_agni(error: &agni::Error) -> Exit {
        match error.kind() {
            ErrorKind::Api(api) if api.status().is_server_error() => Exit::ServerError,
            ErrorKind::Api(_) => Exit::ClientError,
            ErrorKind::Connect | ErrorKind::Timeout(_) | ErrorKind::ConnectionLost(_) => {
                Exit::Transport
            }
            ErrorKind::InvalidRequest { .. } => Exit::InvalidRequest,
            _ => Exit::Other,
        }
    }

    /// The process exit code.
    pub fn code(self) -> u8 {
        self as u8
    }
}

/// The error as one sentence: the outermost message, with the `agni::Error` it wraps when the
/// outer context does not already say it.
pub fn sentence(error: &anyhow::Error) -> String {
    let outer = error.to_string();
    match error
        .chain()
        .skip(1)
        .find_map(|c| c.downcast_ref::<agni::Error>())
    {
        Some(inner) if !outer.contains(&inner.to_string()) => format!("{outer}: {inner}"),
        _ => outer,
    }
}

/// Prints a clap error (or `--help`/`--version`, which clap reports as errors) and returns
/// its exit code: 0 for help and version, the SDK's code for a value the SDK's own parser
/// refused (6 for an invalid phone number, as when a hand-written command refuses it), 2 for
/// any other usage error.
pub fn clap_error(error: &clap::Error, io: &Io) -> Exit {
    use clap::error::ErrorKind as Kind;
    let text = error.render().to_string();
    let (writer, exit) = match error.kind() {
        Kind::DisplayHelp | Kind::DisplayVersion => (&io.stdout, Exit::Ok),
        Kind::ValueValidation => {
            let refused = std::error::Error::source(error)
                .and_then(|source| source.downcast_ref::<agni::Error>());
            (&io.stderr, refused.map_or(Exit::Usage, Exit::of_agni))
        }
        _ => (&io.stderr, Exit::Usage),
    };
    let _ = writer
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .write_all(text.as_bytes());
    exit
}
