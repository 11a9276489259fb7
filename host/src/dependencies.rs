//! Component dependencies (`[component.<id>.dependencies]`) resolved by Spin's rules.
//!
//! This mirrors, rule for rule and message for message, what Spin 4.0 does when it loads an
//! app, so that a manifest Spin rejects is rejected here for the same reason:
//!
//! * key syntax — `spin_serde::DependencyName` (crates/serde/src/dependencies.rs): a key with
//!   `:` or `/` is a package name `ns:pkg[/interface][@version]`, anything else a plain kebab
//!   name;
//! * manifest checks — `ComponentDependencies::validate` (crates/manifest/src/schema/v2.rs):
//!   plain names need a package, package-wide keys may not pick an `export`, two keys of the
//!   same package must differ in interface or in compatible version;
//! * matching — `matches_import` and `Composer::prepare_dependencies` / `build_instantiation_
//!   arguments` (crates/compose/src/lib.rs): a package key matches every import of that
//!   package (an exact version if the key has one), an interface key that one interface; a key
//!   matching no import, an import matched by two keys, and a matched import the dependency
//!   does not export (under the import's name, or under `export`) are errors.
//!
//! Imports no key matches stay imports of the composed component, for the host to provide.
//! The rules are hand-written because Spin publishes them only inside its CLI crates.

use std::fmt;
use std::path::PathBuf;

use anyhow::{anyhow, bail, Context};
use semver::Version;

/// A dependency key, as Spin parses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DependencyName {
    /// A plain kebab-case name (`foo-bar`), matching a plain import of the same name.
    Plain(String),
    /// A package name: `ns:pkg`, `ns:pkg@1.0.0`, `ns:pkg/iface`, `ns:pkg/iface@1.0.0`.
    Package(PackageName),
}

/// The package form of a dependency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageName {
    /// `ns:pkg`.
    pub package: String,
    /// The interface, when the key names one.
    pub interface: Option<String>,
    /// The version, when the key names one.
    pub version: Option<Version>,
}

impl fmt::Display for DependencyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DependencyName::Plain(name) => f.write_str(name),
            DependencyName::Package(p) => {
                f.write_str(&p.package)?;
                if let Some(interface) = &p.interface {
                    write!(f, "/{interface}")?;
                }
                if let Some(version) = &p.version {
                    write!(f, "@{version}")?;
                }
                Ok(())
            }
        }
    }
}

pub use lathe_spin_ids::check_kebab_id;

/// Checks `ns:pkg` as a WIT package reference (two lower-case kebab labels).
fn check_package_ref(package: &str) -> anyhow::Result<()> {
    let (namespace, name) = package
        .split_once(':')
        .with_context(|| format!("invalid package reference {package:?}: missing ':'"))?;
    for label in [namespace, name] {
        let valid = !label.is_empty()
            && label.split('-').all(|w| {
                w.starts_with(|c: char| c.is_ascii_lowercase())
                    && w.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            });
        if !valid {
            bail!("invalid package reference {package:?}: {label:?} is not a kebab-case label");
        }
    }
    Ok(())
}

impl std::str::FromStr for DependencyName {
    type Err = anyhow::Error;

    fn from_str(s: &str) -> anyhow::Result<Self> {
        if !s.contains([':', '/']) {
            check_kebab_id(s).map_err(|e| anyhow!("{e}"))?;
            return Ok(DependencyName::Plain(s.to_string()));
        }
        let (name, version) = match s.split_once('@') {
            Some((name, version)) => (name, Some(Version::parse(version)?)),
            None => (s, None),
        };
        let (package, interface) = match name.split_once('/') {
            Some((package, interface)) => {
                check_kebab_id(interface).map_err(|e| anyhow!("{e}"))?;
                (package, Some(interface.to_string()))
            }
            None => (name, None),
        };
        check_package_ref(package)?;
        Ok(DependencyName::Package(PackageName {
            package: package.to_string(),
            interface,
            version,
        }))
    }
}

/// One dependency entry of a component: its key, the wasm file and the optional export name
/// that satisfies the matched import instead of the export of the import's own name.
#[derive(Debug, Clone)]
pub struct Dependency {
    /// The key as parsed.
    pub name: DependencyName,
    /// The dependency's wasm file.
    pub path: PathBuf,
    /// `export = "..."`.
    pub export: Option<String>,
}

/// Spin's `ComponentDependencies::validate`, run when the manifest is loaded.
pub fn validate(component_id: &str, deps: &[Dependency]) -> anyhow::Result<()> {
    validate_inner(deps)
        .with_context(|| format!("component {component_id:?} has invalid dependencies"))
}

