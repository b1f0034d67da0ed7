//! Buying, releasing and importing phone numbers given as validated [`E164`] numbers. An invalid
//! number is an [`ErrorKind::InvalidRequest`](crate::ErrorKind) when `send` is called, before
//! anything is sent.

use crate::{Client, E164, Error, ErrorKind, ResponseValue, prelude::*, types};

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
    /// Buys `number` (find one with `list_available_numbers`) and returns it as the account
    /// lists it, with the id a campaign's `phone_number_id` takes.
    ///
    /// The purchase answer carries no id (its documented fields are the number, the price, the
    /// time and a status), so `send` then lists the account's numbers (`list_purchased_numbers`,
    /// one GET) and takes the entry with this number — or with the answer's `id`, if the service
    /// starts sending one. The purchase itself is never retried after it may have reached the
    /// server: a repeat would buy twice.
    ///
    /// ```no_run
    /// # async fn run(client: &agni::Client) -> Result<(), agni::Error> {
    /// let bought = client.buy_number("+14155550100").send().await?;
    /// println!("{} costs {:?} a month", bought.number.id, bought.purchase.price);
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

/// A bought number: what the purchase answered, and the number as the account lists it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct BoughtNumber {
    /// The purchase answer's `data` (price, time, status), when it had one.
    pub purchase: types::PurchasedPhoneNumber,
    /// The number as `list_purchased_numbers` lists it: its `id` is a campaign's
    /// `phone_number_id`.
    pub number: types::PurchasedNumber,
}

impl BuyNumber<'_> {
    /// Buys the number, then finds it among the account's numbers.
    pub async fn send(self) -> Result<BoughtNumber, Error> {
        let number = self.number?;
        let request = types::BuyPhoneNumberRequest {
            phone_number: Some(number.clone()),
            ..Default::default()
        };
        let answer = self.client.buy_phone_number().body(request).send().await?;
        let purchase = answer.into_inner().data.unwrap_or_default();
        let id = purchase.extra.get("id").and_then(|id| id.as_str());
        let owned = self
            .client
            .list_purchased_numbers()
            .send()
            .await?
            .into_inner();
        let listed = owned.data.into_iter().find(|listed| match id {
            Some(id) => listed.id == id,
            None => listed
                .number
                .as_deref()
                .and_then(|listed| E164::parse(listed).ok())
                .is_some_and(|listed| listed == number),
        });
        match listed {
            Some(listed) => Ok(BoughtNumber {
                purchase,
                number: listed,
            }),
            None => Err(Error::new(ErrorKind::Decode {
                status: reqwest::StatusCode::OK,
                path: "data".to_owned(),
                excerpt: String::new(),
            })
            .with_operation("buy_number")
            .with_source(format!(
                "{number} was bought, but list_purchased_numbers does not list it (yet): list \
                 the numbers again before buying it twice"
            ))),
        }
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
            phone: Some(self.number?),
            ..self.details
        };
        self.client.import_phone_number().body(request).send().await
    }
}
