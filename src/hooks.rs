//! The hooks progenitor calls around every generated operation: the one place that
//! authenticates requests and executes them (with retries, see [`crate::retry`]), so no
//! operation can forget either.

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

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        crate::retry::execute(self, request, info.operation_id).await
    }
}
