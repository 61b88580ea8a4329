//! Terraform's values, as resources see them.
//!
//! A [`Value`] is what Terraform calls a cty value: typed by a [`Type`], and
//! besides its ordinary forms it can be null or unknown (known only after
//! apply). Resources read and write attributes through [`Object`], which keeps
//! every attribute of its type present, as the wire format requires.

use std::collections::BTreeMap;
use std::fmt;

/// A Terraform type constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Type {
    Bool,
    Number,
    String,
    /// Any type; values travel with their type beside them.
    Dynamic,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Object(BTreeMap<String, Type>),
    Tuple(Vec<Type>),
}

impl Type {
    /// A list of the given element type.
    pub fn list(element: Type) -> Type {
        Type::List(Box::new(element))
    }

    /// A set of the given element type.
    pub fn set(element: Type) -> Type {
        Type::Set(Box::new(element))
    }

    /// A map of the given element type.
    pub fn map(element: Type) -> Type {
        Type::Map(Box::new(element))
    }

    /// An object with the given attributes.
    pub fn object<'a>(attributes: impl IntoIterator<Item = (&'a str, Type)>) -> Type {
        Type::Object(
            attributes
                .into_iter()
                .map(|(name, ty)| (name.to_string(), ty))
                .collect(),
        )
    }

    /// The JSON type constraint Terraform expects in a schema, such as
    /// `"string"` or `["list","number"]`.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::{Value as J, json};
        match self {
            Type::Bool => J::from("bool"),
            Type::Number => J::from("number"),
            Type::String => J::from("string"),
            Type::Dynamic => J::from("dynamic"),
            Type::List(element) => json!(["list", element.to_json()]),
            Type::Set(element) => json!(["set", element.to_json()]),
            Type::Map(element) => json!(["map", element.to_json()]),
            Type::Object(attributes) => {
                let fields: serde_json::Map<_, _> = attributes
                    .iter()
                    .map(|(k, t)| (k.clone(), t.to_json()))
                    .collect();
                json!(["object", fields])
            }
            Type::Tuple(elements) => {
                json!([
                    "tuple",
                    elements.iter().map(Type::to_json).collect::<Vec<_>>()
                ])
            }
        }
    }

    /// Reads a JSON type constraint, the inverse of [`Type::to_json`].
    pub fn from_json(json: &serde_json::Value) -> Option<Type> {
        use serde_json::Value as J;
        match json {
            J::String(name) => match name.as_str() {
                "bool" => Some(Type::Bool),
                "number" => Some(Type::Number),
                "string" => Some(Type::String),
                "dynamic" => Some(Type::Dynamic),
                _ => None,
            },
            J::Array(parts) if parts.len() == 2 => {
                let kind = parts[0].as_str()?;
                match (kind, &parts[1]) {
                    ("list", inner) => Some(Type::list(Type::from_json(inner)?)),
                    ("set", inner) => Some(Type::set(Type::from_json(inner)?)),
                    ("map", inner) => Some(Type::map(Type::from_json(inner)?)),
                    ("object", J::Object(fields)) => fields
                        .iter()
                        .map(|(k, v)| Some((k.clone(), Type::from_json(v)?)))
                        .collect::<Option<_>>()
                        .map(Type::Object),
                    ("tuple", J::Array(items)) => items
                        .iter()
                        .map(Type::from_json)
                        .collect::<Option<_>>()
                        .map(Type::Tuple),
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

/// A Terraform number. Whole numbers that fit are kept exactly; larger or
/// more precise ones travel as decimal text, as Terraform sends them.
#[derive(Debug, Clone, PartialEq)]
pub enum Number {
    Int(i64),
    Float(f64),
    /// A number too large or too precise for the other forms, as decimal text.
    Decimal(String),
}

impl Number {
    /// The number as a whole `i64`, when it is one.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Number::Int(n) => Some(*n),
            Number::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(*f as i64),
            Number::Float(_) => None,
            Number::Decimal(text) => text.parse().ok(),
        }
    }

    /// Reads a float, keeping whole values as integers so that equal numbers
    /// compare equal whatever form they arrived in.
    pub fn from_f64(value: f64) -> Number {
        if value.fract() == 0.0 && value.abs() < 9.0e15 {
            Number::Int(value as i64)
        } else {
            Number::Float(value)
        }
    }

    /// Reads decimal text, as JSON state and msgpack strings carry it. Text
    /// that an `f64` would round is kept as it is.
    pub fn parse(text: &str) -> Option<Number> {
        if let Ok(n) = text.parse::<i64>() {
            return Some(Number::Int(n));
        }
        // A whole number beyond i64 stays exact: a float whose shortest text
        // matches it may still hold another value.
        let digits = text.strip_prefix('-').unwrap_or(text);
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            return Some(Number::Decimal(text.to_string()));
        }
        let float: f64 = text.parse().ok()?;
        if !float.is_finite() {
            return None;
        }
        if float.to_string() == text {
            return Some(Number::from_f64(float));
        }
        // "3.000" is the whole number 3.
        let is_plain_decimal = text.contains('.') && !text.contains(['e', 'E']);
        if is_plain_decimal && let Ok(n) = text.trim_end_matches('0').trim_end_matches('.').parse()
        {
            return Some(Number::Int(n));
        }
        Some(Number::Decimal(text.to_string()))
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::Int(n) => write!(f, "{n}"),
            Number::Float(n) => write!(f, "{n}"),
            Number::Decimal(text) => f.write_str(text),
        }
    }
}

