//! After-call webhooks: queued for `next_webhook`, posted to a receiver and retried.

use super::*;

#[tokio::test]
async fn a_call_that_ends_emits_its_webhook() {
    let sandbox = Sandbox::builder()
        .webhook_shape(WebhookShape::RealDelivery)
        .start()
        .await
        .unwrap();
    let client = sandbox.client();
    let agent = create_agent(&client, "Maya").await;
    let call = client.start_web_call(&agent).send().await.unwrap();
    assert!(
        sandbox.end_call(&call.session_id),
        "the call was in progress"
    );
    assert!(!sandbox.end_call(&call.session_id), "it has ended");
    let event = sandbox
        .next_webhook_timeout(Duration::from_secs(5))
        .await
        .expect("an after-call event");
    assert_eq!(event["event"], "call_completed", "{event}");
    let parsed = agni_webhooks::CallCompleted::from_value(event).unwrap();
    assert_eq!(parsed.dedup_key(), call.session_id);
    assert!(
        sandbox
            .next_webhook_timeout(Duration::from_millis(50))
            .await
            .is_none()
    );
}

/// A loopback receiver that answers the first delivery 500 and the next ones 200.
async fn flaky_receiver() -> (String, Arc<Mutex<Vec<Value>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks/after-call", listener.local_addr().unwrap());
    let received = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&received);
    tokio::spawn(async move {
        for attempt in 0..10 {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let mut reader = tokio::io::BufReader::new(stream);
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
                    break;
                }
                if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = value.trim().parse().unwrap_or(0);
                }
                if line == "\r\n" {
                    break;
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).await.unwrap();
            log.lock()
                .unwrap()
                .push(serde_json::from_slice(&body).unwrap());
            let status = if attempt == 0 {
                "500 Internal Server Error"
            } else {
                "200 OK"
            };
            let response =
                format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            reader
                .get_mut()
                .write_all(response.as_bytes())
                .await
                .unwrap();
        }
    });
    (url, received)
}

#[tokio::test]
async fn webhooks_are_posted_and_retried_on_non_2xx() {
    let (url, received) = flaky_receiver().await;
    let sandbox = Sandbox::builder()
        .webhook_url(&url)
        .webhook_shape(WebhookShape::Documented)
        .start()
        .await
        .unwrap();
    let client = sandbox.client();
    let agent = create_agent(&client, "Maya").await;
    let call = client.start_web_call(&agent).send().await.unwrap();
    // Any later request lets the call end.
    client.list_agents().send().await.unwrap();
    let queued = sandbox
        .next_webhook_timeout(Duration::from_secs(5))
        .await
        .expect("the event is queued too");
    assert_eq!(queued["event"], "call.completed", "{queued}");

    let deadline = Instant::now() + Duration::from_secs(5);
    while received.lock().unwrap().len() < 2 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let received = received.lock().unwrap().clone();
    assert_eq!(
        received.len(),
        2,
        "one failed delivery, one retry: {received:?}"
    );
    assert_eq!(received[0], received[1]);
    let event = agni_webhooks::CallCompleted::from_value(received[0].clone()).unwrap();
    assert_eq!(event.dedup_key(), call.session_id);
}
