//! [`Timestamp`]: the one type of every point in time the Agni API sends or receives.

use std::{fmt, str::FromStr};

use chrono::{DateTime, NaiveDateTime, SecondsFormat, TimeZone, Utc};
use serde::{
    Deserialize, Deserializer, Serialize, Serializer,
    de::{self, Visitor},
};

/// Epoch values at or above this magnitude are milliseconds, below it seconds.
///
/// 10^11 seconds is the year 5138, while 10^11 milliseconds is March 1973: no real timestamp the
/// service sends is ambiguous under this rule.
const MILLIS_THRESHOLD: f64 = 1e11;

/// A point in time, as any part of the Agni API writes it.
///
/// The service is not consistent: most resources send RFC 3339 text
/// (`2026-03-20T10:30:00Z`), agents in the current docs send Go's `time.String()` form
/// (`2026-06-11 10:57:40.229069 +0000 UTC`), and knowledge bases send Unix epoch integers,
/// which protojson may quote (`"1767225600"`). Every timestamp field of every generated type is a
/// `Timestamp`, and decoding accepts all of these:
///
/// - RFC 3339, with any offset and any number of fractional digits;
/// - ISO 8601 date and time without an offset (`2026-03-20T10:30:00`), read as UTC;
/// - Go's `time.String()`: `YYYY-MM-DD HH:MM:SS[.fraction] ±HHMM ZONE`, optionally followed by
///   Go's monotonic clock reading (` m=+0.000000001`), which is ignored;
/// - RFC 2822, as Twilio writes dates (`Mon, 16 Aug 2010 03:45:01 +0000`);
/// - Unix epoch time as a JSON number or a string holding one: seconds, or milliseconds when
///   the magnitude is 10^11 or more (10^11 seconds would be the year 5138), fractions allowed.
///
/// Sub-second precision is kept (to the nanosecond). A timestamp always serializes, displays
/// and sends as RFC 3339 in UTC, with as many fractional digits as it needs (0, 3, 6 or 9).
/// Timestamps compare chronologically and convert to and from [`chrono::DateTime<Utc>`].
///
/// ```
/// use agni::Timestamp;
///
/// let go: Timestamp = "2026-06-11 10:57:40.229069 +0000 UTC".parse()?;
/// let rfc: Timestamp = "2026-06-11T12:57:40.229069+02:00".parse()?;
/// assert_eq!(go, rfc);
/// assert_eq!(go.to_string(), "2026-06-11T10:57:40.229069Z");
///
/// let epoch: Timestamp = serde_json::from_str("1767225600")?;
/// assert_eq!(epoch.to_string(), "2026-01-01T00:00:00Z");
/// let millis: Timestamp = serde_json::from_str("\"1767225600500\"")?;
/// assert_eq!(millis.to_string(), "2026-01-01T00:00:00.500Z");
/// assert!(epoch < millis);
///
/// let time: chrono::DateTime<chrono::Utc> = epoch.into();
/// assert_eq!(Timestamp::from(time), epoch);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(DateTime<Utc>);

impl Timestamp {
    /// The current time.
    ///
    /// ```
    /// assert!(agni::Timestamp::now() > "2026-01-01T00:00:00Z".parse()?);
    /// # Ok::<(), agni::TimestampError>(())
    /// ```
    pub fn now() -> Timestamp {
        Timestamp(DateTime::from(std::time::SystemTime::now()))
    }

    /// The time as a [`chrono::DateTime<Utc>`].
    ///
    /// ```
    /// let t: agni::Timestamp = "2026-03-20T10:30:00Z".parse()?;
    /// assert_eq!(t.as_datetime().timestamp(), 1_774_002_600);
    /// # Ok::<(), agni::TimestampError>(())
    /// ```
    pub fn as_datetime(&self) -> &DateTime<Utc> {
        &self.0
    }

    /// A timestamp from Unix epoch seconds or milliseconds, by the rule the decoder uses: a
    /// magnitude of 10^11 or more is milliseconds. `None` if it is out of chrono's range.
    ///
    /// ```
    /// let seconds = agni::Timestamp::from_epoch(1_767_225_600.0).unwrap();
    /// let millis = agni::Timestamp::from_epoch(1_767_225_600_000.0).unwrap();
    /// assert_eq!(seconds, millis);
    /// ```
    pub fn from_epoch(value: f64) -> Option<Timestamp> {
        if !value.is_finite() {
            return None;
        }
        let nanos_per_unit = if value.abs() >= MILLIS_THRESHOLD {
            1e6
        } else {
            1e9
        };
        let whole = value.trunc();
        let whole_units = whole as i64;
        let fraction_nanos = ((value - whole) * nanos_per_unit).round() as i64;
        let (seconds, nanos) = if nanos_per_unit == 1e6 {
            (
                whole_units.div_euclid(1000),
                whole_units.rem_euclid(1000) * 1_000_000 + fraction_nanos,
            )
        } else {
            (whole_units, fraction_nanos)
        };
        let seconds = seconds.checked_add(nanos.div_euclid(1_000_000_000))?;
        let nanos = u32::try_from(nanos.rem_euclid(1_000_000_000)).ok()?;
        Utc.timestamp_opt(seconds, nanos).single().map(Timestamp)
    }