/// A Terraform value.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    #[default]
    Null,
    /// Not known until apply.
    Unknown,
    Bool(bool),
    Number(Number),
    String(String),
    List(Vec<Value>),
    /// Elements in no particular order; see [`Value::same`].
    Set(Vec<Value>),
    Map(BTreeMap<String, Value>),
    Object(BTreeMap<String, Value>),
    Tuple(Vec<Value>),
}

impl Value {
    /// Whether the value is null.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Whether the value is unknown itself (not whether it contains one).
    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown)
    }

    /// Whether the value and everything in it is known.
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown => false,
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
                items.iter().all(Value::is_wholly_known)
            }
            Value::Map(entries) | Value::Object(entries) => {
                entries.values().all(Value::is_wholly_known)
            }
            _ => true,
        }
    }

    /// The text of a known string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(text) => Some(text),
            _ => None,
        }
    }

    /// A known whole number.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Number(n) => n.as_i64(),
            _ => None,
        }
    }

    /// A known boolean.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// Equality as Terraform sees it: sets compare without regard to order.
    pub fn same(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Set(a), Value::Set(b)) => {
                a.len() == b.len()
                    && a.iter().all(|x| b.iter().any(|y| x.same(y)))
                    && b.iter().all(|y| a.iter().any(|x| x.same(y)))
            }
            (Value::List(a), Value::List(b)) | (Value::Tuple(a), Value::Tuple(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same(y))
            }
            (Value::Map(a), Value::Map(b)) | (Value::Object(a), Value::Object(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .zip(b)
                        .all(|((ka, va), (kb, vb))| ka == kb && va.same(vb))
            }
            _ => self == other,
        }
    }

    /// Replaces every unknown inside the value by null: what a state must
    /// hold when apply stops part way.
    pub fn unknowns_to_null(self) -> Value {
        match self {
            Value::Unknown => Value::Null,
            Value::List(items) => {
                Value::List(items.into_iter().map(Value::unknowns_to_null).collect())
            }
            Value::Set(items) => {
                Value::Set(items.into_iter().map(Value::unknowns_to_null).collect())
            }
            Value::Tuple(items) => {
                Value::Tuple(items.into_iter().map(Value::unknowns_to_null).collect())
            }
            Value::Map(entries) => Value::Map(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, v.unknowns_to_null()))
                    .collect(),
            ),
            Value::Object(entries) => Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, v.unknowns_to_null()))
                    .collect(),
            ),
            other => other,
        }
    }
}

impl From<&str> for Value {
    fn from(text: &str) -> Value {
        Value::String(text.to_string())
    }
}

impl From<String> for Value {
    fn from(text: String) -> Value {
        Value::String(text)
    }
}

impl From<bool> for Value {
    fn from(flag: bool) -> Value {
        Value::Bool(flag)
    }
}

impl From<i64> for Value {
    fn from(number: i64) -> Value {
        Value::Number(Number::Int(number))
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(option: Option<T>) -> Value {
        option.map_or(Value::Null, Into::into)
    }
}

/// The attributes of a resource or block, by name.
///
/// Reading an attribute that is null, unknown or absent gives `None` from
/// the typed getters; [`Object::get`] tells them apart.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Object(pub BTreeMap<String, Value>);

impl Object {
    /// An object with every attribute null.
    pub fn nulls<'a>(names: impl IntoIterator<Item = &'a str>) -> Object {
        Object(
            names
                .into_iter()
                .map(|name| (name.to_string(), Value::Null))
                .collect(),
        )
    }

