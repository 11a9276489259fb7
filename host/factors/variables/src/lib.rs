//! Spin's variables interface (`fermyon:spin/variables@2.0.0`) for the Lathe host.
//!
//! Resolution follows Spin: an application variable takes its value from the environment
//! provider (`SPIN_VARIABLE_<NAME>`, upper-cased) or else from its manifest default; a
//! required variable without a value stops the app from starting. A component sees only
//! the variables its manifest entry declares, whose values are templates such as
//! `"{{ admin_password }}"` over the application variables.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::{bail, Context};

/// Generated bindings for `fermyon:spin/variables@2.0.0`.
pub mod bindings {
    wasmtime::component::bindgen!({
        path: "wit",
        world: "variables-host",
        imports: { default: trappable },
    });
}

use bindings::fermyon::spin::variables::{self as vars, Error};

/// An application variable as declared in `[variables]`.
#[derive(Debug, Clone, Default)]
pub struct AppVariable {
    /// Default value, if any.
    pub default: Option<String>,
    /// Whether a value must be provided.
    pub required: bool,
    /// Whether the value is a secret (never printed).
    pub secret: bool,
}

/// Resolves application variables once at start-up.
pub fn resolve_app_variables(
    declared: &HashMap<String, AppVariable>,
    env: impl Fn(&str) -> Option<String>,
) -> anyhow::Result<HashMap<String, String>> {
    let mut resolved = HashMap::new();
    for (name, var) in declared {
        let env_name = format!("SPIN_VARIABLE_{}", name.to_ascii_uppercase());
        match env(&env_name).or_else(|| var.default.clone()) {
            Some(value) => {
                resolved.insert(name.clone(), value);
            }
            None if var.required => {
                bail!("required variable '{name}' has no value (set {env_name})")
            }
            None => {}
        }
    }
    Ok(resolved)
}

/// Expands a component variable template (`"text {{ app_var }} text"`).
pub fn expand_template(template: &str, app: &HashMap<String, String>) -> anyhow::Result<String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .with_context(|| format!("unclosed '{{{{' in '{template}'"))?;
        let name = after[..end].trim();
        let value = app
            .get(name)
            .with_context(|| format!("template refers to unknown or unset variable '{name}'"))?;
        out.push_str(value);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Per-instance state: the resolved variables of one component.
pub struct VariablesState {
    values: Arc<HashMap<String, String>>,
}

impl VariablesState {
    /// State over a component's resolved variables.
    pub fn new(values: Arc<HashMap<String, String>>) -> Self {
        Self { values }
    }
}

impl vars::Host for VariablesState {
    fn get(&mut self, name: String) -> wasmtime::Result<Result<String, Error>> {
        let valid = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            && name.starts_with(|c: char| c.is_ascii_lowercase());
        if !valid {
            return Ok(Err(Error::InvalidName(name)));
        }
        Ok(self
            .values
            .get(&name)
            .cloned()
            .ok_or(Error::Undefined(name)))
    }
}

/// Adds the variables interface to a linker.
pub fn add_to_linker<T: Send + 'static>(
    linker: &mut wasmtime::component::Linker<T>,
    get: fn(&mut T) -> &mut VariablesState,
) -> wasmtime::Result<()> {
    vars::add_to_linker::<T, wasmtime::component::HasSelf<VariablesState>>(linker, get)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_wins_over_default_and_required_is_enforced() {
        let mut declared = HashMap::new();
        declared.insert(
            "admin_password".to_string(),
            AppVariable {
                default: Some("".into()),
                ..Default::default()
            },
        );
        declared.insert(
            "port".to_string(),
            AppVariable {
                default: Some("1349".into()),
                ..Default::default()
            },
        );
        let env = |k: &str| (k == "SPIN_VARIABLE_ADMIN_PASSWORD").then(|| "s3cret".to_string());
        let resolved = resolve_app_variables(&declared, env).unwrap();
        assert_eq!(resolved["admin_password"], "s3cret");
        assert_eq!(resolved["port"], "1349");
        assert_eq!(
            expand_template("pw={{ admin_password }}!", &resolved).unwrap(),
            "pw=s3cret!"
        );
        assert!(expand_template("{{ missing }}", &resolved).is_err());

        declared.insert(
            "token".to_string(),
            AppVariable {
                required: true,
                ..Default::default()
            },
        );
        assert!(resolve_app_variables(&declared, |_| None).is_err());
    }
}
