//! What a form page shows again after a post: the errors and the values typed. One type for
//! every form, so the macros of `case_macros.html` work on all of them.

use serde::Serialize;

use crate::views::FieldError;

/// The errors of a posted form and the values to show again. Values are kept as posted pairs,
/// because a name may repeat (checkboxes); the CSRF token is never kept (the page sets it
/// afresh).
#[derive(Debug, Clone, Default)]
pub(crate) struct FormState {
    pub(crate) errors: Vec<FieldError>,
    values: Vec<(String, String)>,
}

impl FormState {
    /// A form as posted, with its errors (none when it is shown again to choose from).
    pub(crate) fn from_pairs(
        values: impl IntoIterator<Item = (String, String)>,
        errors: Vec<FieldError>,
    ) -> FormState {
        let values = values.into_iter().filter(|(name, _)| name != "csrf_token").collect();
        FormState { errors, values }
    }

    /// A typed form that failed its checks, keeping what was typed.
    pub(crate) fn failed<T: Serialize>(form: &T, errors: Vec<FieldError>) -> FormState {
        FormState::from_pairs(values_of(form), errors)
    }

    /// A typed form shown with its values filled in and no errors.
    pub(crate) fn filled<T: Serialize>(form: &T) -> FormState {
        FormState::from_pairs(values_of(form), Vec::new())
    }

    pub(crate) fn error(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }

    pub(crate) fn has_error(&self, field: &str) -> bool {
        self.error(field).is_some()
    }

    /// The first value posted under `field`, or "".
    pub(crate) fn value(&self, field: &str) -> &str {
        self.values.iter().find(|(f, _)| f == field).map_or("", |(_, v)| v.as_str())
    }

    /// Whether `value` was posted under `field` (a radio or one of several checkboxes).
    pub(crate) fn checked(&self, field: &str, value: &str) -> bool {
        self.values.iter().any(|(f, v)| f == field && v == value)
    }

    pub(crate) fn day(&self, field: &str) -> &str {
        self.value(&format!("{field}_day"))
    }

    pub(crate) fn month(&self, field: &str) -> &str {
        self.value(&format!("{field}_month"))
    }

    pub(crate) fn year(&self, field: &str) -> &str {
        self.value(&format!("{field}_year"))
    }
}

/// The string fields of a typed form, by name.
fn values_of<T: Serialize>(form: &T) -> Vec<(String, String)> {
    match serde_json::to_value(form) {
        Ok(serde_json::Value::Object(map)) => map
            .into_iter()
            .filter_map(|(name, value)| match value {
                serde_json::Value::String(text) => Some((name, text)),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}