fn validate_inner(deps: &[Dependency]) -> anyhow::Result<()> {
    // `ensure_plain_names_have_package` only concerns registry and version entries, which
    // this host does not load (the manifest reader refuses them before this point).
    for dep in deps {
        if let DependencyName::Package(p) = &dep.name {
            if p.interface.is_none() && dep.export.is_some() {
                bail!(
                    "using an export to satisfy the package dependency \"{}\" is not currently permitted",
                    dep.name
                );
            }
        }
    }
    for (i, this) in deps.iter().enumerate() {
        for other in &deps[i + 1..] {
            let (DependencyName::Package(a), DependencyName::Package(b)) =
                (&this.name, &other.name)
            else {
                continue;
            };
            if a.package != b.package {
                continue;
            }
            if let (Some(va), Some(vb)) = (&a.version, &b.version) {
                if compatible_version(va) != compatible_version(vb) {
                    continue;
                }
            }
            if let (Some(ia), Some(ib)) = (&a.interface, &b.interface) {
                if ia != ib {
                    continue;
                }
            }
            bail!(
                "\"{}\" dependency conflicts with \"{}\"",
                this.name,
                other.name
            );
        }
    }
    Ok(())
}

/// Spin's `normalize_compatible_version`: the part of a version that semver compatibility
/// keeps (major, or minor for 0.x, or patch for 0.0.x).
fn compatible_version(v: &Version) -> Version {
    let mut v = v.clone();
    v.build = semver::BuildMetadata::EMPTY;
    if v.pre != semver::Prerelease::EMPTY {
        return v;
    }
    if v.major > 0 {
        v.minor = 0;
        v.patch = 0;
    } else if v.minor > 0 {
        v.patch = 0;
    }
    v
}

/// An import name of a component, as Spin's composer reads it.
enum ImportName {
    Plain(String),
    Package {
        package: String,
        interface: String,
        version: Option<Version>,
    },
}

fn parse_import(s: &str) -> anyhow::Result<ImportName> {
    if !s.contains([':', '/']) {
        check_kebab_id(s).map_err(|e| anyhow!("{e}"))?;
        return Ok(ImportName::Plain(s.to_string()));
    }
    let (package, rest) = s
        .split_once('/')
        .with_context(|| format!("invalid import name: {s}"))?;
    let (interface, version) = match rest.split_once('@') {
        Some((interface, version)) => (
            interface,
            Some(
                Version::parse(version)
                    .with_context(|| format!("invalid version in import name: {s}"))?,
            ),
        ),
        None => (rest, None),
    };
    Ok(ImportName::Package {
        package: package.to_string(),
        interface: interface.to_string(),
        version,
    })
}

/// Spin's `matches_import`: whether the key `dep` satisfies the import `import`.
pub fn matches_import(dep: &DependencyName, import: &str) -> anyhow::Result<bool> {
    Ok(match (dep, parse_import(import)?) {
        (DependencyName::Plain(d), ImportName::Plain(i)) => *d == i,
        (
            DependencyName::Package(d),
            ImportName::Package {
                package,
                interface,
                version,
            },
        ) => {
            package == d.package
                && d.interface.as_ref().is_none_or(|want| *want == interface)
                && d.version
                    .as_ref()
                    .is_none_or(|want| version.as_ref() == Some(want))
        }
        _ => false,
    })
}

/// How one import of the main component is satisfied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The main component's import.
    pub import: String,
    /// Index of the dependency (in manifest order) that satisfies it.
    pub dependency: usize,
    /// The dependency's export that satisfies it.
    pub export: String,
}

