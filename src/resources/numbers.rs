//! Phone numbers: the validated [`E164`] type, and the operations that buy, release and import
//! numbers with it. An invalid number is an [`ErrorKind::InvalidRequest`](crate::ErrorKind)
//! when `send` is called, before anything is sent.

use std::{fmt, str::FromStr};

use crate::{Client, Error, ResponseValue, prelude::*, types};

/// A phone number in E.164 form: `+`, then 7 to 15 digits, the first not `0`.
///
/// Parsing accepts the usual separators (spaces, `-`, `.`, `(`, `)`) and removes them; it does
/// not guess a country for numbers without `+`. The generated builders take it anywhere they take
/// a phone-number string, since it converts into `String`.
///
/// ```
/// use agni::E164;
///
/// let number: E164 = "+1 (415) 555-0100".parse()?;
/// assert_eq!(number.as_str(), "+14155550100");
/// assert!("4155550100".parse::<E164>().is_err()); // no country code
/// assert!("+1 415 CALL NOW".parse::<E164>().is_err());
/// # Ok::<(), agni::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct E164(String);

impl E164 {
    /// Validates and normalises `number`.
    pub fn parse(number: &str) -> Result<Self, Error> {
        let invalid =
            |why: &str| Error::invalid_request(format!("invalid phone number {number:?}: {why}"));
        let Some(rest) = number.trim().strip_prefix('+') else {
            return Err(invalid("E.164 numbers start with + and the country code"));
        };
        let mut digits = String::with_capacity(16);
        digits.push('+');
        for c in rest.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '.' | '(' | ')' => {}
                _ => {
                    return Err(invalid(
                        "only digits and the separators ' -.()' are allowed",
                    ));
                }
            }
        }
        match digits.len() - 1 {
            0..=6 => Err(invalid("too short: E.164 numbers have 7 to 15 digits")),
            16.. => Err(invalid("too long: E.164 numbers have at most 15 digits")),
            _ if digits.as_bytes()[1] == b'0' => Err(invalid("country codes do not start with 0")),
            _ => Ok(E164(digits)),
        }
    }

    /// The normalised number, e.g. `+14155550100`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for E164 {
    type Err = Error;
    fn from_str(number: &str) -> Result<Self, Error> {
        E164::parse(number)
    }
}

impl TryFrom<&str> for E164 {
    type Error = Error;
    fn try_from(number: &str) -> Result<Self, Error> {
        E164::parse(number)
    }
}

impl TryFrom<String> for E164 {
    type Error = Error;
    fn try_from(number: String) -> Result<Self, Error> {
        E164::parse(&number)
    }
}

impl From<&E164> for E164 {
    fn from(number: &E164) -> Self {
        number.clone()
    }
}

impl From<E164> for String {
    fn from(number: E164) -> String {
        number.0
    }
}

impl AsRef<str> for E164 {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for E164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for E164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "E164({})", self.0)
    }
}

impl<'de> serde::Deserialize<'de> for E164 {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let number = String::deserialize(deserializer)?;
        E164::parse(&number).map_err(serde::de::Error::custom)
    }
}

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
