//! The server's life: slow clients cut off, shutdown, runtimes, the `agni-sandbox` binary.

use super::*;

/// Connects to `sandbox`, sends `head` at once, then `drip` one byte a second, and reads
/// whatever the sandbox answers until it closes the connection (or 10 s pass); with how long
/// that took.
async fn trickle(sandbox: &Sandbox, head: &[u8], drip: &'static [u8]) -> (String, Duration) {
    let stream = tokio::net::TcpStream::connect(sandbox.local_addr())
        .await
        .unwrap();
    let (mut read, mut write) = stream.into_split();
    let started = Instant::now();
    write.write_all(head).await.unwrap();
    let dripping = tokio::spawn(async move {
        for byte in drip {
            if write.write_all(&[*byte]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        // Hold the connection open, sending nothing more.
        tokio::time::sleep(Duration::from_secs(30)).await;
    });
    let mut answer = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(10), read.read_to_end(&mut answer)).await;
    dripping.abort();
    assert!(
        closed.is_ok(),
        "the sandbox kept a trickling client for 10 s"
    );
    (
        String::from_utf8_lossy(&answer).into_owned(),
        started.elapsed(),
    )
}

#[tokio::test]
async fn a_client_dripping_its_headers_is_disconnected() {
    let sandbox = Sandbox::builder()
        .read_timeout(Duration::from_secs(1))
        .start()
        .await
        .unwrap();
    let (answer, took) = trickle(&sandbox, b"", b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert!(!answer.contains(" 200 "), "answered: {answer}");
    assert!(took < Duration::from_secs(5), "cut off after {took:?}");
    assert_eq!(sandbox.requests_served(), 0, "no request was ever complete");
    // The sandbox still serves everyone else.
    sandbox.client().health_check().send().await.unwrap();
}

#[tokio::test]
async fn a_client_dripping_its_body_gets_a_408() {
    let sandbox = Sandbox::builder()
        .read_timeout(Duration::from_secs(1))
        .start()
        .await
        .unwrap();
    let head = format!(
        "POST /api/v1/agents/ HTTP/1.1\r\nHost: x\r\nX-Api-Key: {}\r\n\
         Content-Type: application/json\r\nContent-Length: 32\r\n\r\n",
        sandbox.api_key()
    );
    let (answer, took) = trickle(
        &sandbox,
        head.as_bytes(),
        b"{\"agent_name\": \"Slow\"}     ",
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 408"), "answered: {answer}");
    assert!(answer.contains("REQUEST_TIMEOUT"), "answered: {answer}");
    assert!(took < Duration::from_secs(5), "cut off after {took:?}");
    let agents = sandbox.client().list_agents().send().await.unwrap();
    assert!(agents.data.is_empty(), "the late agent was not created");
}

#[tokio::test]
async fn dropping_the_sandbox_closes_its_port() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client();
    client.list_agents().send().await.unwrap();
    let addr = sandbox.local_addr();
    drop(sandbox);
    let refused = tokio::net::TcpStream::connect(addr).await.unwrap_err();
    assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
    let client = client.with_options(|o| o.retry = agni::RetryPolicy::none());
    let error = client.list_agents().send().await.unwrap_err();
    assert!(
        matches!(
            error.kind(),
            ErrorKind::Connect | ErrorKind::ConnectionLost(_)
        ),
        "{error:#}"
    );
}

#[test]
fn handles_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Sandbox>();
    send_sync::<agni_sandbox::SandboxBuilder>();
}

#[test]
fn sandboxes_serve_any_runtime_and_none() {
    // Started on one runtime, used from another, dropped outside any.
    let sandbox = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(Sandbox::start())
        .unwrap();
    let agents = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async { sandbox.client().list_agents().send().await })
        .unwrap();
    assert!(agents.data.is_empty());
    let addr = sandbox.local_addr();
    drop(sandbox);
    assert!(std::net::TcpStream::connect(addr).is_err());
}

/// Kills the child process when the test ends, however it ends.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn the_binary_prints_its_address_and_serves() {
    use std::io::BufRead;

    let mut child = KillOnDrop(
        std::process::Command::new(env!("CARGO_BIN_EXE_agni-sandbox"))
            .args([
                "--port",
                "0",
                "--api-key",
                "sk_sandbox_cli",
                "--bearer-token",
                "jwt_sandbox_cli",
                "--encoding",
                "protojson",
            ])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("the binary starts"),
    );
    let mut lines = std::io::BufReader::new(child.0.stdout.take().unwrap()).lines();
    let first = lines.next().expect("a first line").unwrap();
    let base_url = first
        .rsplit(' ')
        .next()
        .filter(|url| url.starts_with("http://127.0.0.1:"))
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_owned();
    let key_line = lines.next().expect("a second line").unwrap();
    assert_eq!(key_line, "API key: sk_sandbox_cli");
    let token_line = lines.next().expect("a third line").unwrap();
    assert_eq!(token_line, "Bearer token: jwt_sandbox_cli");

    let client = agni::Client::builder()
        .base_url(&base_url)
        .api_key("sk_sandbox_cli")
        .build()
        .unwrap();
    let agents = client.list_agents().send().await.unwrap();
    assert!(agents.data.is_empty());
    let (status, body) = {
        let response = reqwest::Client::new()
            .get(format!("{base_url}/api/v1/agents/"))
            .header("X-Api-Key", "sk_sandbox_cli")
            .send()
            .await
            .unwrap();
        (
            response.status().as_u16(),
            response.json::<Value>().await.unwrap(),
        )
    };
    assert_eq!(status, 200);
    assert_eq!(body["meta"]["total"], json!("0"), "protojson: {body}");
    drop(child);
}
