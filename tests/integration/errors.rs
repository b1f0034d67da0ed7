//! The messages a person reads (issue 14): the exact `Display` of the errors users meet most,
//! each produced end to end against the loopback server, with its request count. A change to
//! any of these sentences is a change to what users see, so it must show up here.
//!
//! Retries use a 1–5 ms backoff, so the three-attempt cases take milliseconds.

use std::time::Duration;

use agni::{Error, prelude::*};

use crate::support::raw_server::{Reply, Server, json, stall};

const API_KEY: &str = "sk_test_ERRORS";

fn client(server: &Server) -> agni::Client {
    agni::Client::builder()
        .api_key(API_KEY)
        .base_url(server.origin())
        .retry(agni::RetryPolicy {
            initial_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(5),
            ..agni::RetryPolicy::default()
        })
        // Generous: on a loaded machine a slow answer must not become a timeout and a retry.
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client builds")
}

/// `get_agent().id("a1")` against a server playing `script`, with the client's options changed;
/// asserts the request count and returns the error.
async fn get_agent_error(
    script: Vec<Reply>,
    requests: usize,
    change: impl FnOnce(&mut agni::Options),
) -> Error {
    let server = Server::script(script).await;
    let error = client(&server)
        .with_options(change)
        .get_agent()
        .id("a1")
        .send()
        .await
        .expect_err("the call fails");
    assert_eq!(server.count(), requests, "{error:?}");
    assert!(!format!("{error:#} {error:?}").contains(API_KEY));
    error
}

#[tokio::test]
async fn a_wrong_key_names_the_operation_and_the_grpc_status() {
    let error = get_agent_error(
        vec![json(
            401,
            r#"{"code":16,"message":"API key is missing or invalid","details":[]}"#,
        )],
        1,
        |_| {},
    )
    .await;
    assert_eq!(
        error.to_string(),
        "get_agent: the Agni API answered 401 Unauthorized (gRPC 16 UNAUTHENTICATED): \
         API key is missing or invalid"
    );
}

#[tokio::test]
async fn an_attempt_timeout_names_the_option_its_value_and_the_attempts() {
    // Short enough to end quickly, long enough for each attempt to reach the server.
    let error = get_agent_error(vec![stall()], 3, |o| o.timeout = Duration::from_millis(500)).await;
    assert_eq!(
        error.to_string(),
        "get_agent: no complete answer within the 500 ms per-attempt timeout (Options::timeout) \
         (gave up after 3 attempts)"
    );
}

#[tokio::test]
async fn a_503_three_times_says_it_gave_up_after_three_attempts() {
    let error = get_agent_error(
        vec![json(
            503,
            r#"{"success": false, "message": "service unavailable"}"#,
        )],
        3,
        |_| {},
    )
    .await;
    assert_eq!(
        error.to_string(),
        "get_agent: the Agni API answered 503 Service Unavailable: service unavailable \
         (gave up after 3 attempts)"
    );
}

#[tokio::test]
async fn a_missing_path_parameter_names_the_operation_and_the_setter() {
    let server = Server::script(vec![json(200, "{}")]).await;
    let error = client(&server).get_agent().send().await.expect_err("no id");
    assert_eq!(server.count(), 0);
    assert_eq!(
        error.to_string(),
        "get_agent: invalid request, nothing was sent: parameter `id` is required: \
         call `.id(..)`"
    );
}

/// Documented bounds come from the spec (`minimum`/`maximum` of a parameter), checked by one
/// generated mechanism before anything is sent.
#[tokio::test]
async fn a_value_outside_its_documented_range_is_refused_naming_the_range() {
    let server = Server::script(vec![json(200, "{}")]).await;
    let client = client(&server);
    let error = client
        .list_agents()
        .limit(-5)
        .send()
        .await
        .expect_err("below 1");
    assert_eq!(
        error.to_string(),
        "list_agents: invalid request, nothing was sent: parameter `limit` is -5; the API \
         documents it as at least 1"
    );
    let error = client
        .list_calcom_appointments()
        .limit(500)
        .send()
        .await
        .expect_err("above 200");
    assert_eq!(
        error.to_string(),
        "list_calcom_appointments: invalid request, nothing was sent: parameter `limit` is \
         500; the API documents it as between 1 and 200"
    );
    assert_eq!(server.count(), 0);
}

/// A deadline shorter than the attempt timeout: the one attempt is cut by the deadline, and no
/// time is left for another (deterministic however slow the machine is).
#[tokio::test]
async fn a_deadline_names_the_option_and_its_value() {
    let error = get_agent_error(vec![stall()], 1, |o| {
        o.deadline = Duration::from_secs(1);
    })
    .await;
    assert_eq!(
        error.to_string(),
        "get_agent: the 1 s deadline for the whole call (Options::deadline) ran out"
    );
}

#[tokio::test]
async fn a_dot_segment_id_names_the_parameter_and_the_danger() {
    let server = Server::script(vec![json(200, "{}")]).await;
    let error = client(&server)
        .get_agent()
        .id("..")
        .send()
        .await
        .expect_err("refused");
    assert_eq!(server.count(), 0);
    assert_eq!(
        error.to_string(),
        "get_agent: invalid request, nothing was sent: path parameter `id` is \"..\", which \
         would send the request to another route; give the resource's id"
    );
}

#[tokio::test]
async fn a_refused_connection_says_nothing_was_sent() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("local addr").port()
    };
    let error = agni::Client::builder()
        .api_key(API_KEY)
        .base_url(format!("http://127.0.0.1:{port}"))
        .retry(agni::RetryPolicy::none())
        .build()
        .expect("client builds")
        .get_agent()
        .id("a1")
        .send()
        .await
        .expect_err("nothing listens");
    assert_eq!(
        error.to_string(),
        "get_agent: cannot connect to the Agni API; the request was not sent"
    );
}
