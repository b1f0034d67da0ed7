//! Downloads that fail: error answers (envelope 404, `"success": false`, a huge error body),
//! redirect loops and redirects without a location, sources refused before sending, a body
//! cut short, a stalled hop.

use std::time::Duration;

use agni::{ErrorKind, LostStage};

use super::{API_KEY, ApiClient, Download, audio_response};
use crate::support::raw_server::{Part, Server, head, json, redirect, respond};

#[tokio::test]
async fn not_found_envelope_is_an_api_error() {
    let api = Server::start(|_| {
        json(
            404,
            r#"{"success": false, "message": "Recording not found",
                "error": {"code": "NOT_FOUND", "message": "no recording for this session"}}"#,
        )
    })
    .await;
    let error = api
        .client()
        .download_into("s1", &mut Vec::new())
        .await
        .expect_err("404");
    assert!(error.is_not_found(), "{error:?}");
    let api_error = error.api().expect("Error::Api");
    assert_eq!(api_error.message(), Some("no recording for this session"));
    assert!(!format!("{error:?} {error:#}").contains(API_KEY));
}

#[tokio::test]
async fn success_false_with_200_is_an_api_error() {
    let api = Server::start(|_| json(200, r#"{"success": false, "message": "not ready"}"#)).await;
    let error = api
        .client()
        .download_into("s1", &mut Vec::new())
        .await
        .expect_err("envelope failure");
    assert_eq!(
        error.api().and_then(agni::ApiError::message),
        Some("not ready")
    );
}

#[tokio::test]
async fn a_huge_error_body_is_read_only_in_part() {
    // A 404 promising 50 MB that never arrives: the SDK must not wait for (or hold) all of it.
    let api = Server::start(|_| {
        let mut bytes = head(404, &[("Content-Type", "text/html")], Some(50_000_000));
        bytes.extend_from_slice(&vec![b'x'; 200 * 1024]);
        vec![Part::Bytes(bytes), Part::Stall]
    })
    .await;
    let started = std::time::Instant::now();
    let error = api
        .client()
        .download_into("s1", &mut Vec::new())
        .await
        .expect_err("404");
    assert!(error.is_not_found(), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(4));
}

#[tokio::test]
async fn too_many_redirects_is_a_redirect_error() {
    let api = Server::start(|seen| {
        let n: u32 = seen
            .target()
            .split('?')
            .next()
            .unwrap_or("")
            .rsplit('/')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        redirect(302, &format!("/loop/{}?token=secret", n + 1))
    })
    .await;
    let error = api
        .client()
        .download_into("s1", &mut Vec::new())
        .await
        .expect_err("loops");
    match error.kind() {
        ErrorKind::Redirect { status, location } => {
            assert_eq!(status.as_u16(), 302);
            let location = location
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default();
            assert!(location.ends_with("/loop/6?token=<redacted>"), "{location}");
            assert!(!location.contains("secret"), "{location}");
        }
        other => panic!("expected ErrorKind::Redirect, got {other:?}"),
    }
    // The first request plus MAX_HOPS followed redirects.
    assert_eq!(api.seen().len(), 1 + agni::recordings::MAX_HOPS as usize);
}

#[tokio::test]
async fn a_redirect_without_location_is_a_redirect_error() {
    let api = Server::start(|_| respond(302, &[], b"")).await;
    let error = api
        .client()
        .download_into("s1", &mut Vec::new())
        .await
        .expect_err("no location");
    assert!(
        matches!(error.kind(), ErrorKind::Redirect { location: None, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn bad_sources_are_refused_before_sending() {
    let api = Server::start(|_| audio_response(b"x")).await;
    let client = api.client();
    for source in ["", "   ", "http://[::1", "https://"] {
        let error = client
            .download_into(source, &mut Vec::new())
            .await
            .expect_err(source);
        assert!(
            matches!(error.kind(), ErrorKind::InvalidRequest { .. }),
            "{source}: {error:?}"
        );
    }
    let ftp = url::Url::parse("ftp://127.0.0.1/x").expect("url");
    let error = client
        .download_into(ftp, &mut Vec::new())
        .await
        .expect_err("ftp");
    assert!(
        matches!(error.kind(), ErrorKind::InvalidRequest { .. }),
        "{error:?}"
    );
    assert!(api.seen().is_empty());
}

#[tokio::test]
async fn connection_lost_mid_body() {
    let api = Server::start(|_| {
        let mut bytes = head(200, &[("Content-Type", "audio/mpeg")], Some(1000));
        bytes.extend_from_slice(&[7; 100]);
        vec![Part::Bytes(bytes)]
    })
    .await;
    let mut out = Vec::new();
    let error = api
        .client()
        .download_into("s1", &mut out)
        .await
        .expect_err("truncated");
    assert!(
        matches!(error.kind(), ErrorKind::ConnectionLost(LostStage::MidBody)),
        "{error:?}"
    );
}

#[tokio::test]
async fn timeout_per_hop() {
    let api = Server::start(|_| {
        let mut bytes = head(200, &[("Content-Type", "audio/mpeg")], Some(1000));
        bytes.extend_from_slice(&[7; 10]);
        vec![Part::Bytes(bytes), Part::Stall]
    })
    .await;
    let client = api
        .client()
        .with_options(|o| o.timeout = Duration::from_millis(300));
    let error = client
        .download_into("s1", &mut Vec::new())
        .await
        .expect_err("stalls");
    assert!(matches!(error.kind(), ErrorKind::Timeout(_)), "{error:?}");
}
