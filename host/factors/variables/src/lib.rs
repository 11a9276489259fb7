//! Spin's variables interface (`fermyon:spin/variables@2.0.0`) for the Lathe host.
//!
//! Resolution follows Spin v4.0.2 (`crates/expressions`, `crates/variables-env`,
//! `crates/factor-variables`, `crates/loader`):
//!
//! - an application variable must be `required` or have a `default`, not both and not
//!   neither; its name is `lower_snake_case` (see [`validate_manifest_name`]);
//! - its value comes from the environment provider, `SPIN_VARIABLE_<NAME>` with the name
//!   upper-cased, looked up in the process environment and then in `./.env`
//!   ([`spin_env_lookup`]), or else from its default;
//! - a required variable no provider resolves stops the app from starting;
//! - a component sees only the variables its manifest entry declares, whose values are
//!   templates such as `"{{ admin_password }}"` over the application variables; a
//!   template naming an undeclared application variable stops the app from starting.
//!
//! Spin resolves a component variable each time the guest asks for it; Lathe resolves
//! them once at start-up. Since the environment and `.env` are read the same way, the
//! values are the same.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::bail;

/// Generated bindings for `fermyon:spin/variables@2.0.0`.
pub mod bindings {
    wasmtime::component::bindgen!({
        path: "wit",
        world: "variables-host",
        imports: { default: trappable },
    });
}

use bindings::fermyon::spin::variables::{self as vars, Error};

/// The environment provider's prefix (`DEFAULT_ENV_PREFIX` in `crates/variables-env`).
pub const ENV_PREFIX: &str = "SPIN_VARIABLE";

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

/// Spin's `Key::validate` (`crates/expressions/src/lib.rs`): the rule for every variable
/// name, including the names a guest passes to `get`. On failure, the text Spin puts in
/// `invalid-name`: the quoted name, a colon and the reason.
pub fn validate_key(key: &str) -> Result<(), String> {
    let reason = if key.is_empty() {
        Some("must not be empty".to_string())
    } else if let Some(invalid) = key
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_'))
    {
        Some(format!(
            "invalid character {invalid:?}. Variable names may contain only lower-case letters, numbers, and underscores."
        ))
    } else if !key.as_bytes()[0].is_ascii_lowercase() {
        Some("must start with a lowercase ASCII letter".to_string())
    } else if !key.as_bytes()[key.len() - 1].is_ascii_alphanumeric() {
        Some("must end with a lowercase ASCII letter or digit".to_string())
    } else if key.contains("__") {
        Some("must not contain multiple consecutive underscores".to_string())
    } else {
        None
    };
    match reason {
        Some(reason) => Err(format!("{key:?}: {reason}")),
        None => Ok(()),
    }
}

/// Spin's manifest rule for variable names (`LowerSnakeId` in `crates/serde/src/id.rs`):
/// `_`-separated non-empty words, each starting with an ASCII letter, all lower-case
/// alphanumerics. Stricter than [`validate_key`] (`a_1` is a valid key but not a valid
/// manifest name). Applies to `[variables]` names and component variable names.
pub fn validate_manifest_name(id: &str) -> Result<(), String> {
    lathe_spin_ids::check_lower_snake_id(id)
}

/// Checks one name against both Spin rules (manifest deserialization, then `Key`).
fn check_declared_name(what: &str, name: &str) -> anyhow::Result<()> {
    if let Err(reason) = validate_manifest_name(name) {
        bail!("invalid {what} name {name:?}: {reason}");
    }
    if let Err(reason) = validate_key(name) {
        bail!("invalid variable name: {reason}");
    }
    Ok(())
}

/// The name the environment provider reads for `name` (`SPIN_VARIABLE_ADMIN_PASSWORD`).
pub fn env_name(name: &str) -> String {
    format!("{ENV_PREFIX}_{}", name.to_ascii_uppercase())
}

/// Spin's default environment provider (`EnvVariablesProvider::default()`): the process
/// environment first; only when a name is absent there, a `.env` file in the current
/// directory (read once, with `dotenvy`, as Spin does). A value that is not Unicode, or
/// a malformed `.env`, is a provider error.
pub fn spin_env_lookup() -> impl Fn(&str) -> anyhow::Result<Option<String>> {
    env_lookup_with(|k| std::env::var(k), Some(".env".into()))
}

