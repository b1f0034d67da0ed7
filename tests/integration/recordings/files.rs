//! The file variant: the file holds exactly the bytes, and a failed download leaves nothing
//! behind (no file, the previous file untouched, no temporary files).

use agni::ErrorKind;

use super::{ApiClient, Download, audio, audio_response};
use crate::support::raw_server::{Part, Server, head, json};

fn entries(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn file_variant_writes_the_file() {
    let audio = audio();
    let body = audio.clone();
    let api = Server::start(move |_| audio_response(&body)).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("call.mp3");

    let info = api
        .client()
        .download_to_file("s1", &path)
        .await
        .expect("downloads");
    assert_eq!(std::fs::read(&path).expect("file"), audio);
    assert_eq!(info.bytes_written, audio.len() as u64);
    assert_eq!(entries(dir.path()), ["call.mp3"]);
}

#[tokio::test]
async fn file_variant_leaves_nothing_on_error() {
    let dir = tempfile::tempdir().expect("tempdir");

    // An error answer: no file at all.
    let missing = Server::start(|_| json(404, r#"{"success": false, "message": "gone"}"#)).await;
    let path = dir.path().join("call.mp3");
    let error = missing
        .client()
        .download_to_file("s1", &path)
        .await
        .expect_err("404");
    assert!(error.is_not_found());
    assert!(entries(dir.path()).is_empty(), "{:?}", entries(dir.path()));

    // A body cut short, over an existing file: the old file is untouched, no leftovers.
    std::fs::write(&path, b"previous").expect("write");
    let truncated = Server::start(|_| {
        let mut bytes = head(200, &[("Content-Type", "audio/mpeg")], Some(100_000));
        bytes.extend_from_slice(&[1; 5000]);
        vec![Part::Bytes(bytes)]
    })
    .await;
    let error = truncated
        .client()
        .download_to_file("s1", &path)
        .await
        .expect_err("truncated");
    assert!(
        matches!(error.kind(), ErrorKind::ConnectionLost(_)),
        "{error:?}"
    );
    assert_eq!(std::fs::read(&path).expect("file"), b"previous");
    assert_eq!(entries(dir.path()), ["call.mp3"]);

    // A path whose directory does not exist: a clear error naming it.
    let error = truncated
        .client()
        .download_to_file("s1", dir.path().join("nope").join("call.mp3"))
        .await
        .expect_err("no directory");
    assert!(
        matches!(error.kind(), ErrorKind::Io { context } if context.contains("nope")),
        "{error:?}"
    );
}
