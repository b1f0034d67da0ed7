//! Starting calls — a browser (LiveKit) web call, or an outbound phone call from validated
//! numbers. The result comes back as typed fields, not an envelope.

use std::fmt;

use serde_json::{Map, Value};

use super::numbers::e164;
use crate::{
    Client, E164, Error, ErrorKind,
    prelude::*,
    types::{self, CreateCallRequestType},
};

/// A LiveKit access token. Its `Debug` output is redacted; [`as_str`](Self::as_str) gives the
/// token to hand to a LiveKit client.
#[derive(Clone, PartialEq, Eq)]
pub struct LiveKitToken(String);

impl LiveKitToken {
    /// The token itself.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for LiveKitToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LiveKitToken(<redacted>)")
    }
}

/// A started call: its session, and where a participant joins it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StartedCall {
    /// The call session's id: the key of `get_call_session_detail`, the after-call webhook and
    /// the recording.
    pub session_id: String,
    /// The LiveKit room (`call_<session id>`).
    pub room_id: Option<String>,
    /// The LiveKit WebSocket URL to connect to.
    pub url: Option<String>,
    /// The LiveKit access token for the room.
    pub access_token: Option<LiveKitToken>,
}

/// A call about to be started; set metadata and prompt variables, then [`send`](Self::send).
#[derive(Debug)]
#[must_use = "a call is only started by `send`"]
pub struct StartCall<'a> {
    client: &'a Client,
    request: Result<types::CreateCallRequest, Error>,
}

impl Client {
    /// Starts a web call with `agent_id`, joined from a browser through LiveKit. No phone
    /// numbers are involved.
    ///
    /// ```no_run
    /// # async fn run(client: &agni::Client) -> Result<(), agni::Error> {
    /// let call = client
    ///     .start_web_call("0198f6a2-6d1e-7c1a-9d4f-2b1e3c4d5e6f")
    ///     .dynamic_variable("first_name", "Ada")
    ///     .metadata("crm_id", 42)
    ///     .send()
    ///     .await?;
    /// println!("join {:?} as session {}", call.url, call.session_id);
    /// # Ok(())
    /// # }
    /// ```
    pub fn start_web_call(&self, agent_id: impl Into<String>) -> StartCall<'_> {
        StartCall {
            client: self,
            request: Ok(call_request(
                CreateCallRequestType::WebCall,
                agent_id.into(),
            )),
        }
    }

    /// Starts an outbound phone call from `from` (a number bought, imported or connected in
    /// Agni) to `to`. Invalid numbers fail in `send` before anything is sent.
    ///
    /// ```no_run
    /// # async fn run(client: &agni::Client) -> Result<(), agni::Error> {
    /// let call = client
    ///     .start_outbound_call("0198f6a2-6d1e-7c1a-9d4f-2b1e3c4d5e6f", "+14157774444", "+12137774445")
    ///     .send()
    ///     .await?;
    /// println!("calling, session {}", call.session_id);
    /// # Ok(())
    /// # }
    /// ```
    pub fn start_outbound_call<F, T>(
        &self,
        agent_id: impl Into<String>,
        from: F,
        to: T,
    ) -> StartCall<'_>
    where
        F: TryInto<E164>,
        T: TryInto<E164>,
        Error: From<F::Error> + From<T::Error>,
    {
        let request = (|| {
            let mut request = call_request(CreateCallRequestType::OutboundCall, agent_id.into());
            request.from_phone_number = Some(e164(from)?);
            request.to_phone_number = Some(e164(to)?);
            Ok(request)
        })();
        StartCall {
            client: self,
            request,
        }
    }
}

fn call_request(kind: CreateCallRequestType, agent_id: String) -> types::CreateCallRequest {
    types::CreateCallRequest {
        type_: kind,
        agent_id,
        from_phone_number: None,
        to_phone_number: None,
        metadata: Map::new(),
        prompt_dynamic_variables: Map::new(),
        extra: Map::new(),
    }
}

impl StartCall<'_> {
    /// Adds a custom metadata entry, stored with the call session.
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        if let Ok(request) = &mut self.request {
            request.metadata.insert(key.into(), value.into());
        }
        self
    }

    /// Adds a variable injected into the agent's prompt; `key` matches a template variable.
    pub fn dynamic_variable(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        if let Ok(request) = &mut self.request {
            request
                .prompt_dynamic_variables
                .insert(key.into(), value.into());
        }
        self
    }

    /// Starts the call.
    pub async fn send(self) -> Result<StartedCall, Error> {
        let response = self
            .client
            .create_call()
            .body(self.request?)
            .send()
            .await?
            .into_inner();
        let session_id = response.session_id.ok_or_else(|| {
            Error::new(ErrorKind::Decode {
                status: reqwest::StatusCode::OK,
                path: "session_id".into(),
                excerpt: "the answer names no call session".into(),
            })
            .with_operation("create_call")
        })?;
        Ok(StartedCall {
            session_id,
            room_id: response.room_id,
            url: response.url,
            access_token: response.access_token.map(LiveKitToken),
        })
    }
}
