//! Streaming a recording into a writer: the request the API receives (key, encoded session
//! id), the bytes and the info returned, and that chunks reach the writer as they arrive.

use std::{
    pin::Pin,
    task::{Context, Poll},
};

use tokio::io::AsyncWrite;

use super::{API_KEY, ApiClient, Download, audio, audio_response};
use crate::support::raw_server::{Part, Server, Signal, head};

#[tokio::test]
async fn by_session_id_sends_the_key_and_encodes_the_path() {
    let audio = audio();
    let body = audio.clone();
    let api = Server::start(move |_| audio_response(&body)).await;
    let mut out = Vec::new();
    let info = api
        .client()
        .download_into("a/b c?d#é%", &mut out)
        .await
        .expect("downloads");

    assert_eq!(out, audio);
    assert_eq!(info.bytes_written, audio.len() as u64);
    assert_eq!(info.content_type.as_deref(), Some("audio/mpeg"));
    let seen = api.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0].line,
        "GET /api/v1/calling/sessions/a%2Fb%20c%3Fd%23%C3%A9%25/recording HTTP/1.1"
    );
    assert_eq!(seen[0].header("x-api-key"), Some(API_KEY));
    assert_eq!(
        info.final_url.as_str(),
        format!(
            "{}/api/v1/calling/sessions/a%2Fb%20c%3Fd%23%C3%A9%25/recording",
            api.origin()
        )
    );
}

/// A writer that signals when it first receives data, so the server can hold back the rest of
/// the body until the SDK has written the first part: proof that nothing waits for the whole.
struct SignallingWriter {
    data: Vec<u8>,
    signal: Signal,
}

impl AsyncWrite for SignallingWriter {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.data.extend_from_slice(buf);
        self.signal.notify();
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[tokio::test]
async fn chunks_are_written_as_they_arrive() {
    let signal = Signal::default();
    let server_signal = signal.clone();
    let api = Server::start(move |_| {
        let mut first = head(200, &[("Content-Type", "audio/wav")], Some(8));
        first.extend_from_slice(b"RIFF");
        vec![
            Part::Bytes(first),
            Part::WaitFor(server_signal.clone()),
            Part::Bytes(b"WAVE".to_vec()),
        ]
    })
    .await;
    let mut writer = SignallingWriter {
        data: Vec::new(),
        signal: signal.clone(),
    };
    let info = api
        .client()
        .download_into("s1", &mut writer)
        .await
        .expect("downloads");
    assert_eq!(writer.data, b"RIFFWAVE");
    assert_eq!(info.bytes_written, 8);
    assert_eq!(
        signal.arrived(),
        Some(true),
        "the first chunk reached the writer before the rest of the body was sent"
    );
}
