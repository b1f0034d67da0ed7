//! Streams every contact of a large list through the paginator and reports the peak memory,
//! to show it stays flat however many items there are.
//!
//! Everything runs on loopback: the example serves `GET /api/v1/contacts/` itself (limit/offset
//! pages with `meta.total` as a string, the way the real service sends 64-bit numbers).
//!
//! ```sh
//! cargo run --release --example stream_contacts -- 100000 100
//! /usr/bin/time -v target/release/examples/stream_contacts 100000 100   # "Maximum resident set size"
//! ```

use std::time::Instant;

use agni::prelude::*;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let total: u64 = args.next().map_or(Ok(100_000), |a| a.parse())?;
    let page_size: u32 = args.next().map_or(Ok(100), |a| a.parse())?;

    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let base_url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(serve_contacts(listener, total));

    let client = agni::Client::builder()
        .api_key("sk_local_example")
        .base_url(base_url)
        .build()?;
    let started = Instant::now();
    let mut contacts = std::pin::pin!(client.list_contacts().stream_pages_of(page_size));
    let mut count = 0u64;
    while let Some(contact) = contacts.try_next().await? {
        count += u64::from(!contact.id.is_empty());
    }
    println!(
        "streamed {count} contacts in pages of {page_size} in {:.2?}; peak resident memory {}",
        started.elapsed(),
        peak_memory().unwrap_or_else(|| "unknown (not Linux)".to_owned())
    );
    Ok(())
}

/// Answers each connection's one request with the page its `limit` and `offset` ask for.
async fn serve_contacts(listener: TcpListener, total: u64) {
    while let Ok((mut socket, _)) = listener.accept().await {
        tokio::spawn(async move {
            let mut request = vec![0u8; 4096];
            let Ok(read) = socket.read(&mut request).await else {
                return;
            };
            let head = String::from_utf8_lossy(&request[..read]);
            let query = |name: &str| -> u64 {
                head.split(['?', '&', ' '])
                    .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
                    .and_then(|value| value.parse().ok())
                    .unwrap_or(0)
            };
            let (limit, offset) = (query("limit"), query("offset"));
            let items: Vec<String> = (offset..(offset + limit).min(total))
                .map(|i| format!(r#"{{"id":"c{i}","first_name":"Ada","last_name":"Lovelace","email":"c{i}@example.com","phone":"+14155550100"}}"#))
                .collect();
            let body = format!(
                r#"{{"success":true,"data":[{}],"meta":{{"total":"{total}","limit":{limit},"offset":{offset}}}}}"#,
                items.join(",")
            );
            let response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = socket.write_all(response.as_bytes()).await;
        });
    }
}

/// Peak resident set size of this process (`VmHWM`), on Linux.
fn peak_memory() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:").map(|v| v.trim().to_owned()))
}
