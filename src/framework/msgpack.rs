//! Terraform's msgpack encoding of values, both ways.
//!
//! Decoding is driven by the expected [`Type`], as Terraform's own decoder
//! is: the bytes alone cannot tell a list from a set or an object from a map.
//! The reader never trusts a length from the input beyond the bytes that are
//! left, and limits nesting, so hostile input costs no more than its size.

use std::collections::BTreeMap;

use super::value::{Number, Type, Value};

/// How deep values may nest; far beyond any schema of this provider.
const MAX_DEPTH: usize = 64;

/// Why bytes could not be read as a value of the expected type.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid msgpack value at {path}: {reason}")]
pub struct DecodeError {
    /// Where in the value the problem is, such as `.timeouts.create`.
    pub path: String,
    /// What was wrong there.
    pub reason: String,
}

/// Reads a value of type `ty`.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, DecodeError> {
    let mut reader = Reader {
        bytes,
        position: 0,
        path: Vec::new(),
    };
    let value = reader.value(ty)?;
    if reader.position != bytes.len() {
        return Err(reader.error(format!("{} bytes left over", bytes.len() - reader.position)));
    }
    Ok(value)
}

/// Writes a value of type `ty`. Unknown values are written as extension 0,
/// and every attribute of an object type is written, null when absent.
pub fn encode(value: &Value, ty: &Type) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    write_value(&mut out, value, ty);
    out
}

struct Reader<'a> {
    bytes: &'a [u8],
    position: usize,
    path: Vec<String>,
}

