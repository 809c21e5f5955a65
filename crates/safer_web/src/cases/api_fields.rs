//! JSON bodies turned into the fields a web form posts, so that the JSON API checks them with
//! the form's own code (the powers, DASH, case review and records forms), and the form's field
//! errors turned back into the JSON names.
//!
//! Each endpoint lists its body's keys as [`Key`]s: the JSON name, the form field it fills and
//! its [`Shape`]. A key not listed is a 422, as is a value of the wrong JSON type; everything
//! else (missing values, bad dates, unknown choices) is left to the form's checks.

use axum::http::{header, HeaderMap};
use serde_json::Value;

use super::api::ApiError;
use crate::views::FieldError;

/// How a JSON value becomes form fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shape {
    /// A string or number, as typed.
    Text,
    /// An ISO date `YYYY-MM-DD` for a GOV.UK date input: `{form}{sep}day`, `{form}{sep}month`
    /// and `{form}{sep}year`.
    Date(&'static str),
    /// A list of strings, one a line (or one string).
    Lines,
    /// A list of strings, each posted under the same name (checkboxes), or one string.
    Many,
    /// `true` or `false`, posted as `yes` or `no`.
    YesNo,
}

/// One key of a JSON body.
#[derive(Debug, Clone, Copy)]
pub(super) struct Key {
    /// The JSON name.
    pub(super) json: &'static str,
    /// The form field (for a date, the date input's name).
    pub(super) form: &'static str,
    /// How its value is posted.
    pub(super) shape: Shape,
}

/// A key posted as typed under another name.
pub(super) const fn text(json: &'static str, form: &'static str) -> Key {
    Key { json, form, shape: Shape::Text }
}

/// A date key for the date input `form`, whose parts are joined to its name by `sep`.
pub(super) const fn date(json: &'static str, form: &'static str, sep: &'static str) -> Key {
    Key { json, form, shape: Shape::Date(sep) }
}

/// 415 unless the body is declared `application/json`.
pub(super) fn require_json(headers: &HeaderMap) -> Result<(), ApiError> {
    let declared = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if declared == Some(true) {
        Ok(())
    } else {
        Err(ApiError::UnsupportedMediaType)
    }
}

fn problem(field: &'static str, message: String) -> ApiError {
    ApiError::Invalid(vec![FieldError { field, message }])
}

/// The JSON object in `bytes`, or 422.
pub(super) fn object(bytes: &[u8]) -> Result<serde_json::Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(problem(
            "body",
            "The body must be a JSON object with the documented fields".to_string(),
        )),
    }
}

/// The form fields `map` stands for under `keys`; a key not listed, or a value of the wrong
/// type, is a 422 naming it. `null` is the same as leaving the key out.
pub(super) fn form_fields(
    map: &serde_json::Map<String, Value>,
    keys: &[Key],
) -> Result<Vec<(String, String)>, ApiError> {
    let mut fields = Vec::new();
    for (name, value) in map {
        let Some(key) = keys.iter().find(|k| k.json == name) else {
            return Err(problem("body", format!("Unknown field: {name}")));
        };
        let wrong = |what: &str| problem(key.json, format!("{} must be {what}", key.json));
        let scalar = |value: &Value| match value {
            Value::String(text) => Some(text.clone()),
            Value::Number(number) => Some(number.to_string()),
            _ => None,
        };
        let strings = |value: &Value| match value {
            Value::String(text) => Some(vec![text.clone()]),
            Value::Array(items) => items.iter().map(|i| i.as_str().map(String::from)).collect(),
            _ => None,
        };
        let form = key.form.to_string();
        match (key.shape, value) {
            (_, Value::Null) => {}
            (Shape::Text, value) => {
                fields.push((form, scalar(value).ok_or_else(|| wrong("a string or a number"))?));
            }
            (Shape::Date(sep), Value::String(iso)) => {
                let parts: Vec<&str> = iso.trim().split('-').collect();
                let (day, month, year) = match parts.as_slice() {
                    [year, month, day] => (*day, *month, *year),
                    // Not a date's shape: the form's check says it is not a real date.
                    _ => (iso.as_str(), "", ""),
                };
                for (part, text) in [("day", day), ("month", month), ("year", year)] {
                    fields.push((format!("{form}{sep}{part}"), text.to_string()));
                }
            }
            (Shape::Date(_), _) => return Err(wrong("a date, YYYY-MM-DD")),
            (Shape::Lines, value) => {
                let lines = strings(value).ok_or_else(|| wrong("a list of strings"))?;
                fields.push((form, lines.join("\n")));
            }
            (Shape::Many, value) => {
                let items = strings(value).ok_or_else(|| wrong("a list of strings"))?;
                fields.extend(items.into_iter().map(|item| (form.clone(), item)));
            }
            (Shape::YesNo, Value::Bool(yes)) => {
                fields.push((form, if *yes { "yes" } else { "no" }.to_string()));
            }
            (Shape::YesNo, _) => return Err(wrong("true or false")),
        }
    }
    Ok(fields)
}