    /// An epoch integer, without the precision loss of going through `f64`.
    fn from_epoch_integer(value: i128) -> Option<Timestamp> {
        let (seconds, nanos) = if value.unsigned_abs() >= MILLIS_THRESHOLD as u128 {
            (value.div_euclid(1000), value.rem_euclid(1000) * 1_000_000)
        } else {
            (value, 0)
        };
        let seconds = i64::try_from(seconds).ok()?;
        let nanos = u32::try_from(nanos).ok()?;
        Utc.timestamp_opt(seconds, nanos).single().map(Timestamp)
    }
}

/// Why text is not a [`Timestamp`]: none of the forms it accepts matched.
///
/// ```
/// let error = "next Tuesday".parse::<agni::Timestamp>().unwrap_err();
/// assert!(error.to_string().contains("next Tuesday"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{text:?} is not a timestamp (expected RFC 3339, Go's time.String(), RFC 2822, or Unix epoch \
     seconds or milliseconds)"
)]
pub struct TimestampError {
    text: String,
}

impl FromStr for Timestamp {
    type Err = TimestampError;

    fn from_str(text: &str) -> Result<Timestamp, TimestampError> {
        parse(text).ok_or_else(|| TimestampError {
            text: text.to_owned(),
        })
    }
}

fn parse(text: &str) -> Option<Timestamp> {
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Some(Timestamp(time.with_timezone(&Utc)));
    }
    if let Ok(naive) = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f") {
        return Some(Timestamp(naive.and_utc()));
    }
    if let Some(time) = parse_go(text) {
        return Some(time);
    }
    if let Ok(time) = DateTime::parse_from_rfc2822(text) {
        return Some(Timestamp(time.with_timezone(&Utc)));
    }
    if let Ok(integer) = text.parse::<i128>() {
        return Timestamp::from_epoch_integer(integer);
    }
    // Only plain decimal numbers: `f64`'s parser would also take `inf` and `NaN`.
    let numeric = |c: char| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E');
    if !text.is_empty() && text.chars().all(numeric) {
        return text.parse::<f64>().ok().and_then(Timestamp::from_epoch);
    }
    None
}

/// Go's `time.Time.String()`: `2006-01-02 15:04:05.999999999 -0700 MST`, perhaps followed by
/// ` m=±<seconds>` (the monotonic clock reading). The zone name adds nothing to the offset.
fn parse_go(text: &str) -> Option<Timestamp> {
    let text = match text.find(" m=") {
        Some(monotonic) => &text[..monotonic],
        None => text,
    };
    let mut parts = text.split(' ');
    let (date, time, offset) = (parts.next()?, parts.next()?, parts.next()?);
    // At most a zone abbreviation may follow the offset.
    if parts.nth(1).is_some() {
        return None;
    }
    DateTime::parse_from_str(
        &format!("{date} {time} {offset}"),
        "%Y-%m-%d %H:%M:%S%.f %z",
    )
    .ok()
    .map(|time| Timestamp(time.with_timezone(&Utc)))
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(time: DateTime<Utc>) -> Timestamp {
        Timestamp(time)
    }
}