/// Resolves which dependency export satisfies which import, by Spin's rules; `imports` are
/// the main component's import names, `exports[i]` those of dependency `i`.
pub fn resolve(
    component_id: &str,
    deps: &[Dependency],
    imports: &[String],
    exports: &[Vec<String>],
) -> anyhow::Result<Vec<Link>> {
    // import -> the dependencies that match it, in manifest order (Spin: a BTreeMap by import).
    let mut mappings: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
    for (i, dep) in deps.iter().enumerate() {
        let mut matched = Vec::new();
        for import in imports {
            if matches_import(&dep.name, import)
                .context("an error occurred when preparing dependencies")?
            {
                matched.push(import.as_str());
            }
        }
        if matched.is_empty() {
            bail!(
                "dependency '{}' doesn't match any imports of component '{component_id}'",
                dep.name
            );
        }
        for import in matched {
            mappings.entry(import).or_default().push(i);
        }
    }
    let conflicts: Vec<String> = mappings
        .iter()
        .filter(|(_, ds)| ds.len() > 1)
        .map(|(import, ds)| {
            let names: Vec<String> = ds.iter().map(|&d| deps[d].name.to_string()).collect();
            format!(
                "import '{import}' satisfied by dependencies: '{}'",
                names.join(", ")
            )
        })
        .collect();
    if !conflicts.is_empty() {
        bail!(
            "component '{component_id}' has dependency conflicts: {}",
            conflicts.join("; ")
        );
    }
    let mut links = Vec::new();
    for (import, ds) in mappings {
        let d = ds[0];
        let export = deps[d].export.clone().unwrap_or_else(|| import.to_string());
        if !exports[d].contains(&export) {
            bail!(
                "dependency '{}' doesn't export '{export}' to satisfy import '{import}'",
                deps[d].name
            );
        }
        links.push(Link {
            import: import.to_string(),
            dependency: d,
            export,
        });
    }
    Ok(links)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dep(name: &str) -> Dependency {
        Dependency {
            name: name.parse().unwrap(),
            path: PathBuf::from("dep.wasm"),
            export: None,
        }
    }

    #[test]
    fn keys_match_imports_as_in_spin() {
        // The cases of Spin's own `test_matches_import` (crates/compose/src/lib.rs).
        for (key, imports) in [
            ("foo:bar/baz@0.1.0", vec!["foo:bar/baz@0.1.0"]),
            ("foo:bar/baz", vec!["foo:bar/baz@0.1.0", "foo:bar/baz"]),
            ("foo:bar", vec!["foo:bar/baz@0.1.0", "foo:bar/baz"]),
            ("foo:bar@0.1.0", vec!["foo:bar/baz@0.1.0"]),
            ("foo-bar", vec!["foo-bar"]),
        ] {
            let key: DependencyName = key.parse().unwrap();
            for import in imports {
                assert!(matches_import(&key, import).unwrap(), "{key} ~ {import}");
            }
        }
        for (key, imports) in [
            ("foo:bar/baz@0.1.0", vec!["foo:bar/baz"]),
            ("foo:bar/baz", vec!["foo:bar/bub", "foo:bar/bub@0.1.0"]),
            ("foo:bar", vec!["foo:bub/bib"]),
            ("foo:bar@0.1.0", vec!["foo:bar/baz"]),
            ("foo:bar/baz", vec!["foo:bar/baz-bub", "foo-bar"]),
        ] {
            let key: DependencyName = key.parse().unwrap();
            for import in imports {
                assert!(!matches_import(&key, import).unwrap(), "{key} !~ {import}");
            }
        }
    }

    #[test]
    fn key_syntax() {
        assert!("lathe:tool/tool@0.2.0".parse::<DependencyName>().is_ok());
        assert!("lathe:tool@0.2.0".parse::<DependencyName>().is_ok());
        assert!("lathe:tool/tool@latest".parse::<DependencyName>().is_err());
        assert!("lathe:tool/Tool_x".parse::<DependencyName>().is_err());
        assert!("Lathe_tool".parse::<DependencyName>().is_err());
        assert!("lathe/tool".parse::<DependencyName>().is_err());
    }

    #[test]
    fn manifest_rules() {
        let mut export = dep("lathe:tool@0.2.0");
        export.export = Some("x".into());
        let err = validate("c", &[export]).unwrap_err();
        assert!(
            format!("{err:#}").contains("not currently permitted"),
            "{err:#}"
        );
        let err = validate("c", &[dep("lathe:tool"), dep("lathe:tool/tool@0.2.0")]).unwrap_err();
        assert_eq!(
            format!("{err:#}"),
            "component \"c\" has invalid dependencies: \"lathe:tool\" dependency conflicts with \"lathe:tool/tool@0.2.0\""
        );
        // Different interfaces or incompatible versions are disjoint.
        validate(
            "c",
            &[dep("lathe:tool/tool"), dep("lathe:tool/stream-tool")],
        )
        .unwrap();
        validate("c", &[dep("lathe:tool@0.2.0"), dep("lathe:tool@0.3.0")]).unwrap();
    }

    #[test]
    fn resolution_errors_are_spins() {
        let imports: Vec<String> = ["lathe:tool/types@0.2.0", "lathe:tool/tool@0.2.0"]
            .map(String::from)
            .to_vec();
        let tool_only = vec!["lathe:tool/tool@0.2.0".to_string()];
        let err = resolve(
            "c",
            &[dep("lathe:tool@0.2.0")],
            &imports,
            std::slice::from_ref(&tool_only),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "dependency 'lathe:tool@0.2.0' doesn't export 'lathe:tool/types@0.2.0' to satisfy import 'lathe:tool/types@0.2.0'"
        );
        let links = resolve(
            "c",
            &[dep("lathe:tool/tool@0.2.0")],
            &imports,
            std::slice::from_ref(&tool_only),
        )
        .unwrap();
        assert_eq!(links.len(), 1);
        let err = resolve(
            "c",
            &[dep("lathe:tool/tool@0.3.0")],
            &imports,
            std::slice::from_ref(&tool_only),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "dependency 'lathe:tool/tool@0.3.0' doesn't match any imports of component 'c'"
        );
        let err = resolve(
            "c",
            &[dep("lathe:tool/tool"), dep("lathe:tool/tool@0.2.0")],
            &imports,
            &[tool_only.clone(), tool_only],
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "component 'c' has dependency conflicts: import 'lathe:tool/tool@0.2.0' satisfied by dependencies: 'lathe:tool/tool, lathe:tool/tool@0.2.0'"
        );
    }
}
