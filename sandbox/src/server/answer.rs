//! One request, from its request line to its answer: faults, routing, credentials, query and
//! body checks, then the world.

use std::{collections::BTreeMap, panic::AssertUnwindSafe};

use axum::body::Body;
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use hyper::body::Incoming;
use serde_json::{Value, json};
use tokio::runtime::Handle;

use super::{
    Config, Dropped, MAX_BODY_BYTES, Shared, lock,
    reply::{encode_reply, envelope, grpc, status_response},
};
use crate::{
    Fault,
    api::ApiRequest,
    spec::{Auth, Match, ParamKind, Route},
};

/// Everything between the request line and the answer, in the order the checks apply:
/// latency and faults, route, credentials, query, body, then the state.
pub(super) async fn answer(
    shared: &Shared,
    request: Request<Incoming>,
) -> Result<Response<Body>, Dropped> {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let found = shared.spec.route(&method, &path);
    let operation = match &found {
        Match::Found(route, _) => Some(route.operation.as_str()),
        _ => None,
    };
    if let Some(operation) = operation {
        *lock(&shared.per_operation)
            .entry(operation.to_owned())
            .or_default() += 1;
    }

    let (delay, fault) = shared.faults_for(operation);
    let delay = delay + shared.config.latency;
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    match fault {
        Some(Fault::DropConnection) => return Err(Dropped),
        Some(Fault::RateLimited { retry_after }) => {
            let mut response = grpc(
                StatusCode::TOO_MANY_REQUESTS,
                8,
                "rate limit exceeded, retry later",
            );
            if let Some(wait) = retry_after {
                let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            }
            return Ok(response);
        }
        Some(Fault::Status(status)) => return Ok(status_response(status)),
        Some(Fault::Latency(_)) | None => {}
    }

    let (route, path_params) = match found {
        Match::Found(route, params) => (route, params),
        Match::WrongMethod(allowed) => {
            let allowed: Vec<&str> = allowed.iter().map(Method::as_str).collect();
            let mut response = envelope(
                StatusCode::METHOD_NOT_ALLOWED,
                "METHOD_NOT_ALLOWED",
                &format!(
                    "{method} is not allowed on {path} (allowed: {})",
                    allowed.join(", ")
                ),
            );
            if let Ok(value) = HeaderValue::from_str(&allowed.join(", ")) {
                response.headers_mut().insert(header::ALLOW, value);
            }
            return Ok(response);
        }
        Match::NotFound { did_you_mean } => {
            let hint = did_you_mean
                .map(|template| format!(" (did you mean {template}? trailing slashes matter)"))
                .unwrap_or_default();
            return Ok(envelope(
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                &format!("no route for {method} {path}{hint}"),
            ));
        }
    };

    if let Err(missing) = authorize(&shared.config, route.auth, &request) {
        return Ok(grpc(
            StatusCode::UNAUTHORIZED,
            16,
            &format!("{missing} is missing or invalid"),
        ));
    }

    let query = match parse_query(route, request.uri().query()) {
        Ok(query) => query,
        Err(message) => return Ok(grpc(StatusCode::BAD_REQUEST, 3, &message)),
    };
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = match read_body(shared, route, &content_type, request.into_body()).await {
        Ok(body) => body,
        Err(BodyError::Invalid(message)) => return Ok(grpc(StatusCode::BAD_REQUEST, 3, &message)),
        Err(BodyError::Late) => {
            let mut response = envelope(
                StatusCode::REQUEST_TIMEOUT,
                "REQUEST_TIMEOUT",
                &format!(
                    "the request body did not arrive within {:?}",
                    shared.config.read_timeout
                ),
            );
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            return Ok(response);
        }
    };

    let api_request = ApiRequest {
        operation: route.operation.as_str(),
        path: path_params.into_iter().collect(),
        query,
        body,
    };
    let (reply, events) = {
        let mut world = lock(&shared.world);
        let reply = std::panic::catch_unwind(AssertUnwindSafe(|| world.handle(&api_request)));
        (reply, shared.collect_webhooks(&mut world))
    };
    shared.deliver(events, Some(&Handle::current()));
    Ok(match reply {
        Ok(reply) => encode_reply(shared, route, reply),
        Err(panic) => {
            let reason = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            envelope(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL_ERROR",
                &format!("the sandbox failed handling {}: {reason}", route.operation),
            )
        }
    })
}

/// Checks the credentials `auth` accepts; the error names what is missing. A request with a
/// `token` query parameter, where the operation takes one, passes: the world checks the token.
fn authorize<B>(config: &Config, auth: Auth, request: &Request<B>) -> Result<(), &'static str> {
    let signed = auth.signed_token
        && url::form_urlencoded::parse(request.uri().query().unwrap_or_default().as_bytes())
            .any(|(name, value)| name == "token" && !value.is_empty());
    if auth.anonymous || signed {
        return Ok(());
    }
    let headers = request.headers();
    let key = headers.get("x-api-key").map(HeaderValue::as_bytes);
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    if (auth.api_key && key == Some(config.api_key.as_bytes()))
        || (auth.bearer && bearer == Some(config.bearer_token.as_str()))
    {
        return Ok(());
    }
    Err(match (auth.api_key, auth.bearer) {
        (true, true) => "API key (or bearer token)",
        (true, false) => "API key",
        _ => "bearer token",
    })
}

