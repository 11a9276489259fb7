//! Finds the Swagger UI files `cargo xtask build` vendors from npm (`swagger-ui-dist`) into
//! `target/docs-ui`, so the component embeds them and the docs work offline.

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=LATHE_DOCS_UI_DIR");
    let dir = std::env::var("LATHE_DOCS_UI_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../../target/docs-ui")
        });
    for file in ["swagger-ui-bundle.js", "swagger-ui.css"] {
        let path = dir.join(file);
        println!("cargo:rerun-if-changed={}", path.display());
        assert!(
            path.exists(),
            "{} is missing: `cargo xtask build` vendors swagger-ui-dist from the npm registry \
             into target/docs-ui (or set LATHE_DOCS_UI_DIR)",
            path.display()
        );
    }
    let dir = dir.canonicalize().expect("docs-ui folder");
    println!("cargo:rustc-env=LATHE_DOCS_UI={}", dir.display());
}
