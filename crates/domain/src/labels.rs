//! Label selectors, as in `GET …/deployments?labelSelector=env=testing,tier!=db,canary,!legacy`:
//! comma-separated requirements that must all hold (Kubernetes' equality-based syntax).

use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    Exists(String),
    Absent(String),
}

/// A label selector (`env=prod,tier!=batch,team,!legacy`): every requirement must hold.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LabelSelector(Vec<Requirement>);

impl LabelSelector {
    /// Parses a selector; the error names the requirement that could not be read.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let mut requirements = Vec::new();
        for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let requirement = if let Some((key, value)) = part.split_once("!=") {
                Requirement::NotEquals(label_key(key, part)?, value.trim().to_owned())
            } else if let Some((key, value)) = part.split_once("==").or_else(|| part.split_once('=')) {
                Requirement::Equals(label_key(key, part)?, value.trim().to_owned())
            } else if let Some(key) = part.strip_prefix('!') {
                Requirement::Absent(label_key(key, part)?)
            } else {
                Requirement::Exists(label_key(part, part)?)
            };
            requirements.push(requirement);
        }
        Ok(Self(requirements))
    }

    /// Whether `labels` meet every requirement (an empty selector matches everything).
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.0.iter().all(|requirement| match requirement {
            Requirement::Equals(key, value) => labels.get(key) == Some(value),
            Requirement::NotEquals(key, value) => labels.get(key) != Some(value),
            Requirement::Exists(key) => labels.contains_key(key),
            Requirement::Absent(key) => !labels.contains_key(key),
        })
    }
}

fn label_key(raw: &str, requirement: &str) -> Result<String, String> {
    let key = raw.trim();
    let valid = !key.is_empty()
        && key.len() <= 253
        && key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'));
    if valid {
        Ok(key.to_owned())
    } else {
        Err(format!("labelSelector: {requirement:?} is not a requirement (use key=value, key!=value, key or !key)"))
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
    fn an_empty_selector_matches_everything() {
        assert!(LabelSelector::parse("").expect("parses").matches(&labels(&[])));
    }

    #[test]
    fn what_is_not_a_requirement_is_refused_by_name() {
        let err = LabelSelector::parse("env in (a,b)").expect_err("set-based syntax");
        assert!(err.contains("\"env in (a\""), "{err}");
    }
}
