//! Creating a campaign that dials from a validated number.

use super::numbers::e164;
use crate::{Client, E164, Error, ResponseValue, prelude::*, types};

/// Creates a campaign: see [`Client::create_campaign_from`].
#[derive(Debug)]
#[must_use = "nothing is created until `send`"]
pub struct CreateCampaignFrom<'a> {
    client: &'a Client,
    from: Result<E164, Error>,
    campaign: types::builder::CreateCampaignRequest,
}

impl Client {
    /// Creates a campaign that dials from `from`; `campaign` carries the rest (name, agent,
    /// phone number id, contacts, schedule). Start it with `start_campaign`. An invalid number
    /// fails in `send`, before anything is sent.
    ///
    /// ```no_run
    /// # async fn run(client: &agni::Client) -> Result<(), agni::Error> {
    /// let campaign = agni::types::CreateCampaignRequest::builder()
    ///     .name("November renewals")
    ///     .agent_id("0198f6a2-6d1e-7c1a-9d4f-2b1e3c4d5e6f")
    ///     .phone_number_id("0198f6a2-3333-7000-8000-00000000000d")
    ///     .contact_ids(vec!["c1".to_owned(), "c2".to_owned()]);
    /// let created = client.create_campaign_from("+14157774444", campaign).send().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn create_campaign_from<N>(
        &self,
        from: N,
        campaign: types::builder::CreateCampaignRequest,
    ) -> CreateCampaignFrom<'_>
    where
        N: TryInto<E164>,
        Error: From<N::Error>,
    {
        CreateCampaignFrom {
            client: self,
            from: e164(from),
            campaign,
        }
    }
}

impl CreateCampaignFrom<'_> {
    /// Creates the campaign.
    pub async fn send(self) -> Result<ResponseValue<types::CampaignResponse>, Error> {
        self.client
            .create_campaign()
            .body(self.campaign.from_phone_number(self.from?))
            .send()
            .await
    }
}
