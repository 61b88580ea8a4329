//! The planning rules Terraform enforces, applied for every resource so that
//! none can break them: computed values unknown on create, the prior state
//! kept when nothing changed, replacement reported, write-only values never
//! planned.

use super::diagnostics::{AttributePath, Diagnostics};
use super::resource::{PlanContext, Resource};
use super::schema::{Mode, Schema};
use super::value::{Object, Value};

/// A finished plan.
#[derive(Debug, Default)]
pub struct Plan {
    /// The planned state; `None` plans a destroy.
    pub planned: Option<Object>,
    pub requires_replace: Vec<AttributePath>,
    pub diagnostics: Diagnostics,
}

/// Plans a change from `prior` to the `proposed` state Terraform computed
/// from the configuration.
pub fn plan(
    resource: &dyn Resource,
    schema: &Schema,
    prior: Option<&Object>,
    proposed: Option<Object>,
    config: Option<&Object>,
) -> Plan {
    let (Some(proposed), Some(config)) = (proposed, config) else {
        return Plan::default();
    };
    let block = &schema.block;
    let mut planned = proposed;

    match prior {
        None => mark_computed_unknown(schema, config, &mut planned, None),
        Some(prior) if changes_anything(schema, prior, &planned) => {
            mark_computed_unknown(schema, config, &mut planned, Some(prior));
        }
        Some(_) => {}
    }
    let requires_replace = match prior {
        Some(prior) => replaced_attributes(schema, prior, &planned),
        None => Vec::new(),
    };

    let mut context = PlanContext {
        prior,
        config,
        planned,
        requires_replace,
        diagnostics: Diagnostics::new(),
    };
    resource.modify_plan(&mut context);

    let mut planned = block.complete(context.planned);
    block.clear_write_only(&mut planned);
    Plan {
        planned: Some(planned),
        requires_replace: context.requires_replace,
        diagnostics: context.diagnostics,
    }
}

/// Whether the user changed anything the provider does not compute itself.
fn changes_anything(schema: &Schema, prior: &Object, planned: &Object) -> bool {
    let block = &schema.block;
    let attributes = block
        .attributes
        .iter()
        .filter(|a| a.mode != Mode::Computed && !a.write_only)
        .map(|a| a.name.as_str());
    let blocks = block.blocks.iter().map(|b| b.name.as_str());
    attributes
        .chain(blocks)
        .any(|name| !planned.get(name).same(prior.get(name)))
}

/// Computed attributes the configuration leaves null become unknown, unless
/// they keep their prior value across changes.
fn mark_computed_unknown(
    schema: &Schema,
    config: &Object,
    planned: &mut Object,
    prior: Option<&Object>,
) {
    for attribute in schema.block.attributes.iter().filter(|a| a.is_computed()) {
        if !config.get(&attribute.name).is_null() {
            continue;
        }
        let value = match prior {
            Some(prior) if attribute.keep_prior_value => prior.get(&attribute.name).clone(),
            _ => Value::Unknown,
        };
        planned.0.insert(attribute.name.clone(), value);
    }
}

fn replaced_attributes(schema: &Schema, prior: &Object, planned: &Object) -> Vec<AttributePath> {
    schema
        .block
        .attributes
        .iter()
        .filter(|a| a.requires_replace && !planned.get(&a.name).same(prior.get(&a.name)))
        .map(|a| AttributePath::root(&a.name))
        .collect()
}

