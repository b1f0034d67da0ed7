//! The hooks progenitor calls around every generated operation: the one place that
//! authenticates requests, so no operation can forget to.

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
}
