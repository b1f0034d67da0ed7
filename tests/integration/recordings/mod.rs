//! Recording downloads against loopback servers (`support::raw_server`): who receives the API
//! key, what the bytes are, and what is left on disk.
//!
//! Two servers stand for two origins: the API (the client's base URL) and storage. Tests
//! assert both the outcome and every request each server saw, in particular which of them
//! carried `X-Api-Key`.
//!
//! - `streaming`: the bytes as they arrive, into a writer;
//! - `keys`: where the key goes across redirects, JSON pointers and token URLs;
//! - `failures`: error answers, redirect loops, refused sources, lost connections, timeouts;
//! - `files`: the file variant, and what it leaves behind.

use std::time::Duration;

use agni::{
    Client, Error,
    recordings::{RecordingInfo, RecordingSource},
};
use tokio::io::AsyncWrite;

use crate::support::raw_server::{Reply, Seen, Server, respond};

mod failures;
mod files;
mod keys;
mod streaming;

const API_KEY: &str = "sk_test_RECORDINGS";

/// A download as one call: find the recording, then stream it into a writer or a file.
trait Download {
    async fn download_into<W: AsyncWrite + Unpin + ?Sized>(
        &self,
        source: impl Into<RecordingSource>,
        writer: &mut W,
    ) -> Result<RecordingInfo, Error>;

    async fn download_to_file(
        &self,
        source: impl Into<RecordingSource>,
        path: impl AsRef<std::path::Path>,
    ) -> Result<RecordingInfo, Error>;
}

impl Download for Client {
    async fn download_into<W: AsyncWrite + Unpin + ?Sized>(
        &self,
        source: impl Into<RecordingSource>,
        writer: &mut W,
    ) -> Result<RecordingInfo, Error> {
        self.download_recording(source)
            .send()
            .await?
            .write_to(writer)
            .await
    }

    async fn download_to_file(
        &self,
        source: impl Into<RecordingSource>,
        path: impl AsRef<std::path::Path>,
    ) -> Result<RecordingInfo, Error> {
        self.download_recording(source)
            .send()
            .await?
            .save(path)
            .await
    }
}

/// The client every test uses: the API key, this server as the base URL.
trait ApiClient {
    fn client(&self) -> Client;
}

impl ApiClient for Server {
    fn client(&self) -> Client {
        Client::builder()
            .api_key(API_KEY)
            .base_url(self.origin())
            .timeout(Duration::from_secs(5))
            .build()
            .expect("client builds")
    }
}

fn audio_response(body: &[u8]) -> Reply {
    respond(200, &[("Content-Type", "audio/mpeg")], body)
}

/// 300 KiB of deterministic, non-repeating-looking bytes: several network chunks.
fn audio() -> Vec<u8> {
    let mut state: u32 = 0x1234_5678;
    (0..300 * 1024)
        .map(|_| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (state >> 24) as u8
        })
        .collect()
}

fn assert_no_key(seen: &[Seen]) {
    for request in seen {
        assert_eq!(
            request.header("x-api-key"),
            None,
            "the API key leaked to {}",
            request.line
        );
    }
}
