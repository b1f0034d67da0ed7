//! Injected faults: rate limits, error statuses, dropped connections and latency, with exact
//! request counts.

use super::*;

#[tokio::test]
async fn rate_limited_once_then_ok() {
    let sandbox = Sandbox::builder()
        .fault(
            "CreateCall",
            Fault::RateLimited {
                retry_after: Some(Duration::from_secs(1)),
            }
            .times(1),
        )
        .start()
        .await
        .unwrap();
    let client = sandbox.client();
    let agent = create_agent(&client, "Maya").await;
    let started = Instant::now();
    let call = client
        .start_web_call(&agent)
        .send()
        .await
        .expect("the retry succeeds");
    assert!(!call.session_id.is_empty());
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After was honoured"
    );
    assert_eq!(sandbox.requests_for("CreateCall"), 2);
    assert_eq!(sandbox.requests_served(), 3);
    let sessions = client.list_call_sessions().send().await.unwrap();
    let sessions = sessions.into_inner().data.unwrap_or_default().call_sessions;
    assert_eq!(
        sessions.len(),
        1,
        "the rate-limited attempt created no call"
    );
}

#[tokio::test]
async fn rate_limited_without_retry_after() {
    let sandbox = Sandbox::builder()
        .fault("ListAgents", Fault::RateLimited { retry_after: None })
        .start()
        .await
        .unwrap();
    let client = sandbox
        .client()
        .with_options(|o| o.retry = agni::RetryPolicy::none());
    let error = client.list_agents().send().await.unwrap_err();
    assert!(error.is_rate_limited(), "{error:#}");
    assert_eq!(error.retry_after(), None);
    assert_eq!(
        error.api().and_then(|e| e.code()),
        Some(&ErrorCode::Grpc(8))
    );
    assert_eq!(sandbox.requests_served(), 1);
}

#[tokio::test]
async fn unavailable_forever_fails_after_three_attempts() {
    let sandbox = Sandbox::builder()
        .fault("ListAgents", Fault::Status(503))
        .start()
        .await
        .unwrap();
    let error = sandbox.client().list_agents().send().await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503), "{error:#}");
    assert_eq!(
        error.api().and_then(|e| e.code()),
        Some(&ErrorCode::Symbolic("SERVICE_UNAVAILABLE".into()))
    );
    assert_eq!(sandbox.requests_for("ListAgents"), 3);
    // Other operations are unaffected.
    sandbox.client().health_check().send().await.unwrap();
}

#[tokio::test]
async fn dropped_connection_on_purchase_buys_nothing() {
    let sandbox = Sandbox::builder()
        .fault("BuyPhoneNumber", Fault::DropConnection.times(1))
        .start()
        .await
        .unwrap();
    let client = sandbox.client();
    let available = client
        .list_available_numbers()
        .iso_country("US")
        .send()
        .await
        .unwrap();
    let number = available
        .data
        .iter()
        .find_map(|n| n.phone_number.clone())
        .expect("the default seed has US numbers");

    let error = client.buy_number(number.as_str()).send().await.unwrap_err();
    assert!(
        matches!(error.kind(), ErrorKind::ConnectionLost(_)),
        "expected a lost connection, got {error:#}"
    );
    assert_eq!(
        sandbox.requests_for("BuyPhoneNumber"),
        1,
        "a POST is never resent"
    );
    let purchased = client.list_purchased_numbers().send().await.unwrap();
    assert!(
        purchased.data.is_empty(),
        "nothing was bought: {:?}",
        purchased.data
    );

    // The fault was spent: the purchase now goes through.
    client.buy_number(number.as_str()).send().await.unwrap();
    let purchased = client.list_purchased_numbers().send().await.unwrap();
    assert_eq!(purchased.data.len(), 1);
    assert_eq!(sandbox.requests_for("BuyPhoneNumber"), 2);
}

#[tokio::test]
async fn latency_is_observable() {
    let sandbox = Sandbox::builder()
        .latency(Duration::from_millis(100))
        .fault(
            "ListAgents",
            Fault::Latency(Duration::from_millis(300)).times(1),
        )
        .start()
        .await
        .unwrap();
    let client = sandbox.client();
    let started = Instant::now();
    client.list_agents().send().await.unwrap();
    let first = started.elapsed();
    assert!(first >= Duration::from_millis(400), "{first:?}");
    let started = Instant::now();
    client.list_agents().send().await.unwrap();
    let second = started.elapsed();
    assert!(second >= Duration::from_millis(100), "{second:?}");
    assert!(
        second < Duration::from_millis(400),
        "the injected latency was spent: {second:?}"
    );
}

#[tokio::test]
async fn faults_must_name_a_known_operation() {
    let error = Sandbox::builder()
        .fault("CreateCalls", Fault::Status(500))
        .start()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
    assert!(error.to_string().contains("CreateCalls"));
}
