//! Durations as VVP writes them (`jobFailureExpirationTime: 10 min`): an amount and a unit, kept as
//! the person wrote them and read once into milliseconds. Pure.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A span of time written `{amount}{unit}` (`500ms`, `30 s`, `10 min`, `2h`, `1d`; `0` alone is
/// allowed). Serialises back as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlinkDuration {
    text: String,
    millis: u64,
}

impl FlinkDuration {
    /// Reads `{amount}{unit}`; the error says what was expected.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let text = raw.trim();
        let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
        let (amount, unit) = text.split_at(split);
        let expected = "expected an amount and a unit, e.g. \"30 s\", \"10 min\", \"2 h\" or \"1 d\"";
        let amount: u64 = amount.parse().map_err(|_| format!("{raw:?}: {expected}"))?;
        let unit_millis: u64 = match unit.trim().to_ascii_lowercase().as_str() {
            "" if amount == 0 => 0,
            "ms" | "milli" | "millis" | "millisecond" | "milliseconds" => 1,
            "s" | "sec" | "secs" | "second" | "seconds" => 1_000,
            "m" | "min" | "mins" | "minute" | "minutes" => 60_000,
            "h" | "hour" | "hours" => 3_600_000,
            "d" | "day" | "days" => 86_400_000,
            _ => return Err(format!("{raw:?}: {expected}")),
        };
        let millis = amount.checked_mul(unit_millis).ok_or_else(|| format!("{raw:?} is too long"))?;
        Ok(Self { text: text.to_owned(), millis })
    }

    /// The duration in milliseconds.
    pub fn millis(&self) -> u64 {
        self.millis
    }

    /// The duration as a `std` duration.
    pub fn as_std(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.millis)
    }

    /// Whether it is 0 (which some fields read as "never" or "no limit").
    pub fn is_zero(&self) -> bool {
        self.millis == 0
    }
}

impl fmt::Display for FlinkDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Serialize for FlinkDuration {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for FlinkDuration {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match serde_json::Value::deserialize(deserializer)? {
            serde_json::Value::String(text) => Self::parse(&text).map_err(serde::de::Error::custom),
            serde_json::Value::Number(n) if n.as_u64() == Some(0) => Self::parse("0").map_err(serde::de::Error::custom),
            other => Err(serde::de::Error::custom(format!("expected a duration such as \"10 min\", found {other}"))),
        }
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for FlinkDuration {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("An amount and a unit, e.g. `30 s`, `10 min`, `2 h`, `1 d`"))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for FlinkDuration {}

#[cfg(test)]
mod tests {
    use super::FlinkDuration;

    #[test]
    fn amounts_and_units_are_read_as_written() {
        for (text, millis) in
            [("10 min", 600_000), ("30s", 30_000), ("2 h", 7_200_000), ("1d", 86_400_000), ("0", 0), ("250ms", 250)]
        {
            let duration = FlinkDuration::parse(text).expect(text);
            assert_eq!(duration.millis(), millis, "{text}");
            assert_eq!(duration.to_string(), text);
        }
    }

    #[test]
    fn other_text_is_refused_with_an_example() {
        for text in ["ten minutes", "10", "-1 s", "10 fortnights", ""] {
            let err = FlinkDuration::parse(text).expect_err(text);
            assert!(err.contains("e.g. \"30 s\""), "{err}");
        }
    }
}