impl From<Timestamp> for DateTime<Utc> {
    fn from(time: Timestamp) -> DateTime<Utc> {
        time.0
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Timestamp, D::Error> {
        deserializer.deserialize_any(TimestampVisitor)
    }
}

struct TimestampVisitor;

impl TimestampVisitor {
    fn out_of_range<E: de::Error>(value: impl fmt::Display) -> E {
        E::custom(format_args!("epoch time {value} is out of range"))
    }
}

impl Visitor<'_> for TimestampVisitor {
    type Value = Timestamp;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a timestamp (RFC 3339 or Go time text, or Unix epoch seconds or milliseconds)")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Timestamp, E> {
        text.parse().map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Timestamp, E> {
        Timestamp::from_epoch_integer(value.into()).ok_or_else(|| Self::out_of_range(value))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Timestamp, E> {
        Timestamp::from_epoch_integer(value.into()).ok_or_else(|| Self::out_of_range(value))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Timestamp, E> {
        Timestamp::from_epoch(value).ok_or_else(|| Self::out_of_range(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> String {
        text.parse::<Timestamp>()
            .unwrap_or_else(|e| panic!("{e}"))
            .to_string()
    }

    fn decoded(json: &str) -> Result<String, serde_json::Error> {
        serde_json::from_str::<Timestamp>(json).map(|t| t.to_string())
    }

    #[test]
    fn rfc_3339_in_any_offset_and_precision() {
        assert_eq!(parsed("2026-03-20T10:30:00Z"), "2026-03-20T10:30:00Z");
        assert_eq!(parsed("2026-03-20T12:30:00+02:00"), "2026-03-20T10:30:00Z");
        assert_eq!(parsed("2026-03-20T10:30:00.5Z"), "2026-03-20T10:30:00.500Z");
        assert_eq!(
            parsed("2026-03-20T10:30:00.123456789Z"),
            "2026-03-20T10:30:00.123456789Z"
        );
        assert_eq!(parsed("2026-03-20T10:30:00"), "2026-03-20T10:30:00Z");
    }

    #[test]
    fn go_time_string() {
        assert_eq!(
            parsed("2026-06-11 10:57:40.229069 +0000 UTC"),
            "2026-06-11T10:57:40.229069Z"
        );
        assert_eq!(
            parsed("2026-06-11 12:57:40 +0200 CEST"),
            "2026-06-11T10:57:40Z"
        );
        assert_eq!(
            parsed("2026-06-11 10:57:40.1 +0000 UTC m=+0.003502"),
            "2026-06-11T10:57:40.100Z"
        );
        assert_eq!(parsed("2026-06-11 10:57:40 +0530"), "2026-06-11T05:27:40Z");
        assert!(
            "2026-06-11 10:57:40 +0000 UTC extra"
                .parse::<Timestamp>()
                .is_err()
        );
    }

    #[test]
    fn rfc_2822_as_twilio_writes_it() {
        assert_eq!(
            parsed("Mon, 16 Aug 2010 03:45:01 +0000"),
            "2010-08-16T03:45:01Z"
        );
    }

    #[test]
    fn epoch_seconds_and_milliseconds() {
        assert_eq!(decoded("1767225600").unwrap(), "2026-01-01T00:00:00Z");
        assert_eq!(decoded("\"1767225600\"").unwrap(), "2026-01-01T00:00:00Z");
        assert_eq!(decoded("1767225600000").unwrap(), "2026-01-01T00:00:00Z");
        assert_eq!(
            decoded("1767225600123").unwrap(),
            "2026-01-01T00:00:00.123Z"
        );
        assert_eq!(
            decoded("1767225600.25").unwrap(),
            "2026-01-01T00:00:00.250Z"
        );
        assert_eq!(
            decoded("\"1767225600.25\"").unwrap(),
            "2026-01-01T00:00:00.250Z"
        );
        assert_eq!(decoded("0").unwrap(), "1970-01-01T00:00:00Z");
        assert_eq!(decoded("-1").unwrap(), "1969-12-31T23:59:59Z");
        // The threshold: just below is seconds (year 5138), at it milliseconds (1973).
        assert!(decoded("99999999999").unwrap().starts_with("5138-"));
        assert!(decoded("100000000000").unwrap().starts_with("1973-"));
    }

    #[test]
    fn garbage_fails_naming_the_value() {
        for bad in [
            "\"\"",
            "\"example\"",
            "\"NaN\"",
            "\"inf\"",
            "true",
            "{}",
            "[]",
        ] {
            assert!(decoded(bad).is_err(), "{bad} decoded");
        }
        let error = decoded("\"tomorrow\"").unwrap_err().to_string();
        assert!(error.contains("\"tomorrow\""), "{error}");
        assert!(decoded("1e300").is_err());
        assert!(decoded(&i128::MAX.to_string()).is_err());
    }

    #[test]
    fn serializes_as_rfc_3339_and_orders_chronologically() {
        let early: Timestamp = "2026-06-11 10:57:40.229069 +0000 UTC".parse().unwrap();
        let late: Timestamp = "2026-06-11T10:57:40.2291Z".parse().unwrap();
        assert!(early < late);
        assert_eq!(
            serde_json::to_string(&early).unwrap(),
            "\"2026-06-11T10:57:40.229069Z\""
        );
        let back: Timestamp = serde_json::from_str(&serde_json::to_string(&late).unwrap()).unwrap();
        assert_eq!(back, late);
        let time: DateTime<Utc> = late.into();
        assert_eq!(Timestamp::from(time), late);
    }
}