impl Reader<'_> {
    fn error(&self, reason: impl Into<String>) -> DecodeError {
        let path = if self.path.is_empty() {
            ".".to_string()
        } else {
            self.path.concat()
        };
        DecodeError {
            path,
            reason: reason.into(),
        }
    }

    fn take(&mut self, count: usize) -> Result<&[u8], DecodeError> {
        let end = self
            .position
            .checked_add(count)
            .filter(|end| *end <= self.bytes.len());
        let Some(end) = end else {
            return Err(self.error("unexpected end of input"));
        };
        let slice = &self.bytes[self.position..end];
        self.position = end;
        Ok(slice)
    }

    fn byte(&mut self) -> Result<u8, DecodeError> {
        Ok(self.take(1)?[0])
    }

    fn peek(&self) -> Result<u8, DecodeError> {
        self.bytes
            .get(self.position)
            .copied()
            .ok_or_else(|| self.error("unexpected end of input"))
    }

    fn be_uint(&mut self, width: usize) -> Result<u64, DecodeError> {
        Ok(self
            .take(width)?
            .iter()
            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
    }

    fn value(&mut self, ty: &Type) -> Result<Value, DecodeError> {
        if self.path.len() > MAX_DEPTH {
            return Err(self.error("values nest too deeply"));
        }
        match self.peek()? {
            0xc0 => {
                self.position += 1;
                Ok(Value::Null)
            }
            0xd4..=0xd8 | 0xc7..=0xc9 => self.skip_extension(),
            _ => self.known(ty),
        }
    }

    /// Any extension is an unknown value; refined unknowns carry a payload
    /// that only narrows what the value may become, which we do not need.
    fn skip_extension(&mut self) -> Result<Value, DecodeError> {
        let length = match self.byte()? {
            0xd4 => 1,
            0xd5 => 2,
            0xd6 => 4,
            0xd7 => 8,
            0xd8 => 16,
            0xc7 => self.be_uint(1)? as usize,
            0xc8 => self.be_uint(2)? as usize,
            _ => self.be_uint(4)? as usize,
        };
        self.take(1 + length)?;
        Ok(Value::Unknown)
    }

    fn known(&mut self, ty: &Type) -> Result<Value, DecodeError> {
        match ty {
            Type::Bool => match self.byte()? {
                0xc2 => Ok(Value::Bool(false)),
                0xc3 => Ok(Value::Bool(true)),
                other => Err(self.error(format!("expected a bool, found marker {other:#04x}"))),
            },
            Type::Number => self.number().map(Value::Number),
            Type::String => self.string().map(Value::String),
            Type::List(element) => self.sequence(element).map(Value::List),
            Type::Set(element) => self.sequence(element).map(Value::Set),
            Type::Tuple(elements) => self.tuple(elements),
            Type::Map(element) => self.map(element),
            Type::Object(attributes) => self.object(attributes),
            Type::Dynamic => self.dynamic(),
        }
    }

    fn number(&mut self) -> Result<Number, DecodeError> {
        let marker = self.byte()?;
        let number = match marker {
            0x00..=0x7f => Number::Int(i64::from(marker)),
            0xe0..=0xff => Number::Int(i64::from(marker as i8)),
            0xcc => Number::Int(self.be_uint(1)? as i64),
            0xcd => Number::Int(self.be_uint(2)? as i64),
            0xce => Number::Int(self.be_uint(4)? as i64),
            0xcf => {
                let raw = self.be_uint(8)?;
                i64::try_from(raw).map_or_else(|_| Number::Decimal(raw.to_string()), Number::Int)
            }
            0xd0 => Number::Int(i64::from(self.be_uint(1)? as u8 as i8)),
            0xd1 => Number::Int(i64::from(self.be_uint(2)? as u16 as i16)),
            0xd2 => Number::Int(i64::from(self.be_uint(4)? as u32 as i32)),
            0xd3 => Number::Int(self.be_uint(8)? as i64),
            0xca => Number::from_f64(f64::from(f32::from_bits(self.be_uint(4)? as u32))),
            0xcb => Number::from_f64(f64::from_bits(self.be_uint(8)?)),
            0xa0..=0xbf | 0xd9..=0xdb => {
                self.position -= 1;
                let text = self.string()?;
                return Number::parse(&text)
                    .ok_or_else(|| self.error(format!("{text:?} is not a number")));
            }
            other => {
                return Err(self.error(format!("expected a number, found marker {other:#04x}")));
            }
        };
        if let Number::Float(f) = number
            && !f.is_finite()
        {
            return Err(self.error("numbers must be finite"));
        }
        Ok(number)
    }

    fn string(&mut self) -> Result<String, DecodeError> {
        let marker = self.byte()?;
        let length = match marker {
            0xa0..=0xbf => usize::from(marker & 0x1f),
            0xd9 => self.be_uint(1)? as usize,
            0xda => self.be_uint(2)? as usize,
            0xdb => self.be_uint(4)? as usize,
            other => {
                return Err(self.error(format!("expected a string, found marker {other:#04x}")));
            }
        };
        let bytes = self.take(length)?;
        match std::str::from_utf8(bytes) {
            Ok(text) => Ok(text.to_string()),
            Err(_) => Err(self.error("string is not valid UTF-8")),
        }
    }

    fn array_length(&mut self) -> Result<usize, DecodeError> {
        let marker = self.byte()?;
        let length = match marker {
            0x90..=0x9f => usize::from(marker & 0x0f),
            0xdc => self.be_uint(2)? as usize,
            0xdd => self.be_uint(4)? as usize,
            other => {
                return Err(self.error(format!("expected an array, found marker {other:#04x}")));
            }
        };
        self.check_room(length)?;
        Ok(length)
    }

    fn map_length(&mut self) -> Result<usize, DecodeError> {
        let marker = self.byte()?;
        let length = match marker {
            0x80..=0x8f => usize::from(marker & 0x0f),
            0xde => self.be_uint(2)? as usize,
            0xdf => self.be_uint(4)? as usize,
            other => return Err(self.error(format!("expected a map, found marker {other:#04x}"))),
        };
        self.check_room(length.saturating_mul(2))?;
        Ok(length)
    }

    /// Every element takes at least one byte, so a length beyond the bytes
    /// left is a lie, refused before anything is allocated for it.
    fn check_room(&self, elements: usize) -> Result<(), DecodeError> {
        if elements > self.bytes.len() - self.position {
            return Err(self.error(format!(
                "claims {elements} elements, more than the input holds"
            )));
        }
        Ok(())
    }

    fn nested<T>(
        &mut self,
        step: String,
        read: impl FnOnce(&mut Self) -> Result<T, DecodeError>,
    ) -> Result<T, DecodeError> {
        self.path.push(step);
        let result = read(self);
        self.path.pop();
        result
    }

    fn sequence(&mut self, element: &Type) -> Result<Vec<Value>, DecodeError> {
        let length = self.array_length()?;
        let mut items = Vec::with_capacity(length);
        for index in 0..length {
            items.push(self.nested(format!("[{index}]"), |r| r.value(element))?);
        }
        Ok(items)
    }

    fn tuple(&mut self, elements: &[Type]) -> Result<Value, DecodeError> {
        let length = self.array_length()?;
        if length != elements.len() {
            return Err(self.error(format!(
                "expected {} tuple elements, found {length}",
                elements.len()
            )));
        }
        let mut items = Vec::with_capacity(length);
        for (index, element) in elements.iter().enumerate() {
            items.push(self.nested(format!("[{index}]"), |r| r.value(element))?);
        }
        Ok(Value::Tuple(items))
    }

    fn map(&mut self, element: &Type) -> Result<Value, DecodeError> {
        let length = self.map_length()?;
        let mut entries = BTreeMap::new();
        for _ in 0..length {
            let key = self.string()?;
            let value = self.nested(format!("[{key:?}]"), |r| r.value(element))?;
            entries.insert(key, value);
        }
        Ok(Value::Map(entries))
    }

    fn object(&mut self, attributes: &BTreeMap<String, Type>) -> Result<Value, DecodeError> {
        let length = self.map_length()?;
        let mut entries = BTreeMap::new();
        for _ in 0..length {
            let key = self.string()?;
            let Some(ty) = attributes.get(&key) else {
                return Err(self.error(format!("unexpected attribute {key:?}")));
            };
            let value = self.nested(format!(".{key}"), |r| r.value(ty))?;
            entries.insert(key, value);
        }
        // Terraform sends every attribute; be lenient and read absent as null.
        for name in attributes.keys() {
            entries.entry(name.clone()).or_insert(Value::Null);
        }
        Ok(Value::Object(entries))
    }

    fn dynamic(&mut self) -> Result<Value, DecodeError> {
        if self.array_length()? != 2 {
            return Err(self.error("a dynamic value must be a [type, value] pair"));
        }
        let marker = self.peek()?;
        let type_json = if matches!(marker, 0xc4..=0xc6) {
            let length = match self.byte()? {
                0xc4 => self.be_uint(1)?,
                0xc5 => self.be_uint(2)?,
                _ => self.be_uint(4)?,
            } as usize;
            String::from_utf8_lossy(self.take(length)?).into_owned()
        } else {
            self.string()?
        };
        let ty = serde_json::from_str(&type_json)
            .ok()
            .and_then(|json| Type::from_json(&json))
            .ok_or_else(|| self.error(format!("{type_json:?} is not a type")))?;
        self.value(&ty)
    }
}

