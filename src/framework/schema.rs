//! Schemas: what attributes a provider, resource or data source has, and how
//! the framework plans them.
//!
//! Besides what Terraform sees (types, modes, descriptions, sensitivity),
//! an attribute carries the planning behaviour the framework applies for
//! the resource: whether a change forces replacement, and whether a computed
//! value stays as it was when other attributes change.

use std::collections::BTreeMap;

use super::value::{Object, Type, Value};

/// A description in plain text and in Markdown; Terraform shows the Markdown
/// one in `providers schema -json` and the registry renders it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Description {
    pub plain: String,
    pub markdown: String,
}

impl Description {
    /// A description whose Markdown form is the same text.
    pub fn new(text: &str) -> Description {
        Description {
            plain: text.to_string(),
            markdown: text.to_string(),
        }
    }
}

/// Whether the user must, may or cannot set an attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Required,
    Optional,
    /// Set by the provider only.
    Computed,
    /// Set by the user, or by the provider when the user leaves it out.
    OptionalComputed,
}

/// One attribute of a block.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    pub name: String,
    pub ty: Type,
    pub mode: Mode,
    pub description: Description,
    pub sensitive: bool,
    /// Never stored in plan or state (protocol 6.8, Terraform 1.11).
    pub write_only: bool,
    pub deprecated: bool,
    /// A change of this attribute replaces the object.
    pub requires_replace: bool,
    /// A computed value that other changes leave as it was, instead of
    /// becoming unknown.
    pub keep_prior_value: bool,
}

impl Attribute {
    fn new(name: &str, ty: Type, mode: Mode) -> Attribute {
        Attribute {
            name: name.to_string(),
            ty,
            mode,
            description: Description::default(),
            sensitive: false,
            write_only: false,
            deprecated: false,
            requires_replace: false,
            keep_prior_value: false,
        }
    }

    /// An attribute the user must set.
    pub fn required(name: &str, ty: Type) -> Attribute {
        Attribute::new(name, ty, Mode::Required)
    }

    /// An attribute the user may set.
    pub fn optional(name: &str, ty: Type) -> Attribute {
        Attribute::new(name, ty, Mode::Optional)
    }

    /// An attribute only the provider sets.
    pub fn computed(name: &str, ty: Type) -> Attribute {
        Attribute::new(name, ty, Mode::Computed)
    }

    /// An attribute the provider sets when the user does not.
    pub fn optional_computed(name: &str, ty: Type) -> Attribute {
        Attribute::new(name, ty, Mode::OptionalComputed)
    }

    /// Describes the attribute, the same text as plain text and Markdown.
    pub fn describe(mut self, text: &str) -> Attribute {
        self.description = Description::new(text);
        self
    }

    /// Describes the attribute with separate plain and Markdown texts.
    pub fn describe_markdown(mut self, plain: &str, markdown: &str) -> Attribute {
        self.description = Description {
            plain: plain.to_string(),
            markdown: markdown.to_string(),
        };
        self
    }

    /// Hides the value in plans and output.
    pub fn sensitive(mut self) -> Attribute {
        self.sensitive = true;
        self
    }

    /// Keeps the value out of plan and state altogether.
    pub fn write_only(mut self) -> Attribute {
        self.write_only = true;
        self
    }

    /// A change replaces the object.
    pub fn requires_replace(mut self) -> Attribute {
        self.requires_replace = true;
        self
    }

    /// A computed value that changes of other attributes do not touch.
    pub fn keep_prior_value(mut self) -> Attribute {
        self.keep_prior_value = true;
        self
    }

    /// Whether the provider may set the value.
    pub fn is_computed(&self) -> bool {
        matches!(self.mode, Mode::Computed | Mode::OptionalComputed)
    }
}

/// How a nested block repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nesting {
    /// At most one, null when absent.
    Single,
    List,
    Set,
    Map,
    /// Exactly one, never null: absent means all its attributes are null.
    Group,
}

/// A nested block such as `timeouts { ... }`.
#[derive(Debug, Clone, PartialEq)]
pub struct NestedBlock {
    pub name: String,
    pub nesting: Nesting,
    pub block: Block,
    pub min_items: i64,
    pub max_items: i64,
}

/// A block: attributes and nested blocks.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Block {
    pub description: Description,
    pub attributes: Vec<Attribute>,
    pub blocks: Vec<NestedBlock>,
    pub deprecated: bool,
}

impl Block {
    /// An empty block with a description.
    pub fn new(description: &str) -> Block {
        Block {
            description: Description::new(description),
            ..Block::default()
        }
    }

    /// Adds an attribute.
    pub fn attribute(mut self, attribute: Attribute) -> Block {
        self.attributes.push(attribute);
        self
    }

