//! Component dependencies composed the way Spin composes them (`spin_compose`,
//! crates/compose/src/lib.rs at v4.0.2): the main component and each dependency are
//! instantiated in one wac composition graph, every import the dependency rules of
//! [`crate::dependencies`] match is fed the dependency's export (after a subtype check), the
//! main component's exports are re-exported, and imports nothing satisfies stay imports of
//! the result for the host to provide.

use anyhow::Context;
use wac_graph::types::{Package, SubtypeChecker};
use wac_graph::{CompositionGraph, EncodeOptions};

use crate::dependencies::{self, Dependency, Link};

/// The import and export names of a component, read without compiling it.
pub struct Interfaces {
    /// Import names (`wasi:io/streams@0.2.6`, `lathe:tool/tool@0.2.0`, ...).
    pub imports: Vec<String>,
    /// Export names.
    pub exports: Vec<String>,
}

/// Reads a component's import and export names.
pub fn interfaces(bytes: &[u8]) -> anyhow::Result<Interfaces> {
    let mut graph = CompositionGraph::new();
    let package = Package::from_bytes("lathe:probe", None, bytes.to_vec(), graph.types_mut())?;
    let world = &graph.types()[package.ty()];
    Ok(Interfaces {
        imports: world.imports.keys().cloned().collect(),
        exports: world.exports.keys().cloned().collect(),
    })
}

/// How a component's dependencies satisfy its imports.
pub struct Plan {
    /// Which dependency export satisfies which import.
    pub links: Vec<Link>,
    /// Every import of the main component.
    pub main_imports: Vec<String>,
}

/// Resolves which dependency satisfies which import of `main` by Spin's rules. Errors carry
/// Spin's wording.
pub fn plan(
    component_id: &str,
    main: &[u8],
    deps: &[Dependency],
    dep_bytes: &[Vec<u8>],
) -> anyhow::Result<Plan> {
    let main_names = interfaces(main).context("an error occurred when preparing dependencies")?;
    let mut exports = Vec::new();
    for (dep, bytes) in deps.iter().zip(dep_bytes) {
        let names = interfaces(bytes)
            .with_context(|| format!("loading dependency {}", dep.path.display()))
            .context("an error occurred when preparing dependencies")?;
        exports.push(names.exports);
    }
    let links = dependencies::resolve(component_id, deps, &main_names.imports, &exports)?;
    Ok(Plan {
        links,
        main_imports: main_names.imports,
    })
}

/// Reads a dependency's bytes.
pub fn read_dependencies(deps: &[Dependency]) -> anyhow::Result<Vec<Vec<u8>>> {
    deps.iter()
        .map(|d| {
            std::fs::read(&d.path).with_context(|| {
                format!(
                    "failed to read component source from disk at path {:?}",
                    d.path
                )
            })
        })
        .collect()
}

/// Composes the component `component_id` (bytes `main_bytes`) with its dependencies into one
/// component, as `spin up` does when it loads the app (the caller adds Spin's outer
/// "failed to resolve dependencies for component" context), from the links [`plan`] found
/// and the dependencies' bytes it read.
pub fn compose_bytes(
    component_id: &str,
    main_bytes: Vec<u8>,
    deps: &[Dependency],
    dep_bytes: Vec<Vec<u8>>,
    links: &[Link],
) -> anyhow::Result<Vec<u8>> {
    let mut graph = CompositionGraph::new();
    let main_pkg = Package::from_bytes(component_id, None, main_bytes, graph.types_mut())?;
    let main_world = main_pkg.ty();
    let main_pkg = graph.register_package(main_pkg)?;
    let main_node = graph.instantiate(main_pkg);

    let mut dep_nodes = Vec::new();
    for (dep, bytes) in deps.iter().zip(dep_bytes) {
        let name = match &dep.name {
            dependencies::DependencyName::Package(p) => p.package.clone(),
            dependencies::DependencyName::Plain(p) => p.clone(),
        };
        // Each key is its own package in the graph (Spin registers one per dependency).
        let name = format!("{name}-dep{}", dep_nodes.len());
        let pkg = Package::from_bytes(&name, None, bytes, graph.types_mut())?;
        let world = pkg.ty();
        let pkg = graph.register_package(pkg)?;
        dep_nodes.push((graph.instantiate(pkg), world));
    }

    let mut cache = Default::default();
    let mut checker = SubtypeChecker::new(&mut cache);
    for link in links {
        let (node, world) = dep_nodes[link.dependency];
        let export_ty = graph.types()[world].exports[&link.export];
        let import_ty = graph.types()[main_world].imports[&link.import];
        checker
            .is_subtype(export_ty, graph.types(), import_ty, graph.types())
            .with_context(|| {
                format!(
                    "dependency '{}' exports '{}' which is not compatible with import '{}'",
                    deps[link.dependency].name, link.export, link.import
                )
            })
            .context("an error occurred when preparing dependencies")?;
        let export = graph.alias_instance_export(node, &link.export)?;
        graph.set_instantiation_argument(main_node, &link.import, export)?;
    }
    let export_names: Vec<String> = graph.types()[main_world].exports.keys().cloned().collect();
    for name in export_names {
        let export = graph.alias_instance_export(main_node, &name)?;
        graph.export(export, &name)?;
    }
    graph
        .encode(EncodeOptions::default())
        .map_err(anyhow::Error::from)
        .context("failed to encode composition graph")
}
