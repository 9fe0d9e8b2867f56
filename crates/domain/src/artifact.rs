//! The JARs a namespace's members upload to the console (its artifacts): their names, what is known
//! of each, and how a deployment names one (`jarUri: artifact:///<name>`). Pure; storing the bytes
//! is the services' job, and this module must never touch a file.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How a deployment's `jarUri` names an artifact of its own namespace: `artifact:///<name>`.
pub const ARTIFACT_URI_PREFIX: &str = "artifact:///";

/// The longest artifact name, in bytes (file systems allow 255; a margin stays for temporary names).
pub const MAX_ARTIFACT_NAME: usize = 200;

/// The name of an uploaded artifact: a plain file name ending in `.jar` — no directory, no `..`, no
/// control characters, no leading `.` — so that it names one file of its namespace's directory and
/// nothing else.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ArtifactName(String);

impl ArtifactName {
    /// Reads a name; the error says what is wrong with it.
    pub fn parse(raw: &str) -> Result<Self, String> {
        if raw.is_empty() {
            return Err("must not be empty".into());
        }
        if raw.len() > MAX_ARTIFACT_NAME {
            return Err(format!("must be at most {MAX_ARTIFACT_NAME} bytes, got {}", raw.len()));
        }
        if let Some(bad) = raw.chars().find(|c| c.is_control()) {
            return Err(format!("must not contain control characters, found {:?}", bad));
        }
        if let Some(bad) = raw.chars().find(|c| matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|')) {
            return Err(format!("must be a plain file name, without {bad:?}"));
        }
        if raw.starts_with('.') || raw.contains("..") {
            return Err("must not start with '.' or contain '..'".into());
        }
        if raw.trim() != raw {
            return Err("must not start or end with a blank".into());
        }
        let stem = raw.strip_suffix(".jar").ok_or("must end in .jar")?;
        if stem.is_empty() {
            return Err("must have a name before .jar".into());
        }
        Ok(Self(raw.to_owned()))
    }

    /// The name as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The `jarUri` a deployment uses to run this artifact.
    pub fn uri(&self) -> String {
        format!("{ARTIFACT_URI_PREFIX}{}", self.0)
    }

    /// The name as one segment of a URL path, and as RFC 8187's `filename*` value: every byte but
    /// the unreserved ones (`A–Z a–z 0–9 - . _ ~`) percent-encoded, so spaces, `#`, `%` and
    /// non-ASCII letters survive the trip.
    pub fn percent_encoded(&self) -> String {
        let mut encoded = String::with_capacity(self.0.len());
        for byte in self.0.bytes() {
            if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
                encoded.push(char::from(byte));
            } else {
                encoded.push_str(&format!("%{byte:02X}"));
            }
        }
        encoded
    }

    /// The name for a `Content-Disposition` header's plain `filename="…"`: ASCII only (other
    /// characters become `_`; a name never holds `"` or `\`). Clients that read `filename*` get
    /// the name as it is.
    pub fn ascii_file_name(&self) -> String {
        self.0.chars().map(|c| if c.is_ascii() && !c.is_ascii_control() { c } else { '_' }).collect()
    }
}

impl TryFrom<String> for ArtifactName {
    type Error = String;
    fn try_from(raw: String) -> Result<Self, String> {
        Self::parse(&raw)
    }
}

impl From<ArtifactName> for String {
    fn from(name: ArtifactName) -> String {
        name.0
    }
}

impl fmt::Display for ArtifactName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The artifact a `jarUri` names, if it is an `artifact:` URI: `None` for any other URI, the name
/// or why it is no artifact's name otherwise.
pub fn artifact_of(jar_uri: &str) -> Option<Result<ArtifactName, String>> {
    let name = jar_uri.trim().strip_prefix(ARTIFACT_URI_PREFIX)?;
    Some(ArtifactName::parse(name).map_err(|why| format!("{jar_uri:?} names no artifact: the name {why}")))
}

/// An artifact as the console lists it: a JAR uploaded to a namespace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UploadedArtifact {
    /// The namespace it belongs to: only that namespace's deployments may run it.
    pub namespace: String,
    /// Its file name (ends in `.jar`), unique in the namespace.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub name: ArtifactName,
    /// What a deployment names as its `jarUri` to run it: `artifact:///<name>`.
    pub uri: String,
    /// Its size in bytes.
    pub size_bytes: u64,
    /// The SHA-256 of its bytes, lowercase hexadecimal.
    pub sha256: String,
    /// Who uploaded it (`user:<name>` or `token:<name>`).
    pub uploaded_by: String,
    /// When it was uploaded (RFC 3339).
    pub created_at: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_percent_encoded_for_a_url_and_made_ascii_for_a_plain_file_name() {
        let name = |raw: &str| ArtifactName::parse(raw).expect("a valid name");
        assert_eq!(name("orders-1.0_2~x.jar").percent_encoded(), "orders-1.0_2~x.jar");
        assert_eq!(name("My Job #1 (100%).jar").percent_encoded(), "My%20Job%20%231%20%28100%25%29.jar");
        assert_eq!(name("é.jar").percent_encoded(), "%C3%A9.jar");
        assert_eq!(name("My Job é.jar").ascii_file_name(), "My Job _.jar");
    }

    #[test]
    fn an_artifact_name_is_one_plain_jar_file_name() {
        for good in ["job.jar", "orders-1.0.2.jar", "My Job (final).jar", "é.jar"] {
            assert_eq!(ArtifactName::parse(good).map(|n| n.as_str().to_owned()), Ok(good.to_owned()));
        }
        for bad in [
            "",
            ".jar",
            "job",
            "job.JAR.txt",
            "../job.jar",
            "a/b.jar",
            "a\\b.jar",
            "..jar",
            ".hidden.jar",
            "job\n.jar",
            "job\u{0}.jar",
            " job.jar",
            "c:job.jar",
            &format!("{}.jar", "x".repeat(MAX_ARTIFACT_NAME)),
        ] {
            assert!(ArtifactName::parse(bad).is_err(), "{bad:?} must be refused");
        }
    }

    #[test]
    fn a_jar_uri_names_an_artifact_only_by_the_artifact_scheme() {
        let name = ArtifactName::parse("job.jar").expect("a name");
        assert_eq!(artifact_of(&name.uri()), Some(Ok(name)));
        assert_eq!(artifact_of("file:///jobs/job.jar"), None);
        assert_eq!(artifact_of("https://host/job.jar"), None);
        assert!(matches!(artifact_of("artifact:///../other/job.jar"), Some(Err(_))));
        assert!(matches!(artifact_of("artifact:///"), Some(Err(_))));
    }
}