/// [`spin_env_lookup`] over any environment and `.env` path (for tests).
pub fn env_lookup_with(
    env: impl Fn(&str) -> Result<String, std::env::VarError>,
    dotenv_path: Option<std::path::PathBuf>,
) -> impl Fn(&str) -> anyhow::Result<Option<String>> {
    let cache: std::sync::OnceLock<Result<HashMap<String, String>, String>> =
        std::sync::OnceLock::new();
    move |key| match env(key) {
        Ok(value) => Ok(Some(value)),
        Err(std::env::VarError::NotPresent) => {
            let Some(path) = dotenv_path.as_deref() else {
                return Ok(None);
            };
            let file = cache.get_or_init(|| {
                // A missing file yields no entries; a bad line is an error (as in Spin).
                dotenvy::from_path_iter(path)
                    .into_iter()
                    .flatten()
                    .collect::<Result<HashMap<_, _>, _>>()
                    .map_err(|e| e.to_string())
            });
            match file {
                Ok(map) => Ok(map.get(key).cloned()),
                Err(e) => bail!("{e}"),
            }
        }
        Err(e) => Err(anyhow::Error::new(e).context(format!("failed to resolve env var {key}"))),
    }
}

/// Resolves application variables once at start-up, with an environment lookup that
/// cannot fail (see [`resolve_app_variables_with`]).
pub fn resolve_app_variables(
    declared: &HashMap<String, AppVariable>,
    env: impl Fn(&str) -> Option<String>,
) -> anyhow::Result<HashMap<String, String>> {
    resolve_app_variables_with(declared, |k| Ok(env(k)))
}

/// Resolves application variables once at start-up. `lookup` is the environment provider
/// ([`spin_env_lookup`] mirrors `spin up`), asked for `SPIN_VARIABLE_<NAME>`.
///
/// Errors as Spin's loader and `VariablesValidatorHook` do: an invalid name, a variable
/// that is both `required` and has a `default` (or neither), and required variables no
/// provider resolves (all of them in one message).
pub fn resolve_app_variables_with(
    declared: &HashMap<String, AppVariable>,
    lookup: impl Fn(&str) -> anyhow::Result<Option<String>>,
) -> anyhow::Result<HashMap<String, String>> {
    let mut names: Vec<&String> = declared.keys().collect();
    names.sort();
    for name in &names {
        check_declared_name("variable", name)?;
        let var = &declared[*name];
        if var.required == var.default.is_some() {
            bail!("invalid variable {name:?}: must be `required` OR have a `default`");
        }
    }
    let mut resolved = HashMap::new();
    let mut unresolvable = Vec::new();
    for name in names {
        let var = &declared[name];
        // `may_resolve` treats a provider error as "cannot resolve".
        let value = match lookup(&env_name(name)) {
            Ok(value) => value,
            Err(_) if var.default.is_none() => None,
            Err(e) => return Err(e.context(format!("provider error resolving {name:?}"))),
        };
        match value.or_else(|| var.default.clone()) {
            Some(value) => {
                resolved.insert(name.clone(), value);
            }
            None => unresolvable.push(format!("Key({name:?})")),
        }
    }
    if !unresolvable.is_empty() {
        bail!(
            "no provider resolved required variable(s): [{}]",
            unresolvable.join(", ")
        );
    }
    Ok(resolved)
}

/// One piece of a template (`Part` in `crates/expressions/src/template.rs`).
enum Part<'a> {
    Lit(&'a str),
    Expr(&'a str),
}

/// Spin's `Template::new`: literals, and `{{ name }}` expressions with the name trimmed.
fn parse_template(template: &str) -> anyhow::Result<Vec<Part<'_>>> {
    let mut parts = Vec::new();
    let mut rest = template;
    while !rest.is_empty() {
        if let Some(expr_rest) = rest.strip_prefix("{{") {
            let Some((expr, after)) = expr_rest.split_once("}}") else {
                bail!("invalid variable template: unmatched '{{{{' in template");
            };
            parts.push(Part::Expr(expr.trim()));
            rest = after;
        } else {
            let end = rest.find("{{").unwrap_or(rest.len());
            parts.push(Part::Lit(&rest[..end]));
            rest = &rest[end..];
        }
    }
    Ok(parts)
}

/// Expands a component variable template (`"text {{ app_var }} text"`) over the resolved
/// application variables. Like Spin, an expression naming a variable that is not an
/// application variable is an error.
pub fn expand_template(template: &str, app: &HashMap<String, String>) -> anyhow::Result<String> {
    let mut out = String::new();
    for part in parse_template(template)? {
        match part {
            Part::Lit(lit) => out.push_str(lit),
            Part::Expr(name) => match app.get(name) {
                Some(value) => out.push_str(value),
                None => bail!("invalid variable template: unknown variable {name:?}"),
            },
        }
    }
    Ok(out)
}

