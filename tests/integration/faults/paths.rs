//! Path parameters cannot change which endpoint a request goes to: inside a segment, `/`, `..`
//! and `?` are percent-encoded.

use agni::prelude::*;

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
