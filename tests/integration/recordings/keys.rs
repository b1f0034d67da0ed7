//! Where the API key goes: to the API origin only; never to storage, whether reached by a
//! redirect (any 3xx status) or a JSON pointer; not even to the API with a token URL.

use std::sync::{Arc, Mutex};

use agni::ErrorKind;

use super::{API_KEY, ApiClient, Download, assert_no_key, audio, audio_response};
use crate::support::raw_server::{Server, json, redirect};

#[tokio::test]
async fn redirect_to_storage_does_not_carry_the_key() {
    let audio = audio();
    let body = audio.clone();
    let storage = Server::start(move |_| audio_response(&body)).await;
    let target = format!("{}/bucket/rec.mp3?X-Signature=abc", storage.origin());
    let api = Server::start(move |_| redirect(302, &target)).await;

    let mut out = Vec::new();
    let info = api
        .client()
        .download_into("s1", &mut out)
        .await
        .expect("downloads");

    assert_eq!(out, audio);
    let api_seen = api.seen();
    assert_eq!(api_seen.len(), 1);
    assert_eq!(api_seen[0].header("x-api-key"), Some(API_KEY));
    let storage_seen = storage.seen();
    assert_eq!(storage_seen.len(), 1);
    assert_eq!(storage_seen[0].target(), "/bucket/rec.mp3?X-Signature=abc");
    assert_no_key(&storage_seen);
    assert_eq!(info.final_url.port(), Some(storage.port()));
    // Debug output hides the signed query.
    assert!(!format!("{info:?}").contains("abc"), "{info:?}");
}

#[tokio::test]
async fn every_redirect_status_is_followed() {
    for status in [301, 302, 303, 307, 308] {
        let storage = Server::start(|_| audio_response(b"OggS")).await;
        let target = format!("{}/r.ogg", storage.origin());
        let api = Server::start(move |_| redirect(status, &target)).await;
        let mut out = Vec::new();
        api.client()
            .download_into("s1", &mut out)
            .await
            .unwrap_or_else(|e| panic!("{status}: {e:#}"));
        assert_eq!(out, b"OggS", "{status}");
        assert_no_key(&storage.seen());
    }
}

#[tokio::test]
async fn json_pointer_to_storage_does_not_carry_the_key() {
    let shapes = [
        r#"{"url": "URL"}"#,
        r#"{"recording_url": "URL"}"#,
        r#"{"success": true, "data": {"url": "URL"}}"#,
        r#"{"success": true, "data": {"recording_url": "URL"}}"#,
    ];
    let audio = audio();
    for shape in shapes {
        let body = audio.clone();
        let storage = Server::start(move |_| audio_response(&body)).await;
        let answer = shape.replace("URL", &format!("{}/objects/7.mp3", storage.origin()));
        let api = Server::start(move |_| json(200, &answer)).await;

        let mut out = Vec::new();
        let info = api
            .client()
            .download_into("s1", &mut out)
            .await
            .unwrap_or_else(|e| panic!("{shape}: {e:#}"));

        assert_eq!(out, audio, "{shape}");
        assert_eq!(api.seen()[0].header("x-api-key"), Some(API_KEY), "{shape}");
        let storage_seen = storage.seen();
        assert_eq!(storage_seen.len(), 1, "{shape}");
        assert_eq!(storage_seen[0].target(), "/objects/7.mp3", "{shape}");
        assert_no_key(&storage_seen);
        assert_eq!(info.final_url.port(), Some(storage.port()), "{shape}");
    }
}

#[tokio::test]
async fn json_without_a_url_is_a_decode_error() {
    let api = Server::start(|_| json(200, r#"{"success": true, "data": {}}"#)).await;
    let error = api
        .client()
        .download_into("s1", &mut Vec::new())
        .await
        .expect_err("no URL");
    assert!(
        matches!(error.kind(), ErrorKind::Decode { .. })
            && error.operation() == Some("download_recording"),
        "{error:?}"
    );
}

#[tokio::test]
async fn token_url_sends_no_key_even_to_the_api() {
    let api = Server::start(|_| audio_response(b"ID3\x04")).await;
    let url = format!(
        "{}/api/v1/calling/sessions/s1/recording?token=t0k%2Bx",
        api.origin()
    );
    let mut out = Vec::new();
    api.client()
        .download_into(url.as_str(), &mut out)
        .await
        .expect("downloads");
    assert_eq!(out, b"ID3\x04");
    let seen = api.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0].target(),
        "/api/v1/calling/sessions/s1/recording?token=t0k%2Bx"
    );
    assert_no_key(&seen);
}

#[tokio::test]
async fn a_url_on_another_origin_gets_no_key_and_one_on_the_api_does() {
    let storage = Server::start(|_| audio_response(b"a")).await;
    let api = Server::start(|_| audio_response(b"b")).await;
    let client = api.client();

    let mut out = Vec::new();
    client
        .download_into(format!("{}/x.mp3", storage.origin()), &mut out)
        .await
        .expect("downloads");
    assert_no_key(&storage.seen());

    // `localhost` is another origin than `127.0.0.1`, even on the same port.
    let other_name = format!(
        "http://localhost:{}/api/v1/calling/sessions/s1/recording",
        api.port()
    );
    client
        .download_into(other_name, &mut Vec::new())
        .await
        .expect("downloads");
    client
        .download_into(
            format!("{}/api/v1/calling/sessions/s1/recording", api.origin()),
            &mut Vec::new(),
        )
        .await
        .expect("downloads");
    let seen = api.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].header("x-api-key"), None);
    assert_eq!(seen[1].header("x-api-key"), Some(API_KEY));
}

#[tokio::test]
async fn a_redirect_back_to_the_api_origin_is_keyed_per_hop() {
    // API -> storage (no key) -> API again (key: same origin, no token).
    let api_port = Arc::new(Mutex::new(0u16));
    let port = Arc::clone(&api_port);
    let storage = Server::start(move |_| {
        let port = *port.lock().expect("port");
        redirect(307, &format!("http://127.0.0.1:{port}/final"))
    })
    .await;
    let hop = format!("{}/hop", storage.origin());
    let api = Server::start(move |seen| {
        if seen.target() == "/final" {
            audio_response(b"done")
        } else {
            redirect(302, &hop)
        }
    })
    .await;
    *api_port.lock().expect("port") = api.port();

    let mut out = Vec::new();
    api.client()
        .download_into("s1", &mut out)
        .await
        .expect("downloads");
    assert_eq!(out, b"done");
    assert_no_key(&storage.seen());
    let api_seen = api.seen();
    assert_eq!(api_seen.len(), 2);
    assert!(
        api_seen
            .iter()
            .all(|s| s.header("x-api-key") == Some(API_KEY))
    );
}
