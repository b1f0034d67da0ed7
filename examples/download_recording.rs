//! Downloads a call's recording into a file.
//!
//! ```sh
//! export RAVAN_API_KEY=...
//! cargo run --example download_recording -- <session-id | recording-url> [output-file]
//! ```
//!
//! The first argument is a call session id, or a full `recording_url` as found on a call or in
//! an after-call webhook (with or without `?token=`). The output defaults to `<session>.audio`
//! in the current directory; the file appears only once the download is complete.

use std::process::ExitCode;

use agni::{BuildError, recordings::RecordingSource};

#[tokio::main]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(source) = args.next() else {
        eprintln!("usage: download_recording <session-id | recording-url> [output-file]");
        return ExitCode::from(2);
    };
    let source = RecordingSource::from(source);
    let output = args.next().unwrap_or_else(|| default_output(&source));

    let client = match agni::Client::from_env() {
        Ok(client) => client,
        Err(BuildError::MissingCredentials) => {
            eprintln!(
                "error: {} is not set; export your Agni API key first",
                agni::client::API_KEY_ENV
            );
            return ExitCode::from(2);
        }
        Err(error) => {
            eprintln!("error: cannot configure the client: {error}");
            return ExitCode::from(2);
        }
    };
    // Recordings can be long: give each hop ten minutes instead of the default minute.
    let client = client.with_options(|options| {
        options.timeout = std::time::Duration::from_secs(600);
        options.deadline = std::time::Duration::from_secs(900);
    });

    match client.download_recording_to_file(source, &output).await {
        Ok(info) => {
            println!(
                "saved {} bytes ({}) to {output}",
                info.bytes_written,
                info.content_type.as_deref().unwrap_or("unknown type")
            );
            ExitCode::SUCCESS
        }
        Err(error) if error.is_not_found() => {
            eprintln!("error: no recording there (is the call finished and recorded?): {error}");
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// `<session id>.audio`: the container (mp3, wav, ogg) is only known once the server answers.
fn default_output(source: &RecordingSource) -> String {
    let session = match (source.session_id(), source.url()) {
        (Some(id), _) => id.to_owned(),
        // .../sessions/{id}/recording
        (None, Some(url)) => url
            .path_segments()
            .and_then(|segments| segments.rev().nth(1).map(str::to_owned))
            .unwrap_or_else(|| "recording".to_owned()),
        (None, None) => "recording".to_owned(),
    };
    let safe: String = session
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{safe}.audio")
}
