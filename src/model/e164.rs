//! [`E164`]: a phone number validated before it is sent anywhere.

use std::{fmt, str::FromStr};

use crate::Error;

/// A phone number in E.164 form (`+`, the country code, the national number), valid in its
/// country's numbering plan.
///
/// Parsing accepts the usual separators (spaces, `-`, `.`, `(`, `)`) and removes them; it does
/// not guess a country for numbers without `+`. Beyond the E.164 shape (7 to 15 digits, no
/// leading `0`), the number must be valid for its country by libphonenumber's metadata (the
/// `phonenumber` crate): a known country code, a possible length, a number range in use. Every
/// phone-number field of a request body is an `E164`, so a request cannot hold an invalid
/// number; path and query parameters that take a number as a string accept it too, since it
/// converts into `String`.
///
/// ```
/// use agni::E164;
///
/// let number: E164 = "+1 (415) 555-0100".parse()?;
/// assert_eq!(number.as_str(), "+14155550100");
/// assert!("4155550100".parse::<E164>().is_err()); // no country code
/// assert!("+1 415 CALL NOW".parse::<E164>().is_err());
/// assert!("+1415555".parse::<E164>().is_err()); // too short for North America
/// assert!("+999123456789".parse::<E164>().is_err()); // no such country code
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
            0..=6 => return Err(invalid("too short: E.164 numbers have 7 to 15 digits")),
            16.. => return Err(invalid("too long: E.164 numbers have at most 15 digits")),
            _ if digits.as_bytes()[1] == b'0' => {
                return Err(invalid("country codes do not start with 0"));
            }
            _ => {}
        }
        let parsed = phonenumber::parse(None, &digits)
            .map_err(|e| invalid(&format!("not a phone number ({e})")))?;
        if !phonenumber::is_valid(&parsed) {
            return Err(invalid(&format!(
                "not a valid number in the numbering plan of country code +{}",
                parsed.code().value()
            )));
        }
        Ok(E164(digits))
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
