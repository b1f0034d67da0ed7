//! Phone numbers: the validated [`E164`] type, and the helpers that buy, release and import
//! numbers with it. An invalid number is an [`Error::InvalidRequest`] before anything is sent.

use std::{convert::Infallible, fmt, str::FromStr};

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
            |why: &str| Error::InvalidRequest(format!("invalid phone number {number:?}: {why}"));
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

impl From<Infallible> for Error {
    fn from(never: Infallible) -> Self {
        match never {}
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

impl Client {
    /// Buys `number` (find one with `list_available_numbers`).
    ///
    /// ```no_run
    /// # async fn run(client: &agni::Client) -> Result<(), agni::Error> {
    /// let bought = client.buy_number("+14155550100").await?;
    /// println!("{:?}", bought.data);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn buy_number<N>(
        &self,
        number: N,
    ) -> Result<ResponseValue<types::BuyPhoneNumberResponse>, Error>
    where
        N: TryInto<E164>,
        Error: From<N::Error>,
    {
        let request = types::BuyPhoneNumberRequest {
            phone_number: Some(e164(number)?.into()),
            ..Default::default()
        };
        self.buy_phone_number().body(request).send().await
    }

    /// Releases a purchased `number`.
    ///
    /// ```no_run
    /// # async fn run(client: &agni::Client) -> Result<(), agni::Error> {
    /// client.release_number("+14155550100").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn release_number<N>(
        &self,
        number: N,
    ) -> Result<ResponseValue<types::ReleasePhoneNumberResponse>, Error>
    where
        N: TryInto<E164>,
        Error: From<N::Error>,
    {
        self.release_phone_number()
            .phone_number(e164(number)?)
            .send()
            .await
    }

    /// Imports a number you own elsewhere (a SIP trunk); `details` carries the trunk settings,
    /// its `phone` is replaced by `number`.
    ///
    /// ```no_run
    /// # async fn run(client: &agni::Client) -> Result<(), agni::Error> {
    /// let details = agni::types::ImportPhoneNumberRequest {
    ///     name: Some("Front desk".into()),
    ///     termination_uri: Some("sip.example.com".into()),
    ///     ..Default::default()
    /// };
    /// client.import_number("+442071838750", details).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn import_number<N>(
        &self,
        number: N,
        details: types::ImportPhoneNumberRequest,
    ) -> Result<ResponseValue<types::ImportPhoneNumberResponse>, Error>
    where
        N: TryInto<E164>,
        Error: From<N::Error>,
    {
        let request = types::ImportPhoneNumberRequest {
            phone: Some(e164(number)?.into()),
            ..details
        };
        self.import_phone_number().body(request).send().await
    }
}
