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
    /// The credentials the operation's `security` accepts, in order of preference: the first
    /// one the client holds is sent. Empty: none is sent.
    pub auth: &'static [Credential],
}

/// A credential an operation accepts (an entry of its `security` list).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Credential {
    /// The organisation's API key, as `X-Api-Key`.
    ApiKey,
    /// A dashboard user's JWT, as `Authorization: Bearer`.
    Bearer,
    /// Nothing (`{}` in `security`): the credentials listed before it are optional.
    Anonymous,
}
