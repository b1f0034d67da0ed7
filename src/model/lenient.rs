//! Deserializers the generated types name in `#[serde(deserialize_with = "crate::model::lenient::..")]`.
//!
//! `agni-codegen`'s lenient pass (`codegen/src/lenient.rs`) writes those attributes into every type
//! of [`crate::types`], so responses decode the way the real service (protojson) sends them:
//! 64-bit and decimal numbers as JSON strings (`"total": "2"`, `"costTotal": "0.42"`) and `null`
//! for any absent value, `""` for an absent timestamp. Not public API: only the generated code
//! calls these.
//!
//! A numeric string must be exactly what [`str::parse`] accepts for the field's type: no
//! surrounding whitespace, no fraction in an integer field.

use std::{fmt, marker::PhantomData, str::FromStr};

use serde::de::{self, Deserialize, Deserializer, IntoDeserializer, Visitor};

/// A `T` decoded from a JSON number or from a string holding one.
struct Number<T>(T);

impl<'de, T> Deserialize<'de> for Number<T>
where
    T: Deserialize<'de> + FromStr,
    T::Err: fmt::Display,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(NumberVisitor(PhantomData))
            .map(Number)
    }
}

struct NumberVisitor<T>(PhantomData<T>);

impl<'de, T> Visitor<'de> for NumberVisitor<T>
where
    T: Deserialize<'de> + FromStr,
    T::Err: fmt::Display,
{
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number or a string holding a number")
    }

    // Numbers go through `T`'s own `Deserialize`, so range and integer/float checks are serde's.
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        T::deserialize(v.into_deserializer())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        T::deserialize(v.into_deserializer())
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<T, E> {
        T::deserialize(v.into_deserializer())
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<T, E> {
        T::deserialize(v.into_deserializer())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        T::deserialize(v.into_deserializer())
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        v.parse()
            .map_err(|e| E::custom(format_args!("invalid number {v:?}: {e}")))
    }
}

/// A required number: a JSON number or a numeric string.
pub fn number<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + FromStr,
    T::Err: fmt::Display,
{
    Number::deserialize(deserializer).map(|n| n.0)
}

/// An optional number: `null` is `None`, otherwise a JSON number or a numeric string.
pub fn option_number<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + FromStr,
    T::Err: fmt::Display,
{
    Option::<Number<T>>::deserialize(deserializer).map(|n| n.map(|n| n.0))
}

/// A number with `#[serde(default)]`: `null` is `T::default()`.
pub fn number_or_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + FromStr + Default,
    T::Err: fmt::Display,
{
    Option::<Number<T>>::deserialize(deserializer).map(|n| n.map(|n| n.0).unwrap_or_default())
}

/// A number whose default is typify's `defaults::default_u64::<T, V>`: `null` is `V`.
pub fn number_or_u64<'de, D, T, const V: u64>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + FromStr + TryFrom<u64>,
    T::Err: fmt::Display,
{
    match Option::<Number<T>>::deserialize(deserializer)? {
        Some(n) => Ok(n.0),
        None => T::try_from(V)
            .map_err(|_| de::Error::custom(format_args!("default {V} is out of range"))),
    }
}

/// A number whose default is typify's `defaults::default_i64::<T, V>`: `null` is `V`.
pub fn number_or_i64<'de, D, T, const V: i64>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + FromStr + TryFrom<i64>,
    T::Err: fmt::Display,
{
    match Option::<Number<T>>::deserialize(deserializer)? {
        Some(n) => Ok(n.0),
        None => T::try_from(V)
            .map_err(|_| de::Error::custom(format_args!("default {V} is out of range"))),
    }
}

/// A bool whose default is typify's `defaults::default_bool::<V>`: `null` is `V`.
pub fn bool_or<'de, D, const V: bool>(deserializer: D) -> Result<bool, D::Error>
where
    D: Deserializer<'de>,
{
    Option::<bool>::deserialize(deserializer).map(|b| b.unwrap_or(V))
}

/// A list of numbers, each a JSON number or a numeric string; `null` is the empty list.
pub fn vec_number<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + FromStr,
    T::Err: fmt::Display,
{
    let list = Option::<Vec<Number<T>>>::deserialize(deserializer)?;
    Ok(list.unwrap_or_default().into_iter().map(|n| n.0).collect())
}

/// Any other field with `#[serde(default)]` (list, map, string, bool): `null` is `T::default()`.
pub fn null_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Option::<T>::deserialize(deserializer).map(Option::unwrap_or_default)
}

/// An optional [`Timestamp`](crate::Timestamp): `null` and `""` are `None` (protojson's zero
/// value, and what some lists send for "not yet"); anything else must be a timestamp.
pub fn option_timestamp<'de, D>(deserializer: D) -> Result<Option<crate::Timestamp>, D::Error>
where
    D: Deserializer<'de>,
{
    deserializer.deserialize_any(OptionTimestampVisitor)
}

struct OptionTimestampVisitor;

impl<'de> Visitor<'de> for OptionTimestampVisitor {
    type Value = Option<crate::Timestamp>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a timestamp, an empty string or null")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, inner: D) -> Result<Self::Value, D::Error> {
        inner.deserialize_any(self)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        if v.is_empty() {
            return Ok(None);
        }
        crate::Timestamp::deserialize(v.into_deserializer()).map(Some)
    }

    // Numbers go through the timestamp's own rules (epoch seconds or milliseconds).
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        crate::Timestamp::deserialize(v.into_deserializer()).map(Some)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        crate::Timestamp::deserialize(v.into_deserializer()).map(Some)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        crate::Timestamp::deserialize(v.into_deserializer()).map(Some)
    }
}