/// Resolves one component's `variables` table: checks each name as Spin does, then
/// expands each template with [`expand_template`].
pub fn resolve_component_variables(
    component_id: &str,
    templates: &HashMap<String, String>,
    app: &HashMap<String, String>,
) -> anyhow::Result<HashMap<String, String>> {
    let mut out = HashMap::new();
    for (name, template) in templates {
        check_declared_name("component variable", name)
            .and_then(|()| expand_template(template, app))
            .map(|value| out.insert(name.clone(), value))
            .map_err(|e| e.context(format!("component {component_id:?}")))?;
    }
    Ok(out)
}

/// Per-instance state: the resolved variables of one component.
pub struct VariablesState {
    component_id: Option<String>,
    values: Arc<HashMap<String, String>>,
}

impl VariablesState {
    /// State over a component's resolved variables.
    pub fn new(values: Arc<HashMap<String, String>>) -> Self {
        Self {
            component_id: None,
            values,
        }
    }

    /// Names the component, for Spin's `undefined` message
    /// (`no variable for "<component>"."<name>"`).
    pub fn with_component_id(mut self, id: impl Into<String>) -> Self {
        self.component_id = Some(id.into());
        self
    }

    /// The guest's `get`, as `crates/factor-variables/src/host.rs` answers it.
    fn lookup(&self, name: String) -> Result<String, Error> {
        validate_key(&name).map_err(Error::InvalidName)?;
        match self.values.get(&name) {
            Some(value) => Ok(value.clone()),
            None => {
                let component = self.component_id.as_deref().unwrap_or("");
                Err(Error::Undefined(format!(
                    "no variable for {component:?}.{name:?}"
                )))
            }
        }
    }
}

impl vars::Host for VariablesState {
    fn get(&mut self, name: String) -> wasmtime::Result<Result<String, Error>> {
        Ok(self.lookup(name))
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

    fn var(default: Option<&str>, required: bool) -> AppVariable {
        AppVariable {
            default: default.map(str::to_string),
            required,
            secret: false,
        }
    }

    #[test]
    fn environment_wins_over_default_and_required_is_enforced() {
        let mut declared = HashMap::new();
        declared.insert("admin_password".to_string(), var(Some(""), false));
        declared.insert("port".to_string(), var(Some("1349"), false));
        let env = |k: &str| (k == "SPIN_VARIABLE_ADMIN_PASSWORD").then(|| "s3cret".to_string());
        let resolved = resolve_app_variables(&declared, env).unwrap();
        assert_eq!(resolved["admin_password"], "s3cret");
        assert_eq!(resolved["port"], "1349");
        assert_eq!(
            expand_template("pw={{ admin_password }}!", &resolved).unwrap(),
            "pw=s3cret!"
        );
        assert!(expand_template("{{ missing }}", &resolved).is_err());

        declared.insert("token".to_string(), var(None, true));
        declared.insert("other".to_string(), var(None, true));
        // Spin: "no provider resolved required variable(s): {unresolvable_keys:?}".
        let err = resolve_app_variables(&declared, |_| None).unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"no provider resolved required variable(s): [Key("other"), Key("token")]"#
        );
        let resolved =
            resolve_app_variables(&declared, |k| k.ends_with("TOKEN").then(|| "t".into()));
        assert!(resolved.is_err(), "`other` is still missing");
    }

    /// Spin `locked_variable`: `ensure!(required ^ default.is_some(), "must be
    /// `required` OR have a `default`")`.
    #[test]
    fn required_xor_default() {
        for (default, required) in [(Some("x"), true), (None, false)] {
            let declared = HashMap::from([("v".to_string(), var(default, required))]);
            let err = resolve_app_variables(&declared, |_| Some("env".into())).unwrap_err();
            assert!(err
                .to_string()
                .contains("must be `required` OR have a `default`"));
        }
    }

    /// Spin `keys_good` / `keys_bad` (crates/expressions).
    #[test]
    fn key_rules() {
        for key in ["a", "abc", "a1b2c3", "a_1", "a_1_b_3"] {
            validate_key(key).expect(key);
        }
        for key in ["", "aX", "1bc", "_x", "x.y", "x_", "a__b", "x-y"] {
            validate_key(key).expect_err(key);
        }
        assert_eq!(
            validate_key("x_").unwrap_err(),
            r#""x_": must end with a lowercase ASCII letter or digit"#
        );
    }

