//! The loopback server every contender talks to: hyper's HTTP/1.1 connection loop, no router
//! framework, answering from canned bytes on a thread (and core) of its own.

use std::{convert::Infallible, net::SocketAddr, sync::Arc};

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Request, Response, StatusCode, body::Incoming, service::service_fn};
use hyper_util::rt::TokioIo;

use crate::harness::{self, API_KEY};

/// The bodies the server answers with, the same bytes for every contender.
#[derive(Debug, Clone)]
pub struct Canned {
    /// `GET /api/v1/agents/{id}/`.
    pub get_agent: Bytes,
    /// `GET /api/v1/agents/` (100 agents, whatever the query).
    pub list_agents: Bytes,
    /// The decode benchmark's list, snake_case.
    pub decode_snake: Bytes,
    /// The same list, lowerCamelCase.
    pub decode_camel: Bytes,
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
                async move { Ok::<_, Infallible>(answer(&canned, &request)) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

fn answer(canned: &Canned, request: &Request<Incoming>) -> Response<Full<Bytes>> {
    if request.headers().get("x-api-key").map(|v| v.as_bytes()) != Some(API_KEY.as_bytes()) {
        return respond(StatusCode::UNAUTHORIZED, Bytes::from_static(b"{}"));
    }
    let path = request.uri().path();
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

fn respond(status: StatusCode, body: Bytes) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    response
}
