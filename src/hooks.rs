//! The hooks progenitor calls around every generated operation: the one place that
//! authenticates requests and executes them (with retries, see [`crate::retry`]), so no
//! operation can forget either.

use std::future::Future;

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};

use crate::{Client, ClientState};

impl ClientHooks<ClientState> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        self.inner().authenticate(request);
        Ok(())
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
