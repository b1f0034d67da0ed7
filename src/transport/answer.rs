//! Reading a successful answer: the envelope rule (a 2xx body saying `"success": false` is an
//! error) and decoding the body into the operation's type. Written once for every operation;
//! the recordings download applies the same rule to the JSON it follows.

use reqwest::{StatusCode, header::HeaderMap};
use serde::de::DeserializeOwned;

use super::{Operation, attempt::Buffered};
use crate::{ApiError, Error, ErrorKind, ResponseValue, error::excerpt};

/// An operation's answer type, as the envelope rule sees it: `agni-codegen` implements it for
/// every type an operation answers with, so the rule reads the decoded `success` flag instead of
/// the body a second time.
pub(crate) trait Envelope {
    /// Whether this is an envelope saying `"success": false`.
    fn reports_failure(&self) -> bool {
        false
    }
}

/// Decodes a buffered 2xx answer into `T` (an empty body reads as `null`, which is `()`), after
/// the envelope rule.
pub(crate) fn decode<T: DeserializeOwned + Envelope>(
    operation: &Operation,
    answer: Buffered,
) -> Result<ResponseValue<T>, Error> {
    let Buffered {
        status,
        headers,
        body,
    } = answer;
    let json: &[u8] = if body.is_empty() { b"null" } else { &body };
    match decode_json::<T>(json) {
        Ok(value) if value.reports_failure() => {
            Err(Error::from(ApiError::from_response(status, headers, &body))
                .with_operation(operation.id))
        }
        Ok(value) => Ok(ResponseValue::new(value, status, headers)),
        // A failure envelope need not have the success type's shape (its `data` is absent).
        Err(_) if let Some(error) = envelope_failure(status, &headers, &body) => {
            Err(error.with_operation(operation.id))
        }
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

/// The API error a 2xx body stands for when it is an envelope saying `"success": false`,
/// whatever else it holds. Parses the body: for answers that are not an operation's typed
/// success (a JSON recording pointer, a body that did not decode).
pub(crate) fn envelope_failure(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) -> Option<Error> {
    #[derive(serde::Deserialize)]
    struct Flag {
        success: Option<bool>,
    }
    let failed = serde_json::from_slice::<Flag>(body).is_ok_and(|flag| flag.success == Some(false));
    failed.then(|| ApiError::from_response(status, headers.clone(), body).into())
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
        assert!(says_failure(br#"{"succ\u0065ss": false}"#));
        // A nested `"success": false` is not the envelope's.
        assert!(!says_failure(
            br#"{"data": {"success": false}, "success": true}"#
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
