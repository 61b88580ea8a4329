//! Conversions between the wire's generated types and the framework's own.
//! One function per message kind; nothing else in the crate touches the
//! generated schema, value or diagnostic types.

use crate::framework::diagnostics::{AttributePath, Diagnostic, Diagnostics, PathStep, Severity};
use crate::framework::resource::ClientCapabilities;
use crate::framework::schema::{Attribute, Block, Description, Mode, NestedBlock, Nesting, Schema};
use crate::framework::value::{Object, Type, Value};
use crate::framework::{json, msgpack};
use crate::proto::tfplugin6 as wire;

/// Reads a value Terraform sent: msgpack when present, else JSON, else null.
pub fn value_in(dynamic: Option<&wire::DynamicValue>, ty: &Type) -> Result<Value, Diagnostics> {
    let Some(dynamic) = dynamic else {
        return Ok(Value::Null);
    };
    let result = if !dynamic.msgpack.is_empty() {
        msgpack::decode(&dynamic.msgpack, ty).map_err(|e| e.to_string())
    } else if !dynamic.json.is_empty() {
        json::decode(&dynamic.json, ty).map_err(|e| e.to_string())
    } else {
        return Ok(Value::Null);
    };
    result.map_err(|reason| {
        Diagnostics::from_error(
            "Invalid Value From Terraform",
            format!(
                "Terraform sent a value this provider cannot read ({reason}). This usually \
                 means Terraform and the provider disagree about the schema; run the command \
                 again, and report it if it persists."
            ),
        )
    })
}

/// Reads a value that must be an object or null.
pub fn object_in(
    dynamic: Option<&wire::DynamicValue>,
    ty: &Type,
) -> Result<Option<Object>, Diagnostics> {
    match value_in(dynamic, ty)? {
        Value::Null => Ok(None),
        Value::Object(fields) => Ok(Some(Object(fields))),
        other => {
            let mut diagnostics = Diagnostics::new();
            diagnostics.provider_bug(format!(
                "expected an object from Terraform, found {other:?}"
            ));
            Err(diagnostics)
        }
    }
}

/// Writes a value for Terraform, always as msgpack.
pub fn value_out(value: &Value, ty: &Type) -> wire::DynamicValue {
    wire::DynamicValue {
        msgpack: msgpack::encode(value, ty),
        json: Vec::new(),
    }
}

/// Writes an optional object for Terraform; `None` is null.
pub fn object_out(object: Option<Object>, ty: &Type) -> wire::DynamicValue {
    value_out(&object.map_or(Value::Null, Object::into_value), ty)
}

/// The capabilities Terraform announced; absent means none.
pub fn capabilities_in(capabilities: Option<&wire::ClientCapabilities>) -> ClientCapabilities {
    ClientCapabilities {
        write_only_attributes_allowed: capabilities
            .is_some_and(|c| c.write_only_attributes_allowed),
    }
}

/// Diagnostics for the wire.
pub fn diagnostics_out(diagnostics: &Diagnostics) -> Vec<wire::Diagnostic> {
    diagnostics.iter().map(diagnostic_out).collect()
}

fn diagnostic_out(diagnostic: &Diagnostic) -> wire::Diagnostic {
    let severity = match diagnostic.severity {
        Severity::Error => wire::diagnostic::Severity::Error,
        Severity::Warning => wire::diagnostic::Severity::Warning,
    };
    wire::Diagnostic {
        severity: severity as i32,
        summary: diagnostic.summary.clone(),
        detail: diagnostic.detail.clone(),
        attribute: diagnostic.attribute.as_ref().map(path_out),
    }
}

/// An attribute path for the wire.
pub fn path_out(path: &AttributePath) -> wire::AttributePath {
    use wire::attribute_path::step::Selector;
    let steps = path
        .0
        .iter()
        .map(|step| wire::attribute_path::Step {
            selector: Some(match step {
                PathStep::Attribute(name) => Selector::AttributeName(name.clone()),
                PathStep::Key(key) => Selector::ElementKeyString(key.clone()),
                PathStep::Index(index) => Selector::ElementKeyInt(*index),
            }),
        })
        .collect();
    wire::AttributePath { steps }
}

/// A schema for the wire.
pub fn schema_out(schema: &Schema) -> wire::Schema {
    wire::Schema {
        version: schema.version,
        block: Some(block_out(&schema.block, schema.version)),
    }
}

fn block_out(block: &Block, version: i64) -> wire::schema::Block {
    let (description, description_kind) = description_out(&block.description);
    wire::schema::Block {
        version,
        attributes: block.attributes.iter().map(attribute_out).collect(),
        block_types: block.blocks.iter().map(nested_block_out).collect(),
        description,
        description_kind,
        deprecated: block.deprecated,
    }
}