/// Query parameters by name (the last value wins), with declared ones type-checked.
fn parse_query(route: &Route, raw: Option<&str>) -> Result<BTreeMap<String, String>, String> {
    let query: BTreeMap<String, String> =
        url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    for param in &route.query {
        let Some(value) = query.get(&param.name) else {
            if param.required {
                return Err(format!(
                    "missing required query parameter \"{}\"",
                    param.name
                ));
            }
            continue;
        };
        let (valid, expected) = match param.kind {
            ParamKind::String => (true, ""),
            ParamKind::Integer => (value.parse::<i64>().is_ok(), "an integer"),
            ParamKind::Number => (value.parse::<f64>().is_ok_and(f64::is_finite), "a number"),
            ParamKind::Boolean => (
                matches!(
                    value.as_str(),
                    "true"
                        | "false"
                        | "True"
                        | "False"
                        | "TRUE"
                        | "FALSE"
                        | "t"
                        | "f"
                        | "T"
                        | "F"
                        | "1"
                        | "0"
                ),
                "a boolean",
            ),
        };
        if !valid {
            return Err(format!(
                "invalid value for query parameter \"{}\": {value:?} is not {expected}",
                param.name
            ));
        }
    }
    Ok(query)
}

/// Why a request body is not accepted.
enum BodyError {
    /// A `400` with this message.
    Invalid(String),
    /// It did not arrive within the read timeout.
    Late,
}

impl From<String> for BodyError {
    fn from(message: String) -> Self {
        BodyError::Invalid(message)
    }
}

/// The body as the state sees it: `Null` for operations without one; otherwise JSON,
/// normalised (spellings, numeric strings, nulls) and validated against the schema. It must
/// arrive whole within the read timeout.
async fn read_body(
    shared: &Shared,
    route: &Route,
    content_type: &str,
    body: Incoming,
) -> Result<Value, BodyError> {
    let Some(spec) = &route.body else {
        return Ok(Value::Null);
    };
    let read = axum::body::to_bytes(Body::new(body), MAX_BODY_BYTES);
    let bytes = tokio::time::timeout(shared.config.read_timeout, read)
        .await
        .map_err(|_| BodyError::Late)?
        .map_err(|e| format!("cannot read the request body: {e}"))?;
    if content_type
        .to_ascii_lowercase()
        .starts_with("multipart/form-data")
    {
        if route.operation != "AddKnowledgeBaseSources" {
            return Err(BodyError::Invalid(format!(
                "{} takes a JSON body, not multipart/form-data",
                route.operation
            )));
        }
        return Ok(crate::multipart::describe_upload(content_type, &bytes)?);
    }
    let value: Value = if bytes.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        serde_json::from_slice(&bytes)
            .map_err(|e| format!("invalid JSON in the request body: {e}"))?
    };
    let value = shared
        .spec
        .schemas
        .normalize_request(value, Some(&spec.schema));
    let problems: Vec<String> = spec
        .validator
        .iter_errors(&value)
        .take(3)
        .map(|error| describe(&error))
        .collect();
    if !problems.is_empty() {
        return Err(BodyError::Invalid(format!(
            "invalid request body: {}",
            problems.join("; ")
        )));
    }
    Ok(value)
}

/// One clause naming the field a validation error is about.
fn describe(error: &jsonschema::ValidationError<'_>) -> String {
    let field = field_path(error.instance_path().as_str());
    if let jsonschema::error::ValidationErrorKind::Required { property } = error.kind() {
        let name = property
            .as_str()
            .map_or_else(|| property.to_string(), str::to_owned);
        let full = if field.is_empty() {
            name
        } else {
            format!("{field}.{name}")
        };
        return format!("missing required field \"{full}\"");
    }
    if field.is_empty() {
        error.to_string()
    } else {
        format!("field \"{field}\": {error}")
    }
}

/// `/contact_ids/0/name` → `contact_ids[0].name`.
fn field_path(pointer: &str) -> String {
    let mut out = String::new();
    for segment in pointer.split('/').skip(1) {
        let segment = segment.replace("~1", "/").replace("~0", "~");
        if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&format!("[{segment}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&segment);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_paths() {
        assert_eq!(field_path(""), "");
        assert_eq!(field_path("/temperature"), "temperature");
        assert_eq!(field_path("/contact_ids/0"), "contact_ids[0]");
        assert_eq!(field_path("/schedule/days/2/name"), "schedule.days[2].name");
    }
}
