//! Reading a successful answer: the envelope rule (a 2xx body saying `"success": false` is an
//! error) and decoding the body into the operation's type. Written once for every operation;
//! the recordings download applies the same rule to the JSON it follows.

use std::sync::LazyLock;

use memchr::memmem::Finder;
use reqwest::{StatusCode, header::HeaderMap};
use serde::de::DeserializeOwned;

use super::{Operation, attempt::Buffered};
use crate::{ApiError, Error, ErrorKind, ResponseValue, error::excerpt};

/// Decodes a buffered 2xx answer into `T` (an empty body reads as `null`, which is `()`), after
/// the envelope rule.
pub(crate) fn decode<T: DeserializeOwned>(
    operation: &Operation,
    answer: Buffered,
) -> Result<ResponseValue<T>, Error> {
    let Buffered {
        status,
        headers,
        body,
    } = answer;
    if let Some(error) = envelope_failure(status, &headers, &body) {
        return Err(error.with_operation(operation.id));
    }
    let json: &[u8] = if body.is_empty() { b"null" } else { &body };
    match decode_json(json) {
        Ok(value) => Ok(ResponseValue::new(value, status, headers)),
        Err(source) => Err(Error::new(ErrorKind::Decode {
            status,
            path: failing_path::<T>(json),
            excerpt: excerpt(&body),
        })
        .with_operation(operation.id)
        .with_source(source)),
    }
}

/// JSON into `T`, checking UTF-8 once for the whole body: serde_json's `from_str` then skips
/// checking every string again (a tenth of the time it takes to decode a list of agents). A
/// body that is not UTF-8 goes to `from_slice`, which says where.
fn decode_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, serde_json::Error> {
    match std::str::from_utf8(body) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(body),
    }
}

/// Where in `body` decoding into `T` fails, as a serde path (`data[3].status`). A required member
/// that is missing (a resource's `id`, an envelope's `data`) is named in the path too, since
/// serde reports it at the object that lacks it. Runs only on the failure path: it decodes
/// again, tracking the path.
fn failing_path<T: DeserializeOwned>(body: &[u8]) -> String {
    let Err(error) =
        serde_path_to_error::deserialize::<_, T>(&mut serde_json::Deserializer::from_slice(body))
    else {
        return ".".to_owned();
    };
    let path = error.path().to_string();
    match missing_field(error.inner()) {
        Some(field) if path == "." => field,
        Some(field) => format!("{path}.{field}"),
        None => path,
    }
}

/// `data` in serde's "missing field `data`": serde says a member is absent only in its message.
fn missing_field(error: &serde_json::Error) -> Option<String> {
    let message = error.to_string();
    let field = message.strip_prefix("missing field `")?.split('`').next()?;
    Some(field.to_owned())
}

/// The API error a 2xx body stands for when it is an envelope saying `"success": false`.
pub(crate) fn envelope_failure(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) -> Option<Error> {
    #[derive(serde::Deserialize)]
    struct Envelope {
        success: Option<bool>,
    }
    let failed = body.first() == Some(&b'{')
        && may_say_failure(body)
        && serde_json::from_slice::<Envelope>(body)
            .is_ok_and(|envelope| envelope.success == Some(false));
    failed.then(|| ApiError::from_response(status, headers.clone(), body).into())
}

/// Whether `body` can be an envelope saying `"success": false`, by a byte scan far cheaper than
/// parsing (parsing a 100-agent list just to find `"success": true` cost a fifth of the client's
/// time per call in `cargo xtask bench`). Exact in one direction: a `false` here means the parse
/// cannot find it. Without a `\u` escape (which could spell the key another way) such a body
/// must hold the literal key `"success"`, then only whitespace, `:`, whitespace and `false`;
/// anything that might be that (a nested key included) goes on to the real parse, which decides.
fn may_say_failure(body: &[u8]) -> bool {
    fn skip_whitespace(bytes: &[u8]) -> &[u8] {
        let start = bytes
            .iter()
            .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
            .unwrap_or(bytes.len());
        &bytes[start..]
    }
    static KEY: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"\"success\""));
    static ESCAPE: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"\\u"));
    if memchr::memchr(b'\\', body).is_some() && ESCAPE.find(body).is_some() {
        return true;
    }
    KEY.find_iter(body).any(|at| {
        skip_whitespace(&body[at + KEY.needle().len()..])
            .strip_prefix(b":")
            .is_some_and(|value| skip_whitespace(value).starts_with(b"false"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn says_failure(body: &[u8]) -> bool {
        envelope_failure(StatusCode::OK, &HeaderMap::new(), body).is_some()
    }

    #[test]
    fn envelope_failure_detection() {
        assert!(says_failure(br#"{"success": false, "message": "no"}"#));
        assert!(!says_failure(br#"{"success": true}"#));
        assert!(!says_failure(br#"{"data": []}"#));
        assert!(!says_failure(b""));
        assert!(!says_failure(b"[]"));
        // Whitespace anywhere JSON allows it, and the key spelled with escapes.
        assert!(says_failure(
            b"{\"data\": [1, 2],\n  \"success\"\t :\r\n false }"
        ));
        assert!(says_failure(br#"{"succ\u0065ss": false}"#));
        // A nested `"success": false` is not the envelope's.
        assert!(!says_failure(
            br#"{"data": {"success": false}, "success": true}"#
        ));
        assert!(!says_failure(
            br#"{"data": {"note": "success", "ok": false}, "success": true}"#
        ));
    }

    #[test]
    fn the_byte_scan_never_hides_a_failure_the_parse_would_find() {
        let bodies: &[&[u8]] = &[
            br#"{"success": false}"#,
            br#"{"success":false,"message":"no"}"#,
            br#"{"message": "no", "success" : false}"#,
            br#"{"succ\u0065ss": false}"#,
            br#"{"success": true, "data": {"success": false}}"#,
            br#"{"success": "false"}"#,
            br#"{"data": "\"success\": false"}"#,
            br#"{"success": true}"#,
            br#"{"success": null}"#,
            br#"{"data": [{"enabled": false}], "success": true}"#,
        ];
        #[derive(serde::Deserialize)]
        struct Envelope {
            success: Option<bool>,
        }
        for body in bodies {
            let parsed = serde_json::from_slice::<Envelope>(body)
                .is_ok_and(|envelope| envelope.success == Some(false));
            assert!(
                !parsed || may_say_failure(body),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        // The common case skips the parse: a list of agents whose booleans are `false`.
        assert!(!may_say_failure(
            br#"{"data": [{"enabled": false}], "success": true}"#
        ));
    }

    #[test]
    fn a_failure_envelope_is_an_api_error_with_its_message() {
        let error = envelope_failure(
            StatusCode::OK,
            &HeaderMap::new(),
            br#"{"success": false, "message": "slot taken"}"#,
        )
        .expect("failure");
        assert_eq!(error.api().and_then(ApiError::message), Some("slot taken"));
    }
}
