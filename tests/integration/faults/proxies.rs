//! Proxies never see the key in clear text: with a plain-http (loopback) base URL the
//! environment's proxy variables are ignored, and an explicit `.proxy(..)` is refused at build.
//!
//! Setting environment variables inside this multi-threaded test binary would be unsound (other
//! tests read the environment concurrently), so the environment scenario runs in a CHILD
//! process: the parent re-runs this very binary with `--exact <child test>`, the proxy variable
//! set in the child's environment only, and the address of the API server in `CHILD_MARKER`.
//! The loopback "proxy" and API servers live in the parent, which asserts what each received,
//! and the child's exit status and output (so a child that did nothing cannot pass). Run
//! without the marker, as part of the normal suite, the child test does nothing.

use std::{
    process::{Command, Output, Stdio},
    time::{Duration, Instant},
};

use agni::{BuildError, prelude::*};

use super::{API_KEY, OK_BODY, ok};
use crate::support::raw_server::Server;

/// Set (to the API server's origin) only in the child's environment.
const CHILD_MARKER: &str = "AGNI_TEST_PROXY_CHILD_API";
/// What the child prints once both of its calls are done.
const CHILD_DONE: &str = "proxy child: SDK call and control call done";
/// How long the parent waits for the child (it runs one test of a few requests).
const CHILD_LIMIT: Duration = Duration::from_secs(60);

/// Every variable that could name, disable or bypass a proxy. All are removed from the child's
/// environment before the one under test is set: a `NO_PROXY=127.0.0.1` on a CI machine would
/// otherwise make the test pass for the wrong reason, and `REQUEST_METHOD` (CGI) makes the HTTP
/// client ignore `HTTP_PROXY`.
const PROXY_VARIABLES: [&str; 9] = [
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
    "REQUEST_METHOD",
];

/// The child test's full name inside this binary (`faults::proxies::proxy_child`).
fn child_test_name() -> String {
    let (_crate, within) = module_path!()
        .split_once("::")
        .expect("a module path inside the test binary");
    format!("{within}::proxy_child")
}

/// Runs the child test with `variable=<proxy>`, without blocking the runtime that drives the
/// parent's servers.
async fn run_child(variable: &str, proxy: &str, api: &str) -> Output {
    let mut command = Command::new(std::env::current_exe().expect("the test binary's path"));
    command
        .args([
            child_test_name().as_str(),
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for name in PROXY_VARIABLES {
        command.env_remove(name);
    }
    command.env(variable, proxy).env(CHILD_MARKER, api);
    let mut child = command.spawn().expect("the child test starts");
    let started = Instant::now();
    // The child's output is a few lines, far below a pipe's buffer: it cannot block on them.
    while child.try_wait().expect("the child's status").is_none() {
        if started.elapsed() > CHILD_LIMIT {
            let _ = child.kill();
            panic!("the child test ran longer than {CHILD_LIMIT:?}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.wait_with_output().expect("the child's output")
}

/// Issue 10: with `HTTP_PROXY`, `http_proxy` or `ALL_PROXY` (each alone) pointing at a loopback
/// proxy, a client on a plain-http loopback base URL sends its request directly: the API server
/// receives it, with the key; the proxy receives only the child's control request, made with a
/// default `reqwest` client, which proves the variable was in effect.
#[tokio::test]
async fn environment_proxies_never_see_a_plain_http_request() {
    for variable in ["HTTP_PROXY", "http_proxy", "ALL_PROXY"] {
        let proxy = Server::script(vec![ok(r#"{"proxied": true}"#)]).await;
        let api = Server::script(vec![ok(OK_BODY)]).await;
        let output = run_child(variable, &proxy.origin(), &api.origin()).await;
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        let context = format!("{variable}:\n{stdout}\n{stderr}");
        assert!(output.status.success(), "the child failed, {context}");
        assert!(
            stdout.contains(CHILD_DONE) && stdout.contains("1 passed"),
            "the child did not run its scenario, {context}"
        );

        let api_seen = api.seen();
        assert_eq!(api_seen.len(), 1, "{context}\n{api_seen:?}");
        assert_eq!(api_seen[0].line, "GET /api/v1/agents/a1/ HTTP/1.1");
        assert_eq!(api_seen[0].header("x-api-key"), Some(API_KEY));

        // Through a proxy a plain-http request has an absolute-form target.
        let proxy_seen = proxy.seen();
        assert_eq!(proxy_seen.len(), 1, "{context}\n{proxy_seen:?}");
        assert_eq!(
            proxy_seen[0].line,
            format!("GET {}/control HTTP/1.1", api.origin()),
            "only the control request goes through the proxy"
        );
        assert_eq!(proxy_seen[0].header("x-api-key"), None);
    }
}

/// The child half of `environment_proxies_never_see_a_plain_http_request`; does nothing unless
/// started by it.
#[tokio::test]
async fn proxy_child() {
    let Some(api) = std::env::var_os(CHILD_MARKER) else {
        return;
    };
    let api = api.into_string().expect("the API origin is UTF-8");
    let client = agni::Client::builder()
        .api_key(API_KEY)
        .base_url(&api)
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client builds");
    let agent = client
        .get_agent()
        .id("a1")
        .send()
        .await
        .expect("the SDK's call succeeds");
    assert_eq!(
        agent.into_inner().data.id,
        "a1",
        "answered by the API, not the proxy"
    );

    // The control: the same environment, a client that honours it.
    let control = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("reqwest client")
        .get(format!("{api}/control"))
        .send()
        .await
        .expect("the control call succeeds");
    let body = control.text().await.expect("the control's body");
    assert!(
        body.contains("proxied"),
        "the control did not go through the proxy: {body}"
    );
    println!("{CHILD_DONE}");
}

/// Issue 10: an explicit proxy with a plain-http base URL is refused at build, before anything
/// could reach either server.
#[tokio::test]
async fn an_explicit_proxy_for_a_plain_http_base_url_is_refused_at_build() {
    let proxy = Server::script(vec![ok("{}")]).await;
    let api = Server::script(vec![ok(OK_BODY)]).await;
    let built = agni::Client::builder()
        .api_key(API_KEY)
        .base_url(api.origin())
        .proxy(proxy.origin())
        .build();
    match built {
        Err(BuildError::InsecureProxy { url }) => {
            assert!(url.contains(&api.port().to_string()), "{url}");
        }
        Err(other) => panic!("expected BuildError::InsecureProxy, got {other:?}"),
        Ok(client) => panic!("a proxy for plain http was accepted: {client:?}"),
    }
    assert_eq!(proxy.count(), 0);
    assert_eq!(api.count(), 0);
}