fn write_value(out: &mut Vec<u8>, value: &Value, ty: &Type) {
    match (value, ty) {
        (Value::Null, _) => out.push(0xc0),
        (Value::Unknown, _) => out.extend_from_slice(&[0xd4, 0x00, 0x00]),
        (_, Type::Dynamic) => write_dynamic(out, value),
        (Value::Bool(flag), _) => out.push(if *flag { 0xc3 } else { 0xc2 }),
        (Value::Number(number), _) => write_number(out, number),
        (Value::String(text), _) => write_string(out, text),
        (Value::List(items) | Value::Set(items), Type::List(element) | Type::Set(element)) => {
            write_array_header(out, items.len());
            items
                .iter()
                .for_each(|item| write_value(out, item, element));
        }
        (Value::Tuple(items), Type::Tuple(elements)) => {
            write_array_header(out, items.len());
            items
                .iter()
                .zip(elements)
                .for_each(|(item, ty)| write_value(out, item, ty));
        }
        (Value::Map(entries), Type::Map(element)) => {
            write_map_header(out, entries.len());
            for (key, item) in entries {
                write_string(out, key);
                write_value(out, item, element);
            }
        }
        (Value::Object(entries), Type::Object(attributes)) => {
            write_map_header(out, attributes.len());
            for (name, attribute_type) in attributes {
                write_string(out, name);
                write_value(
                    out,
                    entries.get(name).unwrap_or(&Value::Null),
                    attribute_type,
                );
            }
        }
        // A value that does not fit its type is a provider bug; write it as
        // its own shape so Terraform reports the mismatch instead of us
        // guessing.
        (other, _) => write_dynamic_value(out, other),
    }
}