    /// Takes the attributes of an object value; `None` for null, unknown or
    /// any other kind.
    pub fn from_value(value: Value) -> Option<Object> {
        match value {
            Value::Object(entries) => Some(Object(entries)),
            _ => None,
        }
    }

    /// The object as a value.
    pub fn into_value(self) -> Value {
        Value::Object(self.0)
    }

    /// An attribute, null when absent.
    pub fn get(&self, name: &str) -> &Value {
        static NULL: Value = Value::Null;
        self.0.get(name).unwrap_or(&NULL)
    }

    /// A known string attribute.
    pub fn str(&self, name: &str) -> Option<&str> {
        self.get(name).as_str()
    }

    /// A known whole-number attribute.
    pub fn i64(&self, name: &str) -> Option<i64> {
        self.get(name).as_i64()
    }

    /// A known boolean attribute.
    pub fn bool(&self, name: &str) -> Option<bool> {
        self.get(name).as_bool()
    }

    /// A nested single block or object attribute, when known and not null.
    pub fn object(&self, name: &str) -> Option<Object> {
        Object::from_value(self.get(name).clone())
    }

    /// Sets an attribute.
    pub fn set(&mut self, name: &str, value: impl Into<Value>) {
        self.0.insert(name.to_string(), value.into());
    }

    /// Whether an attribute is unknown.
    pub fn is_unknown(&self, name: &str) -> bool {
        self.get(name).is_unknown()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_round_trip_through_json() {
        let types = [
            Type::String,
            Type::Dynamic,
            Type::list(Type::Number),
            Type::set(Type::map(Type::Bool)),
            Type::object([("a", Type::String), ("b", Type::list(Type::String))]),
            Type::Tuple(vec![Type::String, Type::Number]),
        ];
        for ty in types {
            assert_eq!(Type::from_json(&ty.to_json()), Some(ty.clone()), "{ty:?}");
        }
        assert_eq!(Type::from_json(&serde_json::json!(["list"])), None);
        assert_eq!(Type::from_json(&serde_json::json!("text")), None);
    }

    #[test]
    fn numbers_keep_whole_values_exact() {
        let cases = [
            ("12", Number::Int(12)),
            ("-3", Number::Int(-3)),
            ("1.5", Number::Float(1.5)),
            (
                "18446744073709551616",
                Number::Decimal("18446744073709551616".into()),
            ),
            (
                "0.1000000000000000000000001",
                Number::Decimal("0.1000000000000000000000001".into()),
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(Number::parse(text), Some(expected), "{text}");
        }
        assert_eq!(Number::parse("nope"), None);
        assert_eq!(Number::parse("inf"), None);
        assert_eq!(Number::from_f64(3.0), Number::Int(3));
    }

    #[test]
    fn big_integer_text_stays_exact() {
        // Found by libFuzzer: this text is also the shortest form of a float
        // whose exact value differs, and it came back from a round trip as
        // that float.
        let text = "14974415777474400000";
        assert_eq!(Number::parse(text), Some(Number::Decimal(text.into())));
        assert_eq!(
            Number::parse(&format!("-{text}")),
            Some(Number::Decimal(format!("-{text}")))
        );
        assert_eq!(Number::parse("-"), None);
    }

    #[test]
    fn sets_compare_without_order() {
        let a = Value::Set(vec!["x".into(), "y".into()]);
        let b = Value::Set(vec!["y".into(), "x".into()]);
        assert!(a.same(&b));
        assert!(!a.same(&Value::Set(vec!["x".into()])));
        assert!(
            !Value::List(vec!["x".into(), "y".into()])
                .same(&Value::List(vec!["y".into(), "x".into()]))
        );
    }

    #[test]
    fn unknowns_become_null_deep_inside() {
        let value = Value::Object(BTreeMap::from([
            ("a".to_string(), Value::Unknown),
            (
                "b".to_string(),
                Value::List(vec![Value::Unknown, "k".into()]),
            ),
        ]));
        assert!(!value.is_wholly_known());
        let cleaned = value.unknowns_to_null();
        assert!(cleaned.is_wholly_known());
    }

    #[test]
    fn object_getters_see_only_known_values() {
        let mut object = Object::nulls(["a", "b", "c"]);
        object.set("a", "text");
        object.set("b", Value::Unknown);
        assert_eq!(object.str("a"), Some("text"));
        assert_eq!(object.str("b"), None);
        assert!(object.is_unknown("b"));
        assert!(object.get("missing").is_null());
    }
}
