//! Component dependencies, composed the way Spin composes them: each dependency is plugged
//! into the imports of the main component it satisfies (wac-graph `plug`), and the result
//! is one component whose remaining imports the host provides.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use wac_graph::{types::Package, CompositionGraph, EncodeOptions};

/// Composes `main` with `dependencies` (import name, wasm file) into one component.
pub fn compose(main: &Path, dependencies: &[(String, PathBuf)]) -> anyhow::Result<Vec<u8>> {
    let main_bytes = std::fs::read(main).with_context(|| format!("reading {}", main.display()))?;
    if dependencies.is_empty() {
        return Ok(main_bytes);
    }
    let mut graph = CompositionGraph::new();
    let socket = Package::from_bytes("lathe:main", None, main_bytes, graph.types_mut())
        .with_context(|| format!("loading {}", main.display()))?;
    let socket = graph.register_package(socket)?;
    let mut plugs = Vec::new();
    for (i, (import, path)) in dependencies.iter().enumerate() {
        let bytes = std::fs::read(path)
            .with_context(|| format!("reading dependency {}", path.display()))?;
        let package = Package::from_bytes(&format!("lathe:dep{i}"), None, bytes, graph.types_mut())
            .with_context(|| format!("loading dependency {}", path.display()))?;
        let exports_import = package_exports(&graph, &package, import);
        if !exports_import {
            bail!("dependency {} does not export '{import}'", path.display());
        }
        plugs.push(graph.register_package(package)?);
    }
    wac_graph::plug(&mut graph, plugs, socket)
        .with_context(|| format!("composing {}", main.display()))?;
    let bytes = graph
        .encode(EncodeOptions::default())
        .context("encoding the composed component")?;
    Ok(bytes)
}

/// Whether a package exports what the dependency key `import` names, ignoring a version
/// suffix as Spin's matching does for semver-compatible versions. The key is an interface
/// (`lathe:tool/tool@0.2.0`) or, as Spin also allows, a whole package (`lathe:tool@0.2.0`:
/// every interface of that package the dependency exports).
fn package_exports(graph: &CompositionGraph, package: &Package, import: &str) -> bool {
    let base = |name: &str| name.split('@').next().unwrap_or(name).to_string();
    let world = &graph.types()[package.ty()];
    let wanted = base(import);
    if wanted.contains('/') {
        world.exports.keys().any(|name| base(name) == wanted)
    } else {
        let prefix = format!("{wanted}/");
        world
            .exports
            .keys()
            .any(|name| base(name).starts_with(&prefix))
    }
}
