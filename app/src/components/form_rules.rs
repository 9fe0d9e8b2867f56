//! Which fields of a server-rendered form apply, as attributes the server writes and the browser
//! follows: the form stays plain HTML (without JavaScript every field is usable and the server
//! judges the combination), and the `PageForms` island keeps it in step as a person chooses (the
//! Start dialog, the deployment form's JAR or SQL).
//!
//! - `data-enabled-when="RULE"`: the element (a field, a button, a fieldset) is disabled unless
//!   the rule holds.
//! - `data-shown-when="RULE"`: the element is hidden unless the rule holds.
//! - `data-until-change="NAME NAME…"`: the element goes when one of these fields changes (an
//!   answer that held for the choice it was made for).
//! - `data-chooses="NAME=VALUE"`: changing this field also checks that radio button (picking a
//!   savepoint chooses "Specific State").
//! - `data-resets="NAME"`: changing this field empties that one (another deployment's states).
//! - `data-line-numbers-of="NAME"`: the element shows the line numbers of text area NAME (a code
//!   editor's gutter), which grows with its text (`line_numbers`, `editor_rows`).
//!
//! A RULE is `NAME` (that checkbox is checked) or `NAME=V1|V2|…` (the field's value is one of
//! them; a radio group's value is its checked button's, "" when none is). A rule about a field the
//! form does not have holds, so a part the server left out constrains nothing.

/// The attribute names, for the server's markup and the browser's selectors alike.
pub const ENABLED_WHEN: &str = "data-enabled-when";
pub const SHOWN_WHEN: &str = "data-shown-when";
pub const UNTIL_CHANGE: &str = "data-until-change";
pub const CHOOSES: &str = "data-chooses";
pub const RESETS: &str = "data-resets";
pub const LINE_NUMBERS_OF: &str = "data-line-numbers-of";

/// A code editor's gutter for `text`: its line numbers, one past its last line.
pub fn line_numbers(text: &str) -> String {
    (1..=text.lines().count().max(1) + 1).map(|n| n.to_string()).collect::<Vec<_>>().join("\n")
}

/// How many rows a code editor shows for `text`: two past its lines, 6 to 40.
pub fn editor_rows(text: &str) -> usize {
    (text.lines().count() + 2).clamp(6, 40)
}

/// What the form holds for a field name: `None` when it has no such field, else the value (for a
/// checkbox, its value when checked and "" when not).
pub type FieldValue = Option<String>;

/// Whether `rule` holds for a form whose fields read as `value_of` says.
pub fn holds(rule: &str, value_of: impl Fn(&str) -> FieldValue) -> bool {
    let rule = rule.trim();
    match rule.split_once('=') {
        None => value_of(rule).is_none_or(|value| !value.is_empty()),
        Some((name, allowed)) => {
            value_of(name.trim()).is_none_or(|value| allowed.split('|').any(|candidate| candidate == value))
        }
    }
}

/// The radio button `NAME=VALUE` a `data-chooses` names.
pub fn chosen(rule: &str) -> Option<(&str, &str)> {
    rule.split_once('=').map(|(name, value)| (name.trim(), value.trim()))
}

#[cfg(feature = "hydrate")]
pub mod browser {
    //! Applying the rules to a form in the page.

    use leptos::wasm_bindgen::JsCast;
    use leptos::web_sys::{Element, HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};

    use super::*;

    /// The value `name` has in `form` (see `FieldValue`).
    fn value_of(form: &Element, name: &str) -> FieldValue {
        let fields = form.query_selector_all(&format!("[name=\"{name}\"]")).ok()?;
        let mut found = None;
        for index in 0..fields.length() {
            let Some(field) = fields.item(index) else { continue };
            if let Some(input) = field.dyn_ref::<HtmlInputElement>() {
                let kind = input.type_();
                if kind == "radio" || kind == "checkbox" {
                    if input.checked() {
                        return Some(input.value());
                    }
                    found = Some(String::new());
                } else {
                    return Some(input.value());
                }
            } else if let Some(select) = field.dyn_ref::<HtmlSelectElement>() {
                return Some(select.value());
            }
        }
        found
    }

    fn each(form: &Element, attribute: &str, mut apply: impl FnMut(Element, String)) {
        let Ok(elements) = form.query_selector_all(&format!("[{attribute}]")) else { return };
        for index in 0..elements.length() {
            let Some(element) = elements.item(index).and_then(|node| node.dyn_into::<Element>().ok()) else {
                continue;
            };
            let rule = element.get_attribute(attribute).unwrap_or_default();
            apply(element, rule);
        }
    }

