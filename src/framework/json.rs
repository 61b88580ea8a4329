//! Reading Terraform's JSON form of a value: the state file's shape, which
//! is what UpgradeResourceState receives.
//!
//! Attributes that the schema no longer has are dropped rather than refused:
//! that is exactly the situation an upgrade exists for.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use super::value::{Number, Type, Value};

/// Why JSON could not be read as a value of the expected type.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid JSON value at {path}: {reason}")]
pub struct JsonError {
    /// Where in the value the problem is.
    pub path: String,
    /// What was wrong there.
    pub reason: String,
}

/// Parses `bytes` and reads them as a value of type `ty`.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, JsonError> {
    let json: Json = serde_json::from_slice(bytes).map_err(|error| JsonError {
        path: ".".into(),
        reason: error.to_string(),
    })?;
    from_json(&json, ty, &mut Vec::new())
}

fn error(path: &[String], reason: impl Into<String>) -> JsonError {
    let path = if path.is_empty() {
        ".".to_string()
    } else {
        path.concat()
    };
    JsonError {
        path,
        reason: reason.into(),
    }
}

fn from_json(json: &Json, ty: &Type, path: &mut Vec<String>) -> Result<Value, JsonError> {
    if json.is_null() {
        return Ok(Value::Null);
    }
    match (ty, json) {
        (Type::Bool, Json::Bool(flag)) => Ok(Value::Bool(*flag)),
        (Type::Number, Json::Number(number)) => number_from_json(number)
            .map(Value::Number)
            .ok_or_else(|| error(path, format!("{number} is not a usable number"))),
        (Type::Number, Json::String(text)) => Number::parse(text)
            .map(Value::Number)
            .ok_or_else(|| error(path, format!("{text:?} is not a number"))),
        (Type::String, Json::String(text)) => Ok(Value::String(text.clone())),
        // Terraform's JSON state writes primitives of a string attribute as
        // strings, but older states may hold numbers or booleans there.
        (Type::String, Json::Number(number)) => Ok(Value::String(number.to_string())),
        (Type::String, Json::Bool(flag)) => Ok(Value::String(flag.to_string())),
        (Type::List(element), Json::Array(items)) => {
            sequence(items, element, path).map(Value::List)
        }
        (Type::Set(element), Json::Array(items)) => sequence(items, element, path).map(Value::Set),
        (Type::Tuple(elements), Json::Array(items)) if items.len() == elements.len() => items
            .iter()
            .zip(elements)
            .enumerate()
            .map(|(index, (item, ty))| {
                nested(path, format!("[{index}]"), |p| from_json(item, ty, p))
            })
            .collect::<Result<_, _>>()
            .map(Value::Tuple),
        (Type::Map(element), Json::Object(entries)) => entries
            .iter()
            .map(|(key, item)| {
                let value = nested(path, format!("[{key:?}]"), |p| from_json(item, element, p))?;
                Ok((key.clone(), value))
            })
            .collect::<Result<_, _>>()
            .map(Value::Map),
        (Type::Object(attributes), Json::Object(entries)) => object(attributes, entries, path),
        (Type::Dynamic, Json::Object(wrapped)) if wrapped.contains_key("type") => {
            let ty = wrapped.get("type").and_then(Type::from_json);
            let ty = ty.ok_or_else(|| error(path, "dynamic value has no valid type"))?;
            from_json(wrapped.get("value").unwrap_or(&Json::Null), &ty, path)
        }
        (ty, json) => Err(error(
            path,
            format!("expected {}, found {}", ty.to_json(), kind(json)),
        )),
    }
}

fn number_from_json(number: &serde_json::Number) -> Option<Number> {
    if let Some(n) = number.as_i64() {
        return Some(Number::Int(n));
    }
    if let Some(n) = number.as_u64() {
        return Some(Number::Decimal(n.to_string()));
    }
    number
        .as_f64()
        .filter(|f| f.is_finite())
        .map(Number::from_f64)
}

fn object(
    attributes: &BTreeMap<String, Type>,
    entries: &serde_json::Map<String, Json>,
    path: &mut Vec<String>,
) -> Result<Value, JsonError> {
    let mut fields = BTreeMap::new();
    for (name, ty) in attributes {
        let value = match entries.get(name) {
            Some(item) => nested(path, format!(".{name}"), |p| from_json(item, ty, p))?,
            None => Value::Null,
        };
        fields.insert(name.clone(), value);
    }
    Ok(Value::Object(fields))
}

fn sequence(
    items: &[Json],
    element: &Type,
    path: &mut Vec<String>,
) -> Result<Vec<Value>, JsonError> {
    items
        .iter()
        .enumerate()
        .map(|(index, item)| nested(path, format!("[{index}]"), |p| from_json(item, element, p)))
        .collect()
}

fn nested<T>(
    path: &mut Vec<String>,
    step: String,
    read: impl FnOnce(&mut Vec<String>) -> Result<T, JsonError>,
) -> Result<T, JsonError> {
    path.push(step);
    let result = read(path);
    path.pop();
    result
}

fn kind(json: &Json) -> &'static str {
    match json {
        Json::Null => "null",
        Json::Bool(_) => "a bool",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty() -> Type {
        Type::object([
            ("id", Type::String),
            ("hour", Type::Number),
            ("names", Type::set(Type::String)),
            ("timeouts", Type::object([("create", Type::String)])),
        ])
    }

    #[test]
    fn reads_state_json() {
        let state = br#"{"id":"1:a","hour":3,"names":["x"],"timeouts":null,"removed":"gone"}"#;
        let Value::Object(fields) = decode(state, &ty()).unwrap() else {
            panic!()
        };
        assert_eq!(fields.len(), 4, "the removed attribute is dropped");
        assert_eq!(fields["id"], "1:a".into());
        assert_eq!(fields["hour"], Value::from(3));
        assert_eq!(fields["names"], Value::Set(vec!["x".into()]));
        assert!(fields["timeouts"].is_null());
    }

    #[test]
    fn missing_attributes_read_as_null() {
        let Value::Object(fields) = decode(br#"{"id":"x"}"#, &ty()).unwrap() else {
            panic!()
        };
        assert!(fields["hour"].is_null());
    }

    #[test]
    fn wrong_shapes_are_errors_with_paths() {
        let cases: &[(&[u8], &str)] = &[
            (br#"{"hour":"soon"}"#, ".hour"),
            (br#"{"names":"x"}"#, ".names"),
            (br#"{"timeouts":{"create":[]}}"#, ".timeouts.create"),
            (br#"[1]"#, "."),
            (br#"{"id":"#, "."),
        ];
        for (bytes, path) in cases {
            assert_eq!(
                decode(bytes, &ty()).unwrap_err().path,
                *path,
                "{}",
                String::from_utf8_lossy(bytes)
            );
        }
    }
}
