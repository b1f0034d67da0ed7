//! Hand-written commands over the SDK's workflow helpers: validated phone numbers, calls,
//! recordings (downloaded atomically, with progress on a terminal) and knowledge-file uploads.

use std::{
    path::{Path, PathBuf},
    pin::Pin,
    task::{Context, Poll},
    time::Duration,
};

use agni::{Client, knowledge::KnowledgeFile};
use anyhow::Context as _;
use clap::{Arg, ArgAction, ArgMatches, Command};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{Map, Value, json};
use tokio::io::AsyncWrite;

use crate::{exit::UsageError, output::Printer, tree::Helper};

/// `agni numbers buy NUMBER`.
pub fn numbers_buy() -> Command {
    Command::new("buy")
        .about("Buy a phone number (E.164, e.g. +14155550100; find one with `agni numbers available`). An invalid number is refused before anything is sent")
        .arg(Arg::new("number").required(true).value_name("E164"))
}

/// `agni calls start --agent A [--from F --to T]`.
pub fn calls_start() -> Command {
    Command::new("start")
        .about("Start a call: an outbound phone call with --from and --to, else a web call (prints its LiveKit URL and token)")
        .arg(Arg::new("agent").long("agent").required(true).value_name("AGENT_ID").help("The agent that talks"))
        .arg(Arg::new("from").long("from").value_name("E164").requires("to").help("Your Agni number to call from"))
        .arg(Arg::new("to").long("to").value_name("E164").requires("from").help("The number to call"))
        .arg(
            Arg::new("var")
                .long("var")
                .value_name("KEY=VALUE")
                .action(ArgAction::Append)
                .help("A variable for the agent's prompt (repeatable)"),
        )
        .arg(
            Arg::new("metadata")
                .long("metadata")
                .value_name("KEY=VALUE")
                .action(ArgAction::Append)
                .help("Metadata stored with the call session (repeatable)"),
        )
}

/// `agni recordings download SESSION [-o FILE]`.
pub fn recordings_download() -> Command {
    Command::new("download")
        .about("Download a call's recording (a session id or a recording URL); the file appears only once complete")
        .arg(Arg::new("source").required(true).value_name("SESSION"))
        .arg(
            Arg::new("file")
                .short('o')
                .long("file")
                .value_name("FILE")
                .value_parser(clap::value_parser!(PathBuf))
                .help("Where to save it (default: SESSION.mp3, .wav... by its content type)"),
        )
}

/// `agni knowledge upload KB FILE`.
pub fn knowledge_upload() -> Command {
    Command::new("upload")
        .about("Upload a file (pdf, txt, md, docx, csv...) into a knowledge base")
        .arg(Arg::new("kb").required(true).value_name("KB_ID"))
        .arg(
            Arg::new("file")
                .required(true)
                .value_name("FILE")
                .value_parser(clap::value_parser!(PathBuf)),
        )
}

fn usage(message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(UsageError(message.into()))
}

/// Runs a hand-written command that needs a client.
pub async fn run(
    helper: Helper,
    client: &Client,
    matches: &ArgMatches,
    printer: Printer,
) -> anyhow::Result<()> {
    let arg = |name: &str| matches.get_one::<String>(name).cloned();
    match helper {
        Helper::NumbersBuy => {
            let number = arg("number").expect("required");
            let bought = client.buy_number(number.as_str()).send().await?;
            // The number as the account lists it: its id is what a campaign takes.
            printer.print(&bought.number);
        }
        Helper::CallsStart => {
            let agent = arg("agent").expect("required");
            let mut call = match (arg("from"), arg("to")) {
                (Some(from), Some(to)) => {
                    client.start_outbound_call(agent, from.as_str(), to.as_str())
                }
                _ => client.start_web_call(agent),
            };
            for (key, value) in pairs(matches, "var")? {
                call = call.dynamic_variable(key, value);
            }
            for (key, value) in pairs(matches, "metadata")? {
                call = call.metadata(key, value);
            }
            let started = call.send().await?;
            printer.print(&json!({
                "session_id": started.session_id,
                "room_id": started.room_id,
                "url": started.url,
                "access_token": started.access_token.as_ref().map(|t| t.as_str()),
            }));
        }
        Helper::RecordingsDownload => {
            let source = arg("source").expect("required");
            let recording = client.download_recording(source.as_str()).send().await?;
            let path = matches
                .get_one::<PathBuf>("file")
                .cloned()
                .unwrap_or_else(|| {
                    PathBuf::from(format!(
                        "{}.{}",
                        file_stem(&source),
                        extension(recording.content_type())
                    ))
                });
            let info = if printer.stderr_is_terminal() {
                save_with_progress(recording, &path).await?
            } else {
                recording.save(&path).await?
            };
            printer.print(&json!({
                "file": path.display().to_string(),
                "bytes": info.bytes_written,
                "content_type": info.content_type,
            }));
        }
        Helper::KnowledgeUpload => {
            let kb = arg("kb").expect("required");
            let path = matches.get_one::<PathBuf>("file").expect("required");
            let file = KnowledgeFile::from_path(path).await?;
            let spinner = printer
                .stderr_is_terminal()
                .then(|| spinner(&format!("uploading {} ({} bytes)", file.name(), file.len())));
            let answer = client.upload_knowledge_file(kb, file).send().await;
            if let Some(spinner) = spinner {
                spinner.finish_and_clear();
            }
            printer.print(&*answer?);
        }
        other => unreachable!("{other:?} needs no client"),
    }
    Ok(())
}