/// The JSON name of a form field's error: the key that fills it (a date's parts included).
pub(super) fn json_name(field: &str, keys: &[Key]) -> Option<&'static str> {
    keys.iter()
        .find(|k| match k.shape {
            Shape::Date(sep) => {
                field == k.form
                    || field.strip_prefix(k.form).and_then(|rest| rest.strip_prefix(sep))
                        == Some("day")
            }
            _ => field == k.form,
        })
        .map(|k| k.json)
}

/// The form's errors under their JSON names, as a 422; an error on a field no key fills keeps
/// the form's name.
pub(super) fn invalid(errors: Vec<FieldError>, keys: &[Key]) -> ApiError {
    ApiError::Invalid(
        errors
            .into_iter()
            .map(|e| FieldError { field: json_name(e.field, keys).unwrap_or(e.field), ..e })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const KEYS: [Key; 5] = [
        text("subject_id", "subject"),
        date("issued_on", "issued", "_"),
        Key { json: "requirements", form: "requirements", shape: Shape::Lines },
        Key { json: "bodies", form: "bodies", shape: Shape::Many },
        Key { json: "arrest", form: "arrest", shape: Shape::YesNo },
    ];

    fn fields(value: Value) -> Result<Vec<(String, String)>, ApiError> {
        form_fields(value.as_object().unwrap(), &KEYS)
    }

    #[test]
    fn json_values_become_the_forms_fields() {
        let got = fields(json!({
            "subject_id": 7, "issued_on": "2026-03-02", "requirements": ["Stop: a", "Do: b"],
            "bodies": ["council", "police"], "arrest": false,
        }))
        .unwrap();
        let pairs: Vec<(&str, &str)> = got.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        for expected in [
            ("subject", "7"),
            ("issued_day", "02"),
            ("issued_month", "03"),
            ("issued_year", "2026"),
            ("requirements", "Stop: a\nDo: b"),
            ("bodies", "council"),
            ("bodies", "police"),
            ("arrest", "no"),
        ] {
            assert!(pairs.contains(&expected), "{expected:?} in {pairs:?}");
        }
        assert!(fields(json!({ "subject_id": null })).unwrap().is_empty());
    }

    #[test]
    fn unknown_keys_and_wrong_types_are_refused() {
        for body in [
            json!({ "other": 1 }),
            json!({ "subject_id": [1] }),
            json!({ "issued_on": 20260302 }),
            json!({ "arrest": "perhaps" }),
        ] {
            assert!(matches!(fields(body), Err(ApiError::Invalid(_))));
        }
        assert!(object(b"[1]").is_err());
    }

    #[test]
    fn errors_come_back_under_the_json_names() {
        assert_eq!(json_name("issued", &KEYS), Some("issued_on"));
        assert_eq!(json_name("issued_day", &KEYS), Some("issued_on"));
        assert_eq!(json_name("subject", &KEYS), Some("subject_id"));
        assert_eq!(json_name("main-content", &KEYS), None);
    }
}
