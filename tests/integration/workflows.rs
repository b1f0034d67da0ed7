//! The ergonomic layer over the generated operations: pagination streams, validated phone
//! numbers, call and campaign helpers — each checked against a loopback mock server for what
//! goes on the wire and how many requests are made.

use agni::{Client, Error, ErrorKind, prelude::*};
use httpmock::{Method::GET, Method::POST, Mock, MockServer};
use serde_json::{Value, json};

const KEY: &str = "sk_test_workflows";

fn client(server: &MockServer) -> Client {
    Client::builder()
        .api_key(KEY)
        .base_url(server.base_url())
        .build()
        .expect("client builds")
}

fn contacts(range: std::ops::Range<u32>) -> Value {
    range
        .map(|i| json!({"id": format!("c{i}"), "email": format!("c{i}@example.com")}))
        .collect()
}

/// A limit/offset page of contacts, answered only for exactly that limit and offset.
fn contact_page<'a>(server: &'a MockServer, offset: u32, limit: u32, body: Value) -> Mock<'a> {
    server.mock(|when, then| {
        when.method(GET)
            .path("/api/v1/contacts/")
            .query_param("limit", limit.to_string())
            .query_param("offset", offset.to_string());
        then.status(200).json_body(body);
    })
}

#[tokio::test]
async fn streams_several_pages_until_meta_total() {
    let server = MockServer::start();
    let pages: Vec<_> = [0, 2, 4]
        .into_iter()
        .map(|offset| {
            let items = contacts(offset..(offset + 2).min(5));
            contact_page(&server, offset, 2, json!({"success": true, "data": items, "meta": {"total": 5, "limit": 2, "offset": offset}}))
        })
        .collect();
    let all: Vec<_> = client(&server)
        .list_contacts()
        .stream_pages_of(2)
        .try_collect()
        .await
        .expect("all pages");
    let ids: Vec<_> = all.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["c0", "c1", "c2", "c3", "c4"]);
    for page in pages {
        page.assert_calls(1);
    }
}

#[tokio::test]
async fn total_sent_as_a_string_stops_the_stream() {
    let server = MockServer::start();
    // Exactly two full pages: only `total` can tell the stream not to ask for a third.
    let first = contact_page(
        &server,
        0,
        2,
        json!({"data": contacts(0..2), "meta": {"total": "4", "limit": "2", "offset": "0"}}),
    );
    let second = contact_page(
        &server,
        2,
        2,
        json!({"data": contacts(2..4), "meta": {"total": "4", "limit": "2", "offset": "2"}}),
    );
    let third = contact_page(&server, 4, 2, json!({"data": []}));
    let all: Vec<_> = client(&server)
        .list_contacts()
        .stream_pages_of(2)
        .try_collect()
        .await
        .expect("two pages");
    assert_eq!(all.len(), 4);
    first.assert_calls(1);
    second.assert_calls(1);
    third.assert_calls(0);
}

#[tokio::test]
async fn a_short_page_without_total_is_the_last() {
    let server = MockServer::start();
    let first = contact_page(&server, 0, 3, json!({"data": contacts(0..3)}));
    let last = contact_page(&server, 3, 3, json!({"data": contacts(3..4)}));
    let beyond = contact_page(&server, 6, 3, json!({"data": []}));
    let all: Vec<_> = client(&server)
        .list_contacts()
        .stream_pages_of(3)
        .try_collect()
        .await
        .expect("pages");
    assert_eq!(all.len(), 4);
    first.assert_calls(1);
    last.assert_calls(1);
    beyond.assert_calls(0);
}

#[tokio::test]
async fn a_list_without_meta_or_paging_is_one_request() {
    let server = MockServer::start();
    let list = server.mock(|when, then| {
        when.method(GET).path("/api/v1/widget-settings/");
        then.status(200).json_body(
            json!({"success": true, "data": [{"id": "w1"}, {"id": "w2"}, {"id": "w3"}]}),
        );
    });
    let all: Vec<_> = client(&server)
        .list_widget_settings()
        .stream()
        .try_collect()
        .await
        .expect("one page");
    assert_eq!(all.len(), 3);
    list.assert_calls(1);
}

