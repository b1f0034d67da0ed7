//! [`Operation`]: the static description of an operation that every call carries, written by
//! `agni-codegen` for each generated operation (from `openapi.yaml`) and by hand for the
//! hand-written ones.

/// What the request path needs to know about an operation besides the request itself.
#[derive(Debug)]
pub(crate) struct Operation {
    /// The method name, e.g. `list_agents`: names the operation in errors and traces.
    pub id: &'static str,
    /// The path template, e.g. `/api/v1/agents/{id}/`: low-cardinality, for traces.
    pub path: &'static str,
    /// The credential the operation's `security` names.
    pub auth: Auth,
}

/// Which credential an operation is sent with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Auth {
    /// The organisation's API key, as `X-Api-Key`.
    ApiKey,
    /// A dashboard user's JWT, as `Authorization: Bearer`.
    #[allow(dead_code)] // Until the overlay declares the bearer-authenticated operations.
    Bearer,
    /// Nothing: health checks, OAuth callbacks, and hops to a pre-signed URL.
    None,
}
