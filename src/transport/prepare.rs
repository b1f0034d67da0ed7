//! What every request gets before it leaves: the credential its operation names, and the
//! client's extra headers and query parameters ([`Options`](crate::Options)); and the checks the
//! generated request code calls on parameters before it builds a URL.

use std::{borrow::Cow, fmt::Display};

use percent_encoding::percent_decode_str;
use reqwest::Request;

use reqwest::header::{HeaderName, HeaderValue};

use super::{Credential, Operation};
use crate::{
    ClientState, Error,
    client::{API_KEY_ENV, BEARER_TOKEN_ENV},
};

/// Adds the credential and the per-client extras to `request`, or refuses it (nothing sent)
/// when the operation needs a credential the client does not have.
pub(crate) fn prepare(
    state: &ClientState,
    operation: &Operation,
    request: &mut Request,
) -> Result<(), Error> {
    let credential = credential(state, operation)?;
    let options = state.options();
    let headers = request.headers_mut();
    for (name, value) in &options.headers {
        headers.insert(name, value.clone());
    }
    if let Some((name, value)) = credential {
        headers.insert(name, value.clone());
    }
    if !options.query.is_empty() {
        request
            .url_mut()
            .query_pairs_mut()
            .extend_pairs(options.query.iter());
    }
    Ok(())
}

/// The first of the operation's accepted credentials the client holds; `None` when it accepts
/// none or accepts going without one; an error naming what to configure otherwise.
fn credential<'a>(
    state: &'a ClientState,
    operation: &Operation,
) -> Result<Option<(HeaderName, &'a HeaderValue)>, Error> {
    for accepted in operation.auth {
        let held = match accepted {
            Credential::ApiKey => state.api_key_header(),
            Credential::Bearer => state.bearer_header(),
            Credential::Anonymous => return Ok(None),
        };
        if held.is_some() {
            return Ok(held);
        }
    }
    if operation.auth.is_empty() {
        return Ok(None);
    }
    let key = format!("an API key: call `.api_key(..)` on the client builder or set {API_KEY_ENV}");
    let token = format!(
        "a bearer token (a dashboard JWT): call `.bearer_token(..)` on the client builder or set \
         {BEARER_TOKEN_ENV}"
    );
    let needs = match (
        operation.auth.contains(&Credential::ApiKey),
        operation.auth.contains(&Credential::Bearer),
    ) {
        (true, true) => format!("{key}, or {token}"),
        (true, false) => key,
        (false, _) => token,
    };
    Err(Error::invalid_request(format!(
        "this operation needs {needs}"
    )))
}

/// Percent-encodes one path parameter, refusing values that would make the URL name another
/// route: empty, `.`, `..`, or their percent-encoded forms (`%2e`), which URL parsing
/// collapses as dot segments (`/agents/../contacts/x` is `/contacts/x`).
pub(crate) fn path_segment<'a>(name: &str, value: &'a str) -> Result<Cow<'a, str>, String> {
    // The common case, an id of letters, digits and `-`/`_`, needs neither decoding nor
    // encoding: it is used as it is (a tenth of a small GET's client-side instructions went
    // to percent-decoding and re-encoding ids, `cargo xtask bench --instructions`).
    let plain = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'+' | b'~');
    if !value.is_empty() && value.bytes().all(plain) {
        return Ok(Cow::Borrowed(value));
    }
    let decoded = percent_decode_str(value).decode_utf8_lossy();
    if decoded.is_empty() || decoded == "." || decoded == ".." {
        return Err(format!(
            "path parameter `{name}` is {value:?}, which would send the request to another \
             route; give the resource's id"
        ));
    }
    Ok(Cow::Owned(progenitor_client::encode_path(value)))
}

/// A numeric parameter type, compared with its documented bounds as `f64` (exact for every
/// value a bound in the spec can distinguish).
pub(crate) trait Number: Copy + Display {
    fn as_f64(self) -> f64;
}

macro_rules! numbers {
    ($($t:ty),*) => {$(
        impl Number for $t {
            #[allow(clippy::cast_precision_loss, clippy::cast_lossless)]
            fn as_f64(self) -> f64 {
                self as f64
            }
        }
    )*};
}
numbers!(i8, i16, i32, i64, u8, u16, u32, u64, f32, f64);

/// Checks a parameter against the minimum and maximum its schema documents.
pub(crate) fn check_range<T: Number>(
    name: &str,
    value: Option<&T>,
    minimum: Option<f64>,
    maximum: Option<f64>,
) -> Result<(), String> {
    let Some(&value) = value else { return Ok(()) };
    let number = value.as_f64();
    let below = minimum.is_some_and(|minimum| number < minimum);
    let above = maximum.is_some_and(|maximum| number > maximum);
    if !(below || above) {
        return Ok(());
    }
    let range = match (minimum, maximum) {
        (Some(minimum), Some(maximum)) => format!("between {minimum} and {maximum}"),
        (Some(minimum), None) => format!("at least {minimum}"),
        (None, Some(maximum)) => format!("at most {maximum}"),
        (None, None) => "unbounded".to_owned(),
    };
    Err(format!(
        "parameter `{name}` is {value}; the API documents it as {range}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_that_change_the_route_are_refused() {
        for value in ["", ".", "..", "%2e", "%2E%2e", ".%2E"] {
            let error = path_segment("id", value).expect_err(value);
            assert!(error.contains("path parameter `id`"), "{error}");
        }
        assert_eq!(path_segment("id", "a/b c?").as_deref(), Ok("a%2Fb%20c%3F"));
        assert_eq!(path_segment("id", "...").as_deref(), Ok("..."));
        assert_eq!(path_segment("id", "a..b").as_deref(), Ok("a..b"));
        assert_eq!(
            path_segment("id", "+14155550100").as_deref(),
            Ok("+14155550100")
        );
    }

    #[test]
    fn ranges() {
        assert!(check_range("limit", Some(&200i32), Some(1.0), Some(200.0)).is_ok());
        assert!(check_range::<i32>("limit", None, Some(1.0), Some(200.0)).is_ok());
        let error = check_range("limit", Some(&-5i32), Some(1.0), Some(200.0)).expect_err("below");
        assert_eq!(
            error,
            "parameter `limit` is -5; the API documents it as between 1 and 200"
        );
        assert!(check_range("limit", Some(&201u32), None, Some(200.0)).is_err());
    }
}