/// Checks a new state against its plan as Terraform will, so that a
/// mistake surfaces as a clear provider bug rather than Terraform's
/// "inconsistent result after apply".
pub fn check_applied(planned: &Object, applied: &Object) -> Result<(), String> {
    for (name, planned_value) in &planned.0 {
        let applied_value = applied.get(name);
        if !applied_value.is_wholly_known() {
            return Err(format!("attribute {name:?} is still unknown after apply"));
        }
        if planned_value.is_wholly_known() && !planned_value.same(applied_value) {
            return Err(format!(
                "attribute {name:?} was planned as {planned_value:?} but applied as {applied_value:?}"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use async_trait::async_trait;

    use super::*;
    use crate::framework::resource::{ApplyOutcome, ReadOutcome};
    use crate::framework::schema::{Attribute, Block};
    use crate::framework::value::Type;

    struct Thing;

    #[async_trait]
    impl Resource for Thing {
        fn type_name(&self) -> &'static str {
            "test_thing"
        }
        fn schema(&self) -> Schema {
            Schema::new(
                Block::new("a thing")
                    .attribute(Attribute::required("name", Type::String).requires_replace())
                    .attribute(Attribute::optional("note", Type::String))
                    .attribute(Attribute::optional("secret", Type::String).write_only())
                    .attribute(Attribute::computed("id", Type::String).keep_prior_value())
                    .attribute(Attribute::computed("status", Type::String)),
            )
        }
        fn modify_plan(&self, plan: &mut PlanContext<'_>) {
            if let Some(name) = plan.planned.str("name") {
                let id = format!("id-{name}");
                plan.planned.set("id", id);
            }
        }
        async fn create(&self, _: &Object, _: &Object) -> ApplyOutcome {
            ApplyOutcome::default()
        }
        async fn read(&self, _: &Object, _: &[u8]) -> ReadOutcome {
            ReadOutcome::default()
        }
        async fn update(&self, _: &Object, _: &Object, _: &Object) -> ApplyOutcome {
            ApplyOutcome::default()
        }
        async fn delete(&self, _: &Object) -> Diagnostics {
            Diagnostics::new()
        }
        async fn import(&self, _: &str) -> Result<Object, Diagnostics> {
            Ok(Object::default())
        }
    }

    fn object(pairs: &[(&str, Value)]) -> Object {
        let mut object = Object::default();
        for (name, value) in pairs {
            object.set(name, value.clone());
        }
        Thing.schema().block.complete(object)
    }

    fn state() -> Object {
        object(&[
            ("name", "a".into()),
            ("note", "n".into()),
            ("id", "id-a".into()),
            ("status", "ok".into()),
        ])
    }

    #[test]
    fn create_marks_computed_unknown_and_lets_the_resource_fill_in() {
        let config = object(&[("name", "a".into()), ("secret", "s".into())]);
        let plan = plan(
            &Thing,
            &Thing.schema(),
            None,
            Some(config.clone()),
            Some(&config),
        );
        let planned = plan.planned.unwrap();
        assert_eq!(planned.str("id"), Some("id-a"));
        assert!(planned.is_unknown("status"));
        assert!(
            planned.get("secret").is_null(),
            "write-only values are never planned"
        );
        assert!(plan.requires_replace.is_empty());
    }

    #[test]
    fn no_change_plans_the_prior_state() {
        let prior = state();
        let config = object(&[("name", "a".into()), ("note", "n".into())]);
        let plan = plan(
            &Thing,
            &Thing.schema(),
            Some(&prior),
            Some(prior.clone()),
            Some(&config),
        );
        assert_eq!(plan.planned.unwrap(), prior);
        assert!(plan.requires_replace.is_empty());
    }

    #[test]
    fn an_in_place_change_keeps_what_it_should() {
        let prior = state();
        let mut proposed = prior.clone();
        proposed.set("note", "changed");
        let config = object(&[("name", "a".into()), ("note", "changed".into())]);
        let plan = plan(
            &Thing,
            &Thing.schema(),
            Some(&prior),
            Some(proposed),
            Some(&config),
        );
        let planned = plan.planned.unwrap();
        assert_eq!(planned.str("id"), Some("id-a"));
        assert!(planned.is_unknown("status"));
        assert!(plan.requires_replace.is_empty());
    }

    #[test]
    fn a_replacing_change_is_reported() {
        let prior = state();
        let mut proposed = prior.clone();
        proposed.set("name", "b");
        let config = object(&[("name", "b".into()), ("note", "n".into())]);
        let plan = plan(
            &Thing,
            &Thing.schema(),
            Some(&prior),
            Some(proposed),
            Some(&config),
        );
        assert_eq!(plan.requires_replace, vec![AttributePath::root("name")]);
    }

    #[test]
    fn destroy_plans_null() {
        let prior = state();
        let plan = plan(&Thing, &Thing.schema(), Some(&prior), None, None);
        assert!(plan.planned.is_none());
    }

    #[test]
    fn applied_state_must_match_the_plan() {
        let mut planned = state();
        planned.set("status", Value::Unknown);
        let mut applied = state();
        assert!(check_applied(&planned, &applied).is_ok());
        applied.set("id", "other");
        assert!(
            check_applied(&planned, &applied)
                .unwrap_err()
                .contains("\"id\"")
        );
        let mut unknown = state();
        unknown.set("status", Value::Unknown);
        assert!(
            check_applied(&planned, &unknown)
                .unwrap_err()
                .contains("unknown")
        );
    }
}
