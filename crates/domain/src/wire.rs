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
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

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
    };
}

pub(crate) use wire_enum;
