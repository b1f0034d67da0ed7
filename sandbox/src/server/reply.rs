//! Answers in the real service's shapes: the world's replies re-encoded as configured, gRPC
//! status bodies for 400 and 401, the error envelope for the other statuses.

use axum::body::Body;
use http::{HeaderValue, Response, StatusCode, header};
use serde_json::{Value, json};

use super::Shared;
use crate::{
    Encoding,
    api::{ApiReply, Failure},
    schema::Style,
    spec::Route,
};

pub(super) fn encode_reply(shared: &Shared, route: &Route, reply: ApiReply) -> Response<Body> {
    match reply {
        ApiReply::Json(value) => {
            let style = match shared.config.encoding {
                Encoding::Spec => Style {
                    camel_case: false,
                    wide_numbers_as_strings: false,
                },
                Encoding::Protojson => Style {
                    camel_case: route.camel_case,
                    wide_numbers_as_strings: true,
                },
            };
            let value = shared
                .spec
                .schemas
                .encode_response(value, route.response.as_ref(), style);
            json_response(StatusCode::OK, &value)
        }
        ApiReply::Empty => Response::new(Body::empty()),
        ApiReply::Bytes { content_type, body } => {
            let mut response = Response::new(Body::from(body));
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            response
        }
        ApiReply::Failure(failure) => match failure {
            Failure::InvalidArgument(message) => grpc(StatusCode::BAD_REQUEST, 3, &message),
            Failure::Unauthenticated(message) => grpc(StatusCode::UNAUTHORIZED, 16, &message),
            Failure::NotFound(message) => envelope(StatusCode::NOT_FOUND, "NOT_FOUND", &message),
            Failure::Conflict(message) => envelope(StatusCode::CONFLICT, "CONFLICT", &message),
            Failure::FailedPrecondition(message) => envelope(
                StatusCode::UNPROCESSABLE_ENTITY,
                "FAILED_PRECONDITION",
                &message,
            ),
        },
    }
}

/// An injected error status, in the upstream shape for it.
pub(super) fn status_response(status: u16) -> Response<Body> {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let reason = status.canonical_reason().unwrap_or("Error");
    match status.as_u16() {
        400 => grpc(status, 3, "invalid argument (injected)"),
        401 => grpc(status, 16, "API key is missing or invalid"),
        429 => grpc(status, 8, "rate limit exceeded, retry later"),
        _ if status.is_client_error() || status.is_server_error() => {
            let code = match status.as_u16() {
                403 => "FORBIDDEN",
                408 => "REQUEST_TIMEOUT",
                404 => "NOT_FOUND",
                409 => "CONFLICT",
                422 => "FAILED_PRECONDITION",
                500 => "INTERNAL_ERROR",
                502 => "BAD_GATEWAY",
                503 => "SERVICE_UNAVAILABLE",
                504 => "GATEWAY_TIMEOUT",
                _ => "ERROR",
            };
            envelope(status, code, &format!("{reason} (injected)"))
        }
        _ => {
            let mut response = Response::new(Body::empty());
            *response.status_mut() = status;
            response
        }
    }
}

/// The gRPC status body of 400 and 401 answers.
pub(super) fn grpc(status: StatusCode, code: i32, message: &str) -> Response<Body> {
    json_response(
        status,
        &json!({"code": code, "message": message, "details": []}),
    )
}

/// The envelope body of 403, 404, 409, 422 and 5xx answers.
pub(super) fn envelope(status: StatusCode, code: &str, message: &str) -> Response<Body> {
    json_response(
        status,
        &json!({
            "success": false,
            "message": message,
            "error": {"code": code, "message": message},
        }),
    )
}

fn json_response(status: StatusCode, value: &Value) -> Response<Body> {
    let mut response = Response::new(Body::from(value.to_string()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}