    /// Adds an optional nested block. Terraform requires a single block's
    /// minimum and maximum counts to be equal: both 0 makes it optional.
    pub fn block(mut self, name: &str, nesting: Nesting, block: Block) -> Block {
        self.blocks.push(NestedBlock {
            name: name.to_string(),
            nesting,
            block,
            min_items: 0,
            max_items: 0,
        });
        self
    }

    /// The attribute of that name.
    pub fn find(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// The object type of this block's values.
    pub fn value_type(&self) -> Type {
        let mut fields: BTreeMap<String, Type> = self
            .attributes
            .iter()
            .map(|a| (a.name.clone(), a.ty.clone()))
            .collect();
        for nested in &self.blocks {
            let object = nested.block.value_type();
            let ty = match nested.nesting {
                Nesting::Single | Nesting::Group => object,
                Nesting::List => Type::list(object),
                Nesting::Set => Type::set(object),
                Nesting::Map => Type::map(object),
            };
            fields.insert(nested.name.clone(), ty);
        }
        Type::Object(fields)
    }

    /// Gives an object every attribute and block of this block, in the form
    /// Terraform requires for each: null attributes, empty list and set
    /// blocks, and a group block always present.
    pub fn complete(&self, mut object: Object) -> Object {
        for attribute in &self.attributes {
            object
                .0
                .entry(attribute.name.clone())
                .or_insert(Value::Null);
        }
        for nested in &self.blocks {
            let value = object.0.remove(&nested.name).unwrap_or(Value::Null);
            let value = match (nested.nesting, value) {
                (Nesting::List, Value::Null) => Value::List(Vec::new()),
                (Nesting::Set, Value::Null) => Value::Set(Vec::new()),
                (Nesting::Map, Value::Null) => Value::Map(BTreeMap::new()),
                (Nesting::Group, Value::Null) => self.complete_group(nested),
                (Nesting::Single | Nesting::Group, Value::Object(fields)) => {
                    nested.block.complete(Object(fields)).into_value()
                }
                (_, other) => other,
            };
            object.0.insert(nested.name.clone(), value);
        }
        object
    }

    fn complete_group(&self, nested: &NestedBlock) -> Value {
        nested.block.complete(Object::default()).into_value()
    }

    /// Sets every write-only attribute, at any depth of single blocks, to
    /// null: Terraform must never see their values in plan or state.
    pub fn clear_write_only(&self, object: &mut Object) {
        for attribute in self.attributes.iter().filter(|a| a.write_only) {
            object.0.insert(attribute.name.clone(), Value::Null);
        }
        for nested in &self.blocks {
            if let Some(Value::Object(fields)) = object.0.get_mut(&nested.name) {
                let mut inner = Object(std::mem::take(fields));
                nested.block.clear_write_only(&mut inner);
                *fields = inner.0;
            }
        }
    }
}

/// A versioned schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    pub version: i64,
    pub block: Block,
}

impl Schema {
    /// A schema at version 0.
    pub fn new(block: Block) -> Schema {
        Schema { version: 0, block }
    }

    /// The type of the values it describes.
    pub fn value_type(&self) -> Type {
        self.block.value_type()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block() -> Block {
        Block::new("a resource")
            .attribute(Attribute::required("name", Type::String).describe("The name."))
            .attribute(Attribute::optional("secret", Type::String).write_only())
            .block(
                "timeouts",
                Nesting::Single,
                Block::new("t").attribute(Attribute::optional("create", Type::String)),
            )
            .block(
                "rules",
                Nesting::List,
                Block::new("r").attribute(Attribute::optional("x", Type::String)),
            )
            .block(
                "group",
                Nesting::Group,
                Block::new("g").attribute(Attribute::optional("y", Type::String)),
            )
    }

    #[test]
    fn value_type_follows_nesting() {
        let Type::Object(fields) = block().value_type() else {
            panic!()
        };
        assert_eq!(fields["name"], Type::String);
        assert!(matches!(fields["timeouts"], Type::Object(_)));
        assert!(matches!(fields["rules"], Type::List(_)));
        assert!(matches!(fields["group"], Type::Object(_)));
    }

    #[test]
    fn complete_fills_every_attribute_in_its_form() {
        let object = block().complete(Object::default());
        assert!(object.get("name").is_null());
        assert!(object.get("timeouts").is_null());
        assert_eq!(object.get("rules"), &Value::List(vec![]));
        let group = object.object("group").unwrap();
        assert!(group.get("y").is_null());
    }

    #[test]
    fn write_only_values_are_cleared() {
        let mut object = Object::default();
        object.set("secret", "s3cr3t");
        object.set("name", "n");
        block().clear_write_only(&mut object);
        assert!(object.get("secret").is_null());
        assert_eq!(object.str("name"), Some("n"));
    }
}