fn write_dynamic(out: &mut Vec<u8>, value: &Value) {
    let ty = infer_type(value);
    out.push(0x92);
    write_string(out, &ty.to_json().to_string());
    write_value(out, value, &ty);
}

fn write_dynamic_value(out: &mut Vec<u8>, value: &Value) {
    let ty = infer_type(value);
    write_value(out, value, &ty);
}

/// The type a value has on its own, for dynamic attributes.
fn infer_type(value: &Value) -> Type {
    match value {
        Value::Null | Value::Unknown => Type::Dynamic,
        Value::Bool(_) => Type::Bool,
        Value::Number(_) => Type::Number,
        Value::String(_) => Type::String,
        Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
            Type::Tuple(items.iter().map(infer_type).collect())
        }
        Value::Map(entries) | Value::Object(entries) => Type::Object(
            entries
                .iter()
                .map(|(k, v)| (k.clone(), infer_type(v)))
                .collect(),
        ),
    }
}

/// Whole numbers go out as decimal text, which the protocol allows for any
/// number. Terraform reads the numbers of a stored state from decimal text
/// too, and a number read from a msgpack integer is held differently in its
/// memory: equal, but not identical, which Terraform 1.8 and later count as
/// a change in `plan -refresh-only -detailed-exitcode`. Text makes the two
/// the same. Fractions stay float64, exact as received: the shortest text of
/// a float is not always its exact value.
fn write_number(out: &mut Vec<u8>, number: &Number) {
    match number {
        Number::Int(n) => write_string(out, &n.to_string()),
        Number::Float(f) => {
            out.push(0xcb);
            out.extend_from_slice(&f.to_bits().to_be_bytes());
        }
        Number::Decimal(text) => write_string(out, text),
    }
}

fn write_string(out: &mut Vec<u8>, text: &str) {
    let length = text.len();
    match length {
        0..=31 => out.push(0xa0 | length as u8),
        32..=0xff => out.extend_from_slice(&[0xd9, length as u8]),
        0x100..=0xffff => {
            out.push(0xda);
            out.extend_from_slice(&(length as u16).to_be_bytes());
        }
        _ => {
            out.push(0xdb);
            out.extend_from_slice(&(length as u32).to_be_bytes());
        }
    }
    out.extend_from_slice(text.as_bytes());
}

fn write_array_header(out: &mut Vec<u8>, length: usize) {
    match length {
        0..=15 => out.push(0x90 | length as u8),
        16..=0xffff => {
            out.push(0xdc);
            out.extend_from_slice(&(length as u16).to_be_bytes());
        }
        _ => {
            out.push(0xdd);
            out.extend_from_slice(&(length as u32).to_be_bytes());
        }
    }
}