    /// Enables, disables, shows and hides what the rules of `form` say, for its current values.
    pub fn apply(form: &Element) {
        each(form, ENABLED_WHEN, |element, rule| {
            if holds(&rule, |name| value_of(form, name)) {
                let _ = element.remove_attribute("disabled");
            } else {
                let _ = element.set_attribute("disabled", "");
            }
        });
        each(form, SHOWN_WHEN, |element, rule| {
            if holds(&rule, |name| value_of(form, name)) {
                let _ = element.remove_attribute("hidden");
            } else {
                let _ = element.set_attribute("hidden", "");
            }
        });
    }

    /// Keeps the gutter of text area `field` (`LINE_NUMBERS_OF`) and its height in step with its text.
    pub fn typed(form: &Element, field: &Element) {
        let (Some(area), Some(name)) = (field.dyn_ref::<HtmlTextAreaElement>(), field.get_attribute("name")) else {
            return;
        };
        if let Ok(Some(gutter)) = form.query_selector(&format!("[{LINE_NUMBERS_OF}=\"{name}\"]")) {
            let text = area.value();
            gutter.set_text_content(Some(&line_numbers(&text)));
            let _ = area.set_attribute("rows", &editor_rows(&text).to_string());
        }
    }

    /// What a change of `field` in `form` does beyond its own value: the radio it chooses, the
    /// field it empties, the answers it makes stale. Then the rules are applied again.
    pub fn changed(form: &Element, field: &Element) {
        if let Some((name, value)) = field.get_attribute(CHOOSES).as_deref().and_then(chosen) {
            if let Ok(Some(radio)) = form.query_selector(&format!("input[name=\"{name}\"][value=\"{value}\"]")) {
                if let Some(radio) = radio.dyn_ref::<HtmlInputElement>() {
                    radio.set_checked(true);
                }
            }
        }
        if let Some(name) = field.get_attribute(RESETS) {
            if let Ok(Some(other)) = form.query_selector(&format!("select[name=\"{name}\"]")) {
                if let Some(other) = other.dyn_ref::<HtmlSelectElement>() {
                    other.set_value("");
                }
            }
        }
        if let Some(name) = field.get_attribute("name") {
            each(form, UNTIL_CHANGE, |element, names| {
                if names.split_whitespace().any(|n| n == name) {
                    element.set_inner_html("");
                }
            });
        }
        apply(form);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form<'a>(fields: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> FieldValue + 'a {
        move |name| fields.iter().find(|(n, _)| *n == name).map(|(_, v)| (*v).to_owned())
    }

    #[test]
    fn a_checkbox_rule_holds_while_it_is_checked() {
        assert!(holds("specify_start_time", form(&[("specify_start_time", "on")])));
        assert!(!holds("specify_start_time", form(&[("specify_start_time", "")])));
    }

    #[test]
    fn a_value_rule_holds_for_any_of_its_values() {
        assert!(holds("mode=RESUME", form(&[("mode", "RESUME")])));
        assert!(!holds("mode=RESUME", form(&[("mode", "INITIAL")])));
        assert!(!holds("mode=RESUME", form(&[("mode", "")])));
        assert!(holds("other_deployment=|abc", form(&[("other_deployment", "")])));
        assert!(holds("other_deployment=|abc", form(&[("other_deployment", "abc")])));
        assert!(!holds("other_deployment=|abc", form(&[("other_deployment", "xyz")])));
    }

    #[test]
    fn a_rule_about_a_field_the_form_lacks_holds() {
        // The Start button waits for "Start anyway" only when the server rendered that checkbox.
        assert!(holds("confirm_incompatible", form(&[])));
        assert!(holds("tuning=SCHEDULED", form(&[("mode", "RESUME")])));
    }

    #[test]
    fn a_gutter_runs_one_past_the_text_and_the_editor_grows_with_it() {
        assert_eq!(line_numbers(""), "1\n2");
        assert_eq!(line_numbers("SELECT 1;\nSELECT 2;"), "1\n2\n3");
        assert_eq!(editor_rows("one line"), 6);
        assert_eq!(editor_rows(&"x\n".repeat(10)), 12);
        assert_eq!(editor_rows(&"x\n".repeat(100)), 40);
    }

    #[test]
    fn chooses_names_a_radio_button() {
        assert_eq!(chosen("strategy=SPECIFIC"), Some(("strategy", "SPECIFIC")));
        assert_eq!(chosen("strategy"), None);
    }
}
