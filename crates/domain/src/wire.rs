//! Wire enums: written in VVP's SCREAMING_SNAKE_CASE, read in any case (early Application Manager
//! YAML says `state: running`, `kind: latest_savepoint`), and refused with the accepted values named.

/// Declares an enum with its wire names, `as_str`, `ALL`, `Serialize` and case-insensitive `Deserialize`.
macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The wire name (SCREAMING_SNAKE_CASE).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $wire),+
                }
            }

            /// Parses a wire name in any case.
            pub fn parse(raw: &str) -> Option<Self> {
                let upper = raw.trim().to_ascii_uppercase();
                match upper.as_str() {
                    $($wire => Some(Self::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let raw = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                Self::parse(&raw).ok_or_else(|| {
                    let accepted: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                    serde::de::Error::custom(format!(
                        "unknown value {:?}; expected one of {}",
                        raw.as_ref(),
                        accepted.join(", ")
                    ))
                })
            }
        }

        /// In the OpenAPI document: a string with the wire names as its `enum`.
        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($wire),+]))
                    .into()
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}
    };
}

pub(crate) use wire_enum;

/// Values YAML may write as numbers or booleans where Flink means text (`flinkVersion: 1.12`,
/// `taskmanager.numberOfTaskSlots: 1`), read as the text they spell.
pub(crate) mod stringly {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer};
    use serde_json::Value;

    fn text<E: serde::de::Error>(value: Value) -> Result<String, E> {
        match value {
            Value::String(s) => Ok(s),
            Value::Number(n) => Ok(n.to_string()),
            Value::Bool(b) => Ok(b.to_string()),
            other => Err(E::custom(format!("expected text, a number or a boolean, found {other}"))),
        }
    }

    pub fn option<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
        match Option::<Value>::deserialize(deserializer)? {
            None | Some(Value::Null) => Ok(None),
            Some(value) => text(value).map(Some),
        }
    }

    pub fn map<'de, D: Deserializer<'de>>(deserializer: D) -> Result<BTreeMap<String, String>, D::Error> {
        let raw = Option::<BTreeMap<String, Value>>::deserialize(deserializer)?.unwrap_or_default();
        raw.into_iter().map(|(key, value)| Ok((key, text(value)?))).collect()
    }
}
