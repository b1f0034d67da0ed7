//! Path parameters cannot change which endpoint a request goes to: inside a segment, `/`, `..`
//! and `?` are percent-encoded; a whole segment that URL parsing would collapse (`.`, `..`,
//! their encodings, or nothing at all) is refused before anything is sent.

use agni::{Error, ErrorKind, prelude::*};

use super::{OK_BODY, client_for, ok};
use crate::support::raw_server::Server;

/// A path parameter is one encoded segment; it can neither climb, split nor start a query.
#[tokio::test]
async fn path_parameters_cannot_change_the_route() {
    let cases = [
        ("../x", "/api/v1/agents/..%2Fx/"),
        ("a/b", "/api/v1/agents/a%2Fb/"),
        // progenitor's PATH_SET leaves `=` (a sub-delimiter, legal in a segment) unencoded.
        ("?q=1", "/api/v1/agents/%3Fq=1/"),
    ];
    for (id, expected) in cases {
        let server = Server::script(vec![ok(OK_BODY)]).await;
        let outcome = client_for(server.port()).get_agent().id(id).send().await;
        assert!(outcome.is_ok(), "{id}: {outcome:?}");
        let seen = server.seen();
        assert_eq!(seen.len(), 1);
        let path = seen[0].target();
        let segment = path
            .strip_prefix("/api/v1/agents/")
            .and_then(|rest| rest.strip_suffix('/'))
            .unwrap_or_else(|| panic!("{id}: route changed to {path}"));
        assert!(!segment.contains(['/', '?', '#']), "{id}: sent {path}");
        assert_eq!(path, expected, "{id}");
        assert!(seen[0].line.starts_with("GET "), "{}", seen[0].line);
    }
}

/// Values URL parsing would collapse as dot segments, or an empty segment.
const ROUTE_CHANGERS: [&str; 5] = [".", "..", "", "%2e", "%2E%2e"];

/// Asserts `outcome` is a refusal to send `operation` that names `parameter`.
fn assert_refused(outcome: Result<(), Error>, operation: &str, parameter: &str, value: &str) {
    let error = outcome.expect_err("a route-changing path parameter must be refused");
    let context = format!("{operation}, {parameter} = {value:?}: {error:?}");
    match error.kind() {
        ErrorKind::InvalidRequest { reason } => assert!(
            reason.contains(&format!("path parameter `{parameter}`")),
            "{context}"
        ),
        _ => panic!("expected ErrorKind::InvalidRequest, {context}"),
    }
    assert_eq!(error.operation(), Some(operation), "{context}");
    assert_eq!(error.attempts(), 0, "{context}");
}

/// Issue 10: `remove_contact_from_campaign().id("..").contact_id(X)` used to be sent as
/// `DELETE /api/v1/contacts/X`, `get_agent().id(".")` as `GET /api/v1/agents/`. Every such
/// value, in every position, is refused with `InvalidRequest` naming the parameter, and the
/// server, which would answer anything with a 200, receives no request at all.
#[tokio::test]
async fn dot_segments_and_empty_ids_are_refused_before_sending() {
    let server = Server::script(vec![ok(OK_BODY)]).await;
    let client = client_for(server.port());
    for value in ROUTE_CHANGERS {
        let outcome = client.get_agent().id(value).send().await.map(drop);
        assert_refused(outcome, "get_agent", "id", value);

        let outcome = client.delete_agent().id(value).send().await.map(drop);
        assert_refused(outcome, "delete_agent", "id", value);

        let outcome = client
            .remove_contact_from_campaign()
            .id(value)
            .contact_id("c1")
            .send()
            .await
            .map(drop);
        assert_refused(outcome, "remove_contact_from_campaign", "id", value);

        let outcome = client
            .remove_contact_from_campaign()
            .id("k1")
            .contact_id(value)
            .send()
            .await
            .map(drop);
        assert_refused(outcome, "remove_contact_from_campaign", "contact_id", value);
    }
    assert_eq!(server.count(), 0, "{:?}", server.seen());

    // The same client and server with a real id: one request arrives, so the zero above is the
    // SDK refusing, not a server that could not be reached.
    client
        .get_agent()
        .id("a1")
        .send()
        .await
        .expect("a real id is sent");
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].line, "GET /api/v1/agents/a1/ HTTP/1.1");
}