/// `KEY=VALUE` arguments; a value that parses as JSON (`42`, `true`, `{..}`) is kept as JSON.
fn pairs(matches: &ArgMatches, name: &str) -> anyhow::Result<Map<String, Value>> {
    let mut map = Map::new();
    for pair in matches.get_many::<String>(name).into_iter().flatten() {
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| usage(format!("--{name} {pair:?} is not KEY=VALUE")))?;
        let value = serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.into()));
        map.insert(key.to_owned(), value);
    }
    Ok(map)
}

/// A file name from a session id or the last path segment of a recording URL.
fn file_stem(source: &str) -> String {
    let source = source.split(['?', '#']).next().unwrap_or(source);
    let segments: Vec<&str> = source.split('/').filter(|s| !s.is_empty()).collect();
    let stem = match segments.as_slice() {
        [.., session, "recording"] => session,
        [.., last] => last,
        [] => "recording",
    };
    stem.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn extension(content_type: Option<&str>) -> &'static str {
    let essence = content_type
        .and_then(|c| c.split(';').next())
        .map(str::trim)
        .unwrap_or("");
    match essence {
        "audio/mpeg" | "audio/mp3" => "mp3",
        "audio/wav" | "audio/x-wav" | "audio/wave" => "wav",
        "audio/ogg" | "audio/opus" => "ogg",
        "audio/webm" => "webm",
        "audio/mp4" | "audio/aac" | "audio/x-m4a" => "m4a",
        "audio/flac" => "flac",
        _ => "audio",
    }
}

fn spinner(message: &str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} {bytes} ({binary_bytes_per_sec})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.set_message(message.to_owned());
    bar.enable_steady_tick(Duration::from_millis(100));
    bar
}

/// Streams the audio into a temporary file beside `path` with a progress line, then renames it:
/// `path` appears only once complete, and is left alone on failure.
async fn save_with_progress(
    recording: agni::recordings::Recording,
    path: &Path,
) -> anyhow::Result<agni::recordings::RecordingInfo> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("recording");
    let temp = dir.join(format!(".{name}.{}.part", std::process::id()));
    let file = tokio::fs::File::create(&temp)
        .await
        .with_context(|| format!("cannot create {}", temp.display()))?;
    let bar = spinner(&format!("downloading {}", path.display()));
    let mut writer = Counting {
        inner: file,
        bar: bar.clone(),
    };
    let written = recording.write_to(&mut writer).await;
    bar.finish_and_clear();
    let finished = match written {
        Ok(info) => writer
            .inner
            .sync_all()
            .await
            .and_then(|()| std::fs::rename(&temp, path))
            .map(|()| info)
            .with_context(|| format!("cannot save {}", path.display())),
        Err(error) => Err(error.into()),
    };
    if finished.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    finished
}

/// An `AsyncWrite` that advances a progress bar by what it writes.
struct Counting<W> {
    inner: W,
    bar: ProgressBar,
}

impl<W: AsyncWrite + Unpin> AsyncWrite for Counting<W> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = &poll {
            self.bar.inc(*n as u64);
        }
        poll
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recording_file_names() {
        assert_eq!(file_stem("0198-ab"), "0198-ab");
        assert_eq!(
            file_stem("https://x/api/v1/calling/sessions/s1/recording?token=t"),
            "s1"
        );
        assert_eq!(extension(Some("audio/mpeg; charset=x")), "mp3");
        assert_eq!(extension(None), "audio");
    }
}