fn write_map_header(out: &mut Vec<u8>, length: usize) {
    match length {
        0..=15 => out.push(0x80 | length as u8),
        16..=0xffff => {
            out.push(0xde);
            out.extend_from_slice(&(length as u16).to_be_bytes());
        }
        _ => {
            out.push(0xdf);
            out.extend_from_slice(&(length as u32).to_be_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(pairs: &[(&str, Value)]) -> Value {
        Value::Object(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    fn snapshot_type() -> Type {
        Type::object([
            ("id", Type::String),
            ("count", Type::Number),
            ("flag", Type::Bool),
            ("tags", Type::map(Type::String)),
            ("names", Type::set(Type::String)),
            ("ports", Type::list(Type::Number)),
            ("timeouts", Type::object([("create", Type::String)])),
            ("pair", Type::Tuple(vec![Type::String, Type::Number])),
        ])
    }

    #[test]
    fn values_round_trip() {
        let ty = snapshot_type();
        let cases = [
            Value::Null,
            Value::Unknown,
            object(&[("id", "a".into())]),
            object(&[
                ("id", "x".repeat(300).into()),
                ("count", Value::Number(Number::Int(i64::MIN))),
                ("flag", true.into()),
                (
                    "tags",
                    Value::Map(BTreeMap::from([("k".into(), "v".into())])),
                ),
                ("names", Value::Set(vec!["b".into(), Value::Unknown])),
                ("ports", Value::List(vec![])),
                ("timeouts", object(&[("create", Value::Unknown)])),
                (
                    "pair",
                    Value::Tuple(vec!["s".into(), Value::Number(Number::Float(0.5))]),
                ),
            ]),
            object(&[(
                "count",
                Value::Number(Number::Decimal("123456789012345678901234567890".into())),
            )]),
            object(&[("count", Value::Number(Number::Int(70000)))]),
            object(&[("ports", Value::List((0..40).map(Value::from).collect()))]),
        ];
        for value in cases {
            let bytes = encode(&value, &ty);
            let back = decode(&bytes, &ty).unwrap();
            let expected = match &value {
                Value::Object(entries) => {
                    let mut full = entries.clone();
                    for name in [
                        "id", "count", "flag", "tags", "names", "ports", "timeouts", "pair",
                    ] {
                        full.entry(name.to_string()).or_insert(Value::Null);
                    }
                    Value::Object(full)
                }
                other => other.clone(),
            };
            assert_eq!(back, expected);
        }
    }

    #[test]
    fn every_attribute_is_written() {
        let ty = Type::object([("a", Type::String), ("b", Type::String)]);
        let bytes = encode(&object(&[("a", "x".into())]), &ty);
        // fixmap of 2, "a" "x", "b" nil
        assert_eq!(bytes, vec![0x82, 0xa1, b'a', 0xa1, b'x', 0xa1, b'b', 0xc0]);
    }

    #[test]
    fn unknown_is_extension_zero() {
        assert_eq!(
            encode(&Value::Unknown, &Type::String),
            vec![0xd4, 0x00, 0x00]
        );
    }

    #[test]
    fn whole_numbers_are_written_as_decimal_text_and_fractions_as_float64() {
        assert_eq!(encode(&Value::from(3), &Type::Number), vec![0xa1, b'3']);
        let float = Value::Number(Number::Float(1.5));
        assert_eq!(
            encode(&float, &Type::Number),
            vec![0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0]
        );
    }

    #[test]
    fn a_whole_float_beyond_2_pow_53_round_trips_as_a_float() {
        // Found by libFuzzer: float32 0xda22cacc is -11455480937316352, a
        // whole number too large to be kept as an integer; written as text it
        // came back as an integer, and in general the shortest text of a float
        // that large is not its exact value.
        let bytes = [0xca, 0xda, 0x22, 0xca, 0xcc];
        let value = decode(&bytes, &Type::Number).unwrap();
        assert_eq!(
            decode(&encode(&value, &Type::Number), &Type::Number).unwrap(),
            value
        );
        let huge = Value::Number(Number::Float(1e300));
        assert_eq!(
            decode(&encode(&huge, &Type::Number), &Type::Number).unwrap(),
            huge
        );
    }

    #[test]
    fn any_extension_reads_as_unknown() {
        // A refined unknown: ext 12 holding a small map.
        let refined = [0xc7, 0x03, 0x0c, 0x81, 0x01, 0xc2];
        assert_eq!(decode(&refined, &Type::String).unwrap(), Value::Unknown);
        assert_eq!(
            decode(&[0xd5, 0x05, 1, 2], &Type::Number).unwrap(),
            Value::Unknown
        );
    }

    #[test]
    fn numbers_in_every_form() {
        let cases: &[(&[u8], Number)] = &[
            (&[0x05], Number::Int(5)),
            (&[0xff], Number::Int(-1)),
            (&[0xcc, 0xff], Number::Int(255)),
            (&[0xd1, 0xff, 0x00], Number::Int(-256)),
            (
                &[0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
                Number::Decimal("18446744073709551615".into()),
            ),
            (&[0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0], Number::Float(1.5)),
            (&[0xca, 0x40, 0x40, 0, 0], Number::Int(3)),
            (
                &[0xa4, b'1', b'e', b'3', b'0'],
                Number::Decimal("1e30".into()),
            ),
        ];
        for (bytes, expected) in cases {
            assert_eq!(
                decode(bytes, &Type::Number).unwrap(),
                Value::Number(expected.clone()),
                "{bytes:x?}"
            );
        }
    }

    #[test]
    fn dynamic_values_carry_their_type() {
        let mut bytes = vec![0x92];
        write_string(&mut bytes, "[\"list\",\"string\"]");
        bytes.extend_from_slice(&[0x91, 0xa1, b'z']);
        assert_eq!(
            decode(&bytes, &Type::Dynamic).unwrap(),
            Value::List(vec!["z".into()])
        );
        let encoded = encode(&Value::String("q".into()), &Type::Dynamic);
        assert_eq!(
            decode(&encoded, &Type::Dynamic).unwrap(),
            Value::String("q".into())
        );
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        let ty = snapshot_type();
        let cases: &[&[u8]] = &[
            &[],
            &[0x81],
            &[0x81, 0xa2, b'i', b'd'],
            &[0x81, 0xa7, b'u', b'n', b'k', b'n', b'o', b'w', b'n', 0xc0],
            &[0xdd, 0xff, 0xff, 0xff, 0xff],
            &[0xdf, 0xff, 0xff, 0xff, 0xff],
            &[0x81, 0xa2, b'i', b'd', 0xa2, 0xff, 0xfe],
            &[
                0x81, 0xa5, b'c', b'o', b'u', b'n', b't', 0xa3, b'a', b'b', b'c',
            ],
            &[0xc0, 0xc0],
            &[0xc8, 0xff, 0xff],
        ];
        for bytes in cases {
            assert!(decode(bytes, &ty).is_err(), "{bytes:x?}");
        }
        assert!(decode(&[0xcb, 0x7f, 0xf0, 0, 0, 0, 0, 0, 0], &Type::Number).is_err());
    }

    #[test]
    fn deep_nesting_is_refused() {
        let mut ty = Type::String;
        for _ in 0..100 {
            ty = Type::list(ty);
        }
        let mut bytes = vec![0x91; 100];
        bytes.push(0xa0);
        assert!(decode(&bytes, &ty).unwrap_err().reason.contains("deeply"));
    }

    #[test]
    fn errors_name_the_path() {
        let ty = snapshot_type();
        let bytes = [
            0x81, 0xa8, b't', b'i', b'm', b'e', b'o', b'u', b't', b's', 0x81, 0xa6, b'c', b'r',
            b'e', b'a', b't', b'e', 0x05,
        ];
        assert_eq!(decode(&bytes, &ty).unwrap_err().path, ".timeouts.create");
    }

    #[test]
    fn agrees_with_an_independent_encoder() {
        // rmpv writes standard msgpack; our reader must accept its forms.
        let value = rmpv::Value::Map(vec![
            (rmpv::Value::from("id"), rmpv::Value::from("abc")),
            (
                rmpv::Value::from("count"),
                rmpv::Value::from(u64::from(u32::MAX) + 1),
            ),
            (
                rmpv::Value::from("ports"),
                rmpv::Value::Array(vec![rmpv::Value::from(-70000i64)]),
            ),
        ]);
        let mut bytes = Vec::new();
        rmpv::encode::write_value(&mut bytes, &value).unwrap();
        let decoded = decode(&bytes, &snapshot_type()).unwrap();
        let Value::Object(entries) = decoded else {
            panic!("not an object")
        };
        assert_eq!(entries["id"], "abc".into());
        assert_eq!(entries["count"], Value::Number(Number::Int(4294967296)));
        assert_eq!(
            entries["ports"],
            Value::List(vec![Value::Number(Number::Int(-70000))])
        );
        let ours = encode(&Value::Object(entries), &snapshot_type());
        let theirs = rmpv::decode::read_value(&mut ours.as_slice()).unwrap();
        assert_eq!(theirs.as_map().map(Vec::len), Some(8));
    }
}
