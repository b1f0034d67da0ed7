//! Buying, releasing and importing phone numbers given as validated [`E164`] numbers. An invalid
//! number is an [`ErrorKind::InvalidRequest`](crate::ErrorKind) when `send` is called, before
//! anything is sent.

use crate::{Client, E164, Error, ResponseValue, prelude::*, types};

/// Validates a number given as text or as an [`E164`].
pub(crate) fn e164<N>(number: N) -> Result<E164, Error>
where
    N: TryInto<E164>,
    Error: From<N::Error>,
{
    Ok(number.try_into()?)
}

/// Buys a number: see [`Client::buy_number`].
#[derive(Debug)]
#[must_use = "nothing is bought until `send`"]
pub struct BuyNumber<'a> {
    client: &'a Client,
    number: Result<E164, Error>,
}

/// Releases a purchased number: see [`Client::release_number`].
#[derive(Debug)]
#[must_use = "nothing is released until `send`"]
pub struct ReleaseNumber<'a> {
    client: &'a Client,
    number: Result<E164, Error>,
}

/// Imports a number owned elsewhere: see [`Client::import_number`].
#[derive(Debug)]
#[must_use = "nothing is imported until `send`"]
pub struct ImportNumber<'a> {
    client: &'a Client,
    number: Result<E164, Error>,
    details: types::ImportPhoneNumberRequest,
}

impl Client {
    /// Buys `number` (find one with `list_available_numbers`).
    ///
    /// ```no_run
    /// # async fn run(client: &agni::Client) -> Result<(), agni::Error> {
    /// let bought = client.buy_number("+14155550100").send().await?;
    /// println!("{:?}", bought.data);
    /// # Ok(())
    /// # }
    /// ```
    pub fn buy_number<N>(&self, number: N) -> BuyNumber<'_>
    where
        N: TryInto<E164>,
        Error: From<N::Error>,
    {
        BuyNumber {
            client: self,
            number: e164(number),
        }
    }

    /// Releases a purchased `number`.
    ///
    /// ```no_run
    /// # async fn run(client: &agni::Client) -> Result<(), agni::Error> {
    /// client.release_number("+14155550100").send().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn release_number<N>(&self, number: N) -> ReleaseNumber<'_>
    where
        N: TryInto<E164>,
        Error: From<N::Error>,
    {
        ReleaseNumber {
            client: self,
            number: e164(number),
        }
    }

    /// Imports `number`, which you own elsewhere (a SIP trunk); set the trunk settings with
    /// [`ImportNumber::details`] (their `phone` is replaced by `number`).
    ///
    /// ```no_run
    /// # async fn run(client: &agni::Client) -> Result<(), agni::Error> {
    /// let details = agni::types::ImportPhoneNumberRequest {
    ///     name: Some("Front desk".into()),
    ///     termination_uri: Some("sip.example.com".into()),
    ///     ..Default::default()
    /// };
    /// client.import_number("+442071838750").details(details).send().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn import_number<N>(&self, number: N) -> ImportNumber<'_>
    where
        N: TryInto<E164>,
        Error: From<N::Error>,
    {
        ImportNumber {
            client: self,
            number: e164(number),
            details: types::ImportPhoneNumberRequest::default(),
        }
    }
}

impl BuyNumber<'_> {
    /// Buys the number.
    pub async fn send(self) -> Result<ResponseValue<types::BuyPhoneNumberResponse>, Error> {
        let request = types::BuyPhoneNumberRequest {
            phone_number: Some(self.number?.into()),
            ..Default::default()
        };
        self.client.buy_phone_number().body(request).send().await
    }
}

impl ReleaseNumber<'_> {
    /// Releases the number.
    pub async fn send(self) -> Result<ResponseValue<types::ReleasePhoneNumberResponse>, Error> {
        self.client
            .release_phone_number()
            .phone_number(self.number?)
            .send()
            .await
    }
}

impl ImportNumber<'_> {
    /// The trunk settings (name, termination URI, credentials, ...).
    pub fn details(mut self, details: types::ImportPhoneNumberRequest) -> Self {
        self.details = details;
        self
    }

    /// Imports the number.
    pub async fn send(self) -> Result<ResponseValue<types::ImportPhoneNumberResponse>, Error> {
        let request = types::ImportPhoneNumberRequest {
            phone: Some(self.number?.into()),
            ..self.details
        };
        self.client.import_phone_number().body(request).send().await
    }
}