    /// Spin `LowerSnakeId` (crates/serde/src/id.rs): every word starts with a letter.
    #[test]
    fn manifest_name_rules() {
        for id in ["a", "admin_password", "max_upload_size_mb", "a1_b2"] {
            validate_manifest_name(id).expect(id);
        }
        for id in [
            "", "a_1", "Admin", "ADMIN", "a-b", "a__b", "_a", "a_", "a.b",
        ] {
            validate_manifest_name(id).expect_err(id);
        }
        let declared = HashMap::from([("a_1".to_string(), var(Some("x"), false))]);
        assert!(resolve_app_variables(&declared, |_| None).is_err());
    }

    /// Spin `template_parts` / `template_parts_bad` and `validate_template`.
    #[test]
    fn template_rules() {
        let app = HashMap::from([
            ("a".to_string(), "1".to_string()),
            ("b".to_string(), "2".to_string()),
        ]);
        assert_eq!(expand_template("", &app).unwrap(), "");
        assert_eq!(expand_template("{{a}}{{ b }}", &app).unwrap(), "12");
        assert_eq!(
            expand_template("x-{{  a  }}-y }}", &app).unwrap(),
            "x-1-y }}"
        );
        assert_eq!(
            expand_template("{{ a }} {{ unmatched", &app)
                .unwrap_err()
                .to_string(),
            "invalid variable template: unmatched '{{' in template"
        );
        assert_eq!(
            expand_template("{{ c }}", &app).unwrap_err().to_string(),
            r#"invalid variable template: unknown variable "c""#
        );
        let templates = HashMap::from([("Bad".to_string(), "x".to_string())]);
        assert!(resolve_component_variables("api", &templates, &app).is_err());
        let templates = HashMap::from([("good".to_string(), "{{ a }}".to_string())]);
        assert_eq!(
            resolve_component_variables("api", &templates, &app).unwrap()["good"],
            "1"
        );
    }

    /// Spin `v2::Host::get`: `Key::new` first (invalid-name), then the component's table
    /// (undefined: `no variable for {component_id:?}.{key:?}`).
    #[test]
    fn guest_get_errors() {
        let values = Arc::new(HashMap::from([("a_1".to_string(), "v".to_string())]));
        let state = VariablesState::new(values).with_component_id("api");
        assert_eq!(state.lookup("a_1".into()).unwrap(), "v");
        match state.lookup("Nope".into()) {
            Err(Error::InvalidName(m)) => {
                assert!(m.starts_with(r#""Nope": invalid character 'N'"#))
            }
            other => panic!("{other:?}"),
        }
        match state.lookup("missing".into()) {
            Err(Error::Undefined(m)) => assert_eq!(m, r#"no variable for "api"."missing""#),
            other => panic!("{other:?}"),
        }
    }

    /// Spin `EnvVariablesProvider`: process environment first, then `.env`; a name set in
    /// neither is unresolved.
    #[test]
    fn env_provider_reads_dotenv_after_environment() {
        let dir = std::env::temp_dir().join(format!("lathe-vars-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(".env");
        std::fs::write(
            &path,
            "SPIN_VARIABLE_FROM_FILE=file\nSPIN_VARIABLE_BOTH=file\n# comment\n",
        )
        .unwrap();
        let lookup = env_lookup_with(
            |k| {
                if k == "SPIN_VARIABLE_BOTH" {
                    Ok("env".into())
                } else {
                    Err(std::env::VarError::NotPresent)
                }
            },
            Some(path.clone()),
        );
        assert_eq!(
            lookup("SPIN_VARIABLE_FROM_FILE").unwrap().as_deref(),
            Some("file")
        );
        assert_eq!(
            lookup("SPIN_VARIABLE_BOTH").unwrap().as_deref(),
            Some("env")
        );
        assert_eq!(lookup("SPIN_VARIABLE_NONE").unwrap(), None);
        let missing = env_lookup_with(
            |_| Err(std::env::VarError::NotPresent),
            Some(dir.join("absent.env")),
        );
        assert_eq!(missing("SPIN_VARIABLE_X").unwrap(), None);
        std::fs::remove_dir_all(&dir).ok();

        let declared = HashMap::from([("from_file".to_string(), var(None, true))]);
        let resolved = resolve_app_variables_with(&declared, &lookup).unwrap();
        assert_eq!(resolved["from_file"], "file");
    }
}