#[tokio::test]
async fn call_sessions_page_by_number_from_data_call_sessions() {
    let server = MockServer::start();
    let page = |number: u32, ids: &[&str]| {
        let sessions: Vec<Value> = ids
            .iter()
            .map(|id| json!({"id": id, "agentId": "a1", "costTotal": "0.42"}))
            .collect();
        server.mock(|when, then| {
            when.method(GET)
                .path("/api/v1/calling/call-sessions")
                .query_param("page", number.to_string())
                .query_param("page_size", "2")
                .query_param("agent_id", "a1");
            then.status(200)
                .json_body(json!({"success": true, "data": {"callSessions": sessions}}));
        })
    };
    let first = page(1, &["s1", "s2"]);
    let second = page(2, &["s3"]);
    let sessions: Vec<_> = client(&server)
        .list_call_sessions()
        .agent_id("a1")
        .stream_pages_of(2)
        .try_collect()
        .await
        .expect("sessions");
    let ids: Vec<_> = sessions.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["s1", "s2", "s3"]);
    assert_eq!(sessions[0].cost_total, Some(0.42));
    first.assert_calls(1);
    second.assert_calls(1);
}

#[tokio::test]
async fn an_error_on_page_three_is_yielded_after_two_good_pages_and_ends_the_stream() {
    let server = MockServer::start();
    let meta = |offset: u32| json!({"total": 10, "limit": 2, "offset": offset});
    let first = contact_page(
        &server,
        0,
        2,
        json!({"data": contacts(0..2), "meta": meta(0)}),
    );
    let second = contact_page(
        &server,
        2,
        2,
        json!({"data": contacts(2..4), "meta": meta(2)}),
    );
    let third = server.mock(|when, then| {
        when.method(GET)
            .path("/api/v1/contacts/")
            .query_param("offset", "4");
        then.status(400)
            .json_body(json!({"code": 3, "message": "offset out of range", "details": []}));
    });
    let fourth = contact_page(
        &server,
        6,
        2,
        json!({"data": contacts(6..8), "meta": meta(6)}),
    );

    let results: Vec<Result<agni::types::Contact, Error>> = client(&server)
        .list_contacts()
        .stream_pages_of(2)
        .collect()
        .await;
    assert_eq!(results.len(), 5, "four items, then the error, then nothing");
    assert!(results[..4].iter().all(Result::is_ok));
    let error = results[4].as_ref().expect_err("page three fails");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(400));
    first.assert_calls(1);
    second.assert_calls(1);
    third.assert_calls(1);
    fourth.assert_calls(0);
}

/// Invalid phone numbers are refused by every helper before a request is made.
#[tokio::test]
async fn invalid_phone_numbers_never_reach_the_server() {
    let server = MockServer::start();
    let anything = server.mock(|when, then| {
        when.any_request();
        then.status(200).json_body(json!({"success": true}));
    });
    let client = client(&server);
    let campaign = agni::types::CreateCampaignRequest::builder()
        .name("n")
        .agent_id("a")
        .phone_number_id("p")
        .contact_ids(vec!["c".to_owned()]);
    let outcomes = [
        client.buy_number("4155550100").send().await.map(drop),
        client.buy_number("+1 415 CALL NOW").send().await.map(drop),
        // E.164-shaped, but too short for a North American number.
        client.buy_number("+1415555").send().await.map(drop),
        // No country has the code +999.
        client.buy_number("+999123456789").send().await.map(drop),
        client.release_number("+0155550100").send().await.map(drop),
        client.import_number("+1234").send().await.map(drop),
        client
            .start_outbound_call("a", "+14157774444", "not a number")
            .send()
            .await
            .map(drop),
        client
            .start_outbound_call("a", "+1415777444412345", "+12137774445")
            .send()
            .await
            .map(drop),
        client
            .create_campaign_from("415-777-4444", campaign)
            .send()
            .await
            .map(drop),
    ];
    for outcome in outcomes {
        let error = outcome.expect_err("refused");
        assert!(
            matches!(error.kind(), ErrorKind::InvalidRequest { .. }),
            "{error:?}"
        );
        assert!(
            error.to_string().contains("invalid phone number"),
            "{error}"
        );
    }
    anything.assert_calls(0);
}

