//! Label selectors, as in `GET …/deployments?labelSelector=env=testing,tier!=db,canary,!legacy`:
//! comma-separated requirements that must all hold (Kubernetes' equality-based syntax). Parsing
//! only; the store turns a selector into SQL, `matches` answers for one set of labels.

use std::collections::BTreeMap;

/// One requirement of a selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelRequirement {
    /// `key=value` (or `key==value`): the label is present with this value.
    Equals(String, String),
    /// `key!=value`: the label is absent or has another value.
    NotEquals(String, String),
    /// `key`: the label is present, whatever its value.
    Exists(String),
    /// `!key`: the label is absent.
    Absent(String),
}

/// A label selector (`env=prod,tier!=batch,team,!legacy`): every requirement must hold.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LabelSelector(Vec<LabelRequirement>);

/// The most requirements one selector may have (each is a condition of the list's query).
pub const MAX_REQUIREMENTS: usize = 20;

impl LabelSelector {
    /// Parses a selector; the error names the requirement that could not be read and why.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let mut requirements = Vec::new();
        for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let requirement = if let Some((key, value)) = part.split_once("!=") {
                LabelRequirement::NotEquals(label_key(key, part)?, label_value(value, part)?)
            } else if let Some((key, value)) = part.split_once("==").or_else(|| part.split_once('=')) {
                LabelRequirement::Equals(label_key(key, part)?, label_value(value, part)?)
            } else if let Some(key) = part.strip_prefix('!') {
                LabelRequirement::Absent(label_key(key, part)?)
            } else {
                LabelRequirement::Exists(label_key(part, part)?)
            };
            requirements.push(requirement);
        }
        if requirements.len() > MAX_REQUIREMENTS {
            return Err(format!(
                "labelSelector: {} requirements; at most {MAX_REQUIREMENTS} are allowed",
                requirements.len()
            ));
        }
        Ok(Self(requirements))
    }

    /// The requirements, in the order written.
    pub fn requirements(&self) -> &[LabelRequirement] {
        &self.0
    }

    /// Whether the selector has no requirement (it matches everything).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `labels` meet every requirement (an empty selector matches everything).
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.0.iter().all(|requirement| match requirement {
            LabelRequirement::Equals(key, value) => labels.get(key) == Some(value),
            LabelRequirement::NotEquals(key, value) => labels.get(key) != Some(value),
            LabelRequirement::Exists(key) => labels.contains_key(key),
            LabelRequirement::Absent(key) => !labels.contains_key(key),
        })
    }
}

fn label_key(raw: &str, requirement: &str) -> Result<String, String> {
    let key = raw.trim();
    let valid = !key.is_empty()
        && key.len() <= 253
        && key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'));
    if valid {
        return Ok(key.to_owned());
    }
    let set_based = [" in ", " notin "].iter().any(|word| requirement.contains(word)) || requirement.contains('(');
    if set_based {
        Err(format!(
            "labelSelector: {requirement:?} is a set-based requirement (in, notin), which this console does not \
             support; use key=value, key!=value, key or !key"
        ))
    } else if key.is_empty() {
        Err(format!("labelSelector: {requirement:?} has no label key before its operator"))
    } else {
        Err(format!(
            "labelSelector: {requirement:?} is not a requirement: the key {key:?} may hold only letters, digits, \
             '-', '_', '.' and '/' (use key=value, key!=value, key or !key)"
        ))
    }
}

/// A label value as Kubernetes allows it: empty, or at most 63 letters, digits, `-`, `_` and `.`.
fn label_value(raw: &str, requirement: &str) -> Result<String, String> {
    let value = raw.trim();
    let valid = value.len() <= 63 && value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if valid {
        Ok(value.to_owned())
    } else {
        Err(format!(
            "labelSelector: {requirement:?}: the value {value:?} is not a label value (at most 63 letters, digits, \
             '-', '_' and '.')"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn every_requirement_must_hold() {
        let selector = LabelSelector::parse("env=testing, tier!=db,canary,!legacy").expect("parses");
        assert!(selector.matches(&labels(&[("env", "testing"), ("canary", "yes")])));
        assert!(!selector.matches(&labels(&[("env", "prod"), ("canary", "yes")])));
        assert!(!selector.matches(&labels(&[("env", "testing"), ("canary", "yes"), ("tier", "db")])));
        assert!(!selector.matches(&labels(&[("env", "testing")])));
        assert!(!selector.matches(&labels(&[("env", "testing"), ("canary", ""), ("legacy", "1")])));
    }

    #[test]
    fn the_requirements_are_read_as_written() {
        let selector =
            LabelSelector::parse(" app.kubernetes.io/name==orders ,tier!=db,canary,!legacy,env=").expect("parses");
        assert_eq!(
            selector.requirements(),
            [
                LabelRequirement::Equals("app.kubernetes.io/name".into(), "orders".into()),
                LabelRequirement::NotEquals("tier".into(), "db".into()),
                LabelRequirement::Exists("canary".into()),
                LabelRequirement::Absent("legacy".into()),
                LabelRequirement::Equals("env".into(), String::new()),
            ]
        );
    }

    #[test]
    fn an_empty_selector_matches_everything() {
        let selector = LabelSelector::parse(" , ").expect("parses");
        assert!(selector.is_empty());
        assert!(selector.matches(&labels(&[])));
    }

    #[test]
    fn what_is_not_a_requirement_is_refused_by_name_and_reason() {
        let cases = [
            ("env in (a,b)", "\"env in (a\" is a set-based requirement"),
            ("tier notin (db)", "\"tier notin (db)\" is a set-based requirement"),
            ("=prod", "\"=prod\" has no label key"),
            ("!=prod", "\"!=prod\" has no label key"),
            ("!", "\"!\" has no label key"),
            ("env=prod,te am=x", "the key \"te am\" may hold only"),
            ("env=pr od", "the value \"pr od\" is not a label value"),
            ("env=a=b", "the value \"a=b\" is not a label value"),
            ("env<3", "the key \"env<3\" may hold only"),
        ];
        for (raw, expected) in cases {
            let err = LabelSelector::parse(raw).expect_err(raw);
            assert!(err.starts_with("labelSelector: "), "{raw}: {err}");
            assert!(err.contains(expected), "{raw}: {err}");
        }
        let long = format!("env={}", "x".repeat(64));
        assert!(LabelSelector::parse(&long).expect_err("too long").contains("is not a label value"));
        let many = (0..=MAX_REQUIREMENTS).map(|i| format!("k{i}")).collect::<Vec<_>>().join(",");
        assert!(LabelSelector::parse(&many).expect_err("too many").contains("at most 20"));
    }
}