/// Terraform shows one description; the Markdown one is the richer.
fn description_out(description: &Description) -> (String, i32) {
    if description.markdown.is_empty() {
        (description.plain.clone(), wire::StringKind::Plain as i32)
    } else {
        (
            description.markdown.clone(),
            wire::StringKind::Markdown as i32,
        )
    }
}

fn attribute_out(attribute: &Attribute) -> wire::schema::Attribute {
    let (description, description_kind) = description_out(&attribute.description);
    wire::schema::Attribute {
        name: attribute.name.clone(),
        r#type: attribute.ty.to_json().to_string().into_bytes(),
        nested_type: None,
        description,
        description_kind,
        required: attribute.mode == Mode::Required,
        optional: matches!(attribute.mode, Mode::Optional | Mode::OptionalComputed),
        computed: attribute.is_computed(),
        sensitive: attribute.sensitive,
        deprecated: attribute.deprecated,
        write_only: attribute.write_only,
    }
}

fn nested_block_out(nested: &NestedBlock) -> wire::schema::NestedBlock {
    use wire::schema::nested_block::NestingMode;
    let nesting = match nested.nesting {
        Nesting::Single => NestingMode::Single,
        Nesting::List => NestingMode::List,
        Nesting::Set => NestingMode::Set,
        Nesting::Map => NestingMode::Map,
        Nesting::Group => NestingMode::Group,
    };
    wire::schema::NestedBlock {
        type_name: nested.name.clone(),
        block: Some(block_out(&nested.block, 0)),
        nesting: nesting as i32,
        min_items: nested.min_items,
        max_items: nested.max_items,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::Attribute;

    #[test]
    fn schema_goes_out_with_types_modes_and_markdown() {
        let schema = Schema::new(
            Block::new("r")
                .attribute(
                    Attribute::required("name", Type::String).describe_markdown("plain", "`md`"),
                )
                .attribute(Attribute::optional_computed("region", Type::String).describe("r"))
                .attribute(
                    Attribute::optional("secret", Type::String)
                        .sensitive()
                        .write_only(),
                )
                .block("timeouts", Nesting::Single, Block::new("t")),
        );
        let wire = schema_out(&schema);
        let block = wire.block.unwrap();
        let name = &block.attributes[0];
        assert_eq!(name.r#type, b"\"string\"");
        assert!(name.required && !name.optional && !name.computed);
        assert_eq!(name.description, "`md`");
        assert_eq!(name.description_kind, wire::StringKind::Markdown as i32);
        let region = &block.attributes[1];
        assert!(region.optional && region.computed && !region.required);
        assert!(block.attributes[2].sensitive && block.attributes[2].write_only);
        let timeouts = &block.block_types[0];
        assert_eq!(
            (timeouts.min_items, timeouts.max_items),
            (0, 0),
            "single blocks need equal counts"
        );
    }

    #[test]
    fn values_cross_both_ways_and_garbage_is_a_diagnostic() {
        let ty = Type::object([("a", Type::String)]);
        let mut object = Object::default();
        object.set("a", "x");
        let wire = object_out(Some(object.clone()), &ty);
        assert_eq!(object_in(Some(&wire), &ty).unwrap(), Some(object));
        let json = wire::DynamicValue {
            msgpack: vec![],
            json: br#"{"a":"y"}"#.to_vec(),
        };
        assert_eq!(
            object_in(Some(&json), &ty).unwrap().unwrap().str("a"),
            Some("y")
        );
        let garbage = wire::DynamicValue {
            msgpack: vec![0xc1],
            json: vec![],
        };
        let diagnostics = object_in(Some(&garbage), &ty).unwrap_err();
        assert_eq!(diagnostics.0[0].summary, "Invalid Value From Terraform");
        assert_eq!(object_in(None, &ty).unwrap(), None);
    }

    #[test]
    fn paths_and_severities_go_out() {
        let mut diagnostics = Diagnostics::new();
        diagnostics.error_at(
            AttributePath::root("t").attribute("c").index(1).key("k"),
            "S",
            "D",
        );
        diagnostics.warning("W", "D");
        let wire = diagnostics_out(&diagnostics);
        assert_eq!(wire[0].severity, wire::diagnostic::Severity::Error as i32);
        assert_eq!(wire[0].attribute.as_ref().unwrap().steps.len(), 4);
        assert_eq!(wire[1].severity, wire::diagnostic::Severity::Warning as i32);
        assert!(wire[1].attribute.is_none());
    }
}