#[tokio::test]
async fn phone_helpers_send_normalised_numbers() {
    let server = MockServer::start();
    let buy = server.mock(|when, then| {
        when.method(POST)
            .path("/api/v1/phone-numbers/buy/")
            .json_body(json!({"phone_number": "+14155550100"}));
        then.status(200).json_body(
            json!({"success": true, "data": {"phone_number": "+14155550100", "price": 1.15}}),
        );
    });
    // The purchase answer carries no id; the account's list does (spelled as the service may).
    let listed = server.mock(|when, then| {
        when.method(GET).path("/api/v1/phone-numbers/list");
        then.status(200).json_body(json!({"success": true, "data": [
            {"id": "n-other", "number": "+12137774445"},
            {"id": "n-bought", "number": "+1 415 555 0100"},
        ]}));
    });
    let release = server.mock(|when, then| {
        when.method(httpmock::Method::DELETE)
            .path("/api/v1/phone-numbers/+14155550100/release/");
        then.status(200).json_body(json!({"success": true}));
    });
    let client = client(&server);
    let bought = client
        .buy_number("+1 (415) 555-0100")
        .send()
        .await
        .expect("bought");
    assert_eq!(bought.purchase.price, Some(1.15));
    assert_eq!(bought.number.id, "n-bought", "the id a campaign takes");
    client
        .release_number(agni::E164::parse("+14155550100").expect("valid"))
        .send()
        .await
        .expect("released");
    buy.assert_calls(1);
    listed.assert_calls(1);
    release.assert_calls(1);
}

#[tokio::test]
async fn a_web_call_sends_no_phone_numbers_and_returns_typed_credentials() {
    let server = MockServer::start();
    let create = server.mock(|when, then| {
        when.method(POST).path("/api/v1/calling/create-call").json_body(json!({
            "type": "web_call",
            "agent_id": "agent-1",
            "metadata": {"crm_id": 42},
            "prompt_dynamic_variables": {"first_name": "Ada"}
        }));
        then.status(200).json_body(json!({
            "success": true, "message": "call created successfully",
            "access_token": "lk-secret-token", "room_id": "call_s1", "session_id": "s1", "url": "wss://livekit.example"
        }));
    });
    let call = client(&server)
        .start_web_call("agent-1")
        .metadata("crm_id", 42)
        .dynamic_variable("first_name", "Ada")
        .send()
        .await
        .expect("call starts");
    assert_eq!(call.session_id, "s1");
    assert_eq!(call.room_id.as_deref(), Some("call_s1"));
    assert_eq!(call.url.as_deref(), Some("wss://livekit.example"));
    assert_eq!(
        call.access_token.as_ref().map(|t| t.as_str()),
        Some("lk-secret-token")
    );
    assert!(
        !format!("{call:?}").contains("lk-secret-token"),
        "the token is redacted in Debug"
    );
    create.assert_calls(1);
}

#[tokio::test]
async fn an_outbound_call_sends_both_numbers() {
    let server = MockServer::start();
    let create = server.mock(|when, then| {
        when.method(POST)
            .path("/api/v1/calling/create-call")
            .json_body(json!({
                "type": "outbound_call",
                "agent_id": "agent-1",
                "from_phone_number": "+14157774444",
                "to_phone_number": "+12137774445"
            }));
        then.status(200)
            .json_body(json!({"session_id": "s2", "room_id": "call_s2"}));
    });
    let call = client(&server)
        .start_outbound_call("agent-1", "+1 415 777 4444", "+1-213-777-4445")
        .send()
        .await
        .expect("call starts");
    assert_eq!(call.session_id, "s2");
    assert!(call.access_token.is_none());
    create.assert_calls(1);
}
