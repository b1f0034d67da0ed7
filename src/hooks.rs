//! The hooks progenitor calls around every generated operation: the one place that
//! authenticates requests and executes them (with retries, see [`crate::retry`]), so no
//! operation can forget either.

use std::future::Future;

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};

use crate::{
    Client, ClientState,
    call::{Credential, Operation, with_call},
};

/// The description used if `pre` ever ran outside `call::send` (every generated `send` goes
/// through it): the spec's global requirement, the API key.
static API_KEY_ONLY: Operation = Operation {
    id: "",
    method: "",
    path: "",
    auth: &[Credential::ApiKey],
};

impl ClientHooks<ClientState> for Client {
    /// Adds the credential the operation's `security` asks for. Without one the client holds, it
    /// fails with `InvalidRequest` here, before anything is sent.
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        let operation = with_call(|call| call.operation).unwrap_or(&API_KEY_ONLY);
        self.inner()
            .authenticate(request, operation.auth, operation.id)
            .map_err(progenitor_client::Error::InvalidRequest)
    }

    // Returns the retry loop's future itself rather than awaiting it in an `async fn`: one
    // layer fewer to copy it through (see `call::send`).
    fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> impl Future<Output = reqwest::Result<reqwest::Response>> {
        crate::retry::execute(self, request, info.operation_id)
    }
}
