//! Serving a router with a bound on the time to read request headers: `axum::serve` sets no
//! timer, so hyper's `header_read_timeout` is off there and a client that never finishes its
//! headers (slow-loris), or an idle kept-alive connection, holds its socket forever.

use std::{fmt::Debug, io};

use ::axum::{Router, serve::Listener};
use hyper::server::conn::http1;
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    service::TowerToHyperService,
};

use crate::Limits;

/// Serves `router` on `listener` (HTTP/1.1) like `axum::serve`, but closes every connection
/// whose request headers do not arrive whole within [`Limits::header_read_timeout`] of the
/// default [`Limits`] (10 s) — a new connection, or a kept-alive one going idle. With the
/// endpoint's own body timeout, no client holds a connection longer than the two timeouts
/// plus your handler's time, however slowly it sends. Runs until the process ends; accept
/// errors (out of file descriptors, ...) are retried after a pause, as `axum::serve` does.
///
/// ```no_run
/// use agni_webhooks::CallCompleted;
///
/// # async fn run() -> std::io::Result<()> {
/// let app = axum::Router::new().route(
///     "/webhooks/agni/3f9c0b1e7d",
///     agni_webhooks::axum::endpoint(|call: CallCompleted| async move {
///         println!("{} ended", call.session_id);
///         Ok::<(), std::convert::Infallible>(())
///     }),
/// );
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
/// agni_webhooks::axum::serve(listener, app).await
/// # }
/// ```
pub async fn serve<L>(listener: L, router: Router) -> io::Result<()>
where
    L: Listener,
    L::Addr: Debug,
{
    serve_with(listener, router, Limits::default()).await
}

/// [`serve`] with the header timeout of `limits` ([`Limits::header_read_timeout`]).
///
/// ```no_run
/// use std::time::Duration;
/// use agni_webhooks::{CallCompleted, Limits};
///
/// # async fn run() -> std::io::Result<()> {
/// let limits = Limits::default().with_header_read_timeout(Duration::from_secs(5));
/// let app = axum::Router::new().route(
///     "/webhooks/agni/3f9c0b1e7d",
///     agni_webhooks::axum::Endpoint::new().limits(limits).route(|call: CallCompleted| async move {
///         println!("{} ended", call.session_id);
///         Ok::<(), std::convert::Infallible>(())
///     }),
/// );
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
/// agni_webhooks::axum::serve_with(listener, app, limits).await
/// # }
/// ```
pub async fn serve_with<L>(mut listener: L, router: Router, limits: Limits) -> io::Result<()>
where
    L: Listener,
    L::Addr: Debug,
{
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    loop {
        // `Listener::accept` retries its own errors.
        let (io, remote) = listener.accept().await;
        let connection =
            http.serve_connection(TokioIo::new(io), TowerToHyperService::new(router.clone()));
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(?remote, %error, "agni webhook server: connection ended");
            }
        });
    }
}
