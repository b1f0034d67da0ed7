//! The loopback server every contender talks to: hyper's HTTP/1.1 connection loop, no router
//! framework, answering from canned bytes on a thread (and core) of its own.

use std::{convert::Infallible, net::SocketAddr, sync::Arc};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request, Response, StatusCode, body::Incoming, service::service_fn};
use hyper_util::rt::TokioIo;

use crate::{
    harness::{self, API_KEY},
    plain::calls,
};

/// The bodies the server answers with, the same bytes for every contender.
#[derive(Debug, Clone)]
pub struct Canned {
    /// `GET /api/v1/agents/{id}/`.
    pub get_agent: Bytes,
    /// `GET /api/v1/agents/` (100 agents, whatever the query).
    pub list_agents: Bytes,
    /// `POST /api/v1/calling/create-call`, when the body is [`harness::CREATE_CALL_BODY`].
    pub create_call: Bytes,
    /// The decode benchmark's list, snake_case.
    pub decode_snake: Bytes,
    /// The same list, lowerCamelCase.
    pub decode_camel: Bytes,
    /// Contact `i`'s JSON; a list of `n` contacts is the first `n` (see
    /// [`harness::contacts_base_url`]), paged by the request's `limit` and `offset`.
    pub contacts: Vec<Bytes>,
}

/// Starts the server on `127.0.0.1` on a thread with a single-threaded runtime; returns its
/// address. It runs until the process exits.
pub fn spawn(canned: Canned) -> std::io::Result<SocketAddr> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let address = listener.local_addr()?;
    let canned = Arc::new(canned);
    std::thread::Builder::new()
        .name("agni-bench-server".to_owned())
        .spawn(move || runtime.block_on(accept(listener, canned)))?;
    Ok(address)
}

async fn accept(listener: tokio::net::TcpListener, canned: Arc<Canned>) {
    while let Ok((stream, _)) = listener.accept().await {
        let _ = stream.set_nodelay(true);
        let canned = Arc::clone(&canned);
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                let canned = Arc::clone(&canned);
                async move { Ok::<_, Infallible>(answer(&canned, request).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn answer(canned: &Canned, request: Request<Incoming>) -> Response<Full<Bytes>> {
    if request.headers().get("x-api-key").map(|v| v.as_bytes()) != Some(API_KEY.as_bytes()) {
        return respond(StatusCode::UNAUTHORIZED, Bytes::from_static(b"{}"));
    }
    let path = request.uri().path();
    if request.method() == Method::POST {
        if path != "/api/v1/calling/create-call" {
            return respond(StatusCode::NOT_FOUND, Bytes::from_static(b"{}"));
        }
        // The whole body is read either way, so every contender's request costs the server the
        // same; only the exact bytes get the canned answer.
        let body = request.into_body().collect().await.map(|b| b.to_bytes());
        return match body {
            Ok(body) if body == harness::CREATE_CALL_BODY.as_bytes() => {
                respond(StatusCode::OK, canned.create_call.clone())
            }
            _ => respond(
                StatusCode::BAD_REQUEST,
                Bytes::from_static(b"{\"message\":\"not the benchmark's CreateCall body\"}"),
            ),
        };
    }
    if let Some(total) = contacts_total(path) {
        return contacts_page(canned, total, request.uri().query().unwrap_or(""));
    }
    let body = if path == "/api/v1/agents/" {
        &canned.list_agents
    } else if path.starts_with("/api/v1/agents/") {
        &canned.get_agent
    } else if path == harness::decode_path("snake") {
        &canned.decode_snake
    } else if path == harness::decode_path("camel") {
        &canned.decode_camel
    } else {
        return respond(StatusCode::NOT_FOUND, Bytes::from_static(b"{}"));
    };
    respond(StatusCode::OK, body.clone())
}

/// `N` of `/bench/contacts-N/api/v1/contacts/`.
fn contacts_total(path: &str) -> Option<usize> {
    path.strip_suffix("/api/v1/contacts/")?
        .strip_prefix(harness::CONTACTS_PREFIX)?
        .parse()
        .ok()
}

/// The page `query`'s `limit` and `offset` ask for, of the first `total` contacts.
fn contacts_page(canned: &Canned, total: usize, query: &str) -> Response<Full<Bytes>> {
    if total > canned.contacts.len() {
        return respond(StatusCode::NOT_FOUND, Bytes::from_static(b"{}"));
    }
    let param = |name: &str| -> Option<usize> {
        query
            .split('&')
            .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
            .and_then(|value| value.parse().ok())
    };
    let limit = param("limit").unwrap_or(20);
    let offset = param("offset").unwrap_or(0).min(total);
    let end = offset.saturating_add(limit).min(total);
    let items = canned.contacts[offset..end].iter().map(|c| &c[..]);
    let body = calls::list_contacts_page(items, limit as u64, offset as u64, total as u64);
    respond(StatusCode::OK, Bytes::from(body))
}

fn respond(status: StatusCode, body: Bytes) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_lists_are_named_by_their_path() {
        let base = harness::contacts_base_url("", 100_000);
        assert_eq!(
            contacts_total(&format!("{base}/api/v1/contacts/")),
            Some(100_000)
        );
        assert_eq!(contacts_total("/api/v1/contacts/"), None);
        assert_eq!(contacts_total("/bench/contacts-x/api/v1/contacts/"), None);
    }
}
