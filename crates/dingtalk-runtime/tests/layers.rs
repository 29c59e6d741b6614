//! The runtime's modules form layers: each imports only modules of lower layers, so the import
//! graph has no circle and each layer can be read (and tested) without the ones above it.
//!
//! This test is the import-graph tool: it parses every source file with `syn`, takes each
//! `crate::…` path (in `use` items, types, expressions and patterns, not comments or strings),
//! resolves names the crate root re-exports (`crate::Client`) to the module that defines them,
//! and checks every edge against the table below. A file `src/x/…` belongs to module `x`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use syn::visit::Visit;

/// Lowest first. A module may import modules of lower layers only (not its own layer).
const LAYERS: &[&[&str]] = &[
    &["operation", "redact", "time", "wire", "events", "upload"],
    &["error"],
    &["schema", "auth", "limit"],
    &["validation", "protocol"],
    &["transport", "retry", "intercept"],
    &["options"],
    &["client"],
    &["paginate"],
    &["dynamic"],
    &["blocking", "facade"],
];

fn layer_of(module: &str) -> usize {
    LAYERS
        .iter()
        .position(|layer| layer.contains(&module))
        .unwrap_or_else(|| panic!("module `{module}` is in no layer of tests/layers.rs: add it where it belongs"))
}

/// Collects the first segment after `crate` of every path.
#[derive(Default)]
struct CratePaths {
    found: BTreeSet<String>,
}

impl<'ast> Visit<'ast> for CratePaths {
    fn visit_path(&mut self, path: &'ast syn::Path) {
        let mut segments = path.segments.iter();
        if segments.next().is_some_and(|s| s.ident == "crate")
            && let Some(next) = segments.next()
        {
            self.found.insert(next.ident.to_string());
        }
        syn::visit::visit_path(self, path);
    }

    fn visit_use_tree(&mut self, tree: &'ast syn::UseTree) {
        if let syn::UseTree::Path(p) = tree
            && p.ident == "crate"
        {
            let mut firsts = Vec::new();
            first_names(&p.tree, &mut firsts);
            self.found.extend(firsts);
            return;
        }
        syn::visit::visit_use_tree(self, tree);
    }
}

/// The first name of each branch of a use tree (`{a::X, b}` gives `a`, `b`).
fn first_names(tree: &syn::UseTree, out: &mut Vec<String>) {
    match tree {
        syn::UseTree::Path(p) => out.push(p.ident.to_string()),
        syn::UseTree::Name(n) => out.push(n.ident.to_string()),
        syn::UseTree::Rename(r) => out.push(r.ident.to_string()),
        syn::UseTree::Group(g) => g.items.iter().for_each(|t| first_names(t, out)),
        syn::UseTree::Glob(_) => {}
    }
}

fn parse(path: &Path) -> syn::File {
    let text = std::fs::read_to_string(path).unwrap();
    syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Names the crate root re-exports, by the module they come from (`Client` → `client`).
fn root_exports(lib: &syn::File) -> BTreeMap<String, String> {
    fn walk(tree: &syn::UseTree, module: Option<&str>, out: &mut BTreeMap<String, String>) {
        match tree {
            syn::UseTree::Path(p) => walk(&p.tree, Some(module.unwrap_or(&p.ident.to_string())), out),
            syn::UseTree::Name(n) => {
                if let Some(m) = module {
                    out.insert(n.ident.to_string(), m.to_owned());
                }
            }
            syn::UseTree::Rename(r) => {
                if let Some(m) = module {
                    out.insert(r.rename.to_string(), m.to_owned());
                }
            }
            syn::UseTree::Group(g) => g.items.iter().for_each(|t| walk(t, module, out)),
            // `pub use operation::*`: any name not found otherwise comes from there.
            syn::UseTree::Glob(_) => {
                if let Some(m) = module {
                    out.insert("*".to_owned(), m.to_owned());
                }
            }
        }
    }
    let mut out = BTreeMap::new();
    for item in &lib.items {
        if let syn::Item::Use(u) = item {
            walk(&u.tree, None, &mut out);
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// module → the modules it imports.
fn import_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let exports = root_exports(&parse(&src.join("lib.rs")));
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let relative = file.strip_prefix(&src).unwrap();
        let module =
            relative.components().next().unwrap().as_os_str().to_string_lossy().trim_end_matches(".rs").to_owned();
        if module == "lib" {
            continue;
        }
        let mut paths = CratePaths::default();
        paths.visit_file(&parse(&file));
        let edges = graph.entry(module.clone()).or_default();
        for name in paths.found {
            let is_module = src.join(format!("{name}.rs")).exists() || src.join(&name).is_dir();
            let target = match exports.get(&name) {
                Some(m) => m.clone(),
                None if is_module => name,
                None => exports.get("*").cloned().unwrap_or(name),
            };
            if target != module {
                edges.insert(target);
            }
        }
    }
    graph
}

#[test]
fn no_module_imports_a_module_of_its_own_or_a_higher_layer() {
    let graph = import_graph();
    let mut wrong = Vec::new();
    for (module, imports) in &graph {
        for target in imports {
            if layer_of(target) >= layer_of(module) {
                wrong.push(format!(
                    "{module} (layer {}) imports {target} (layer {})",
                    layer_of(module),
                    layer_of(target)
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "imports against the layers:\n{}", wrong.join("\n"));
}

#[test]
fn the_import_graph_has_no_circle() {
    // Implied by the layers, checked on its own so that the message names the circle.
    let graph = import_graph();
    fn visit<'g>(
        node: &'g str,
        graph: &'g BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<&'g str>,
        done: &mut BTreeSet<&'g str>,
    ) {
        if let Some(at) = path.iter().position(|n| *n == node) {
            panic!("circle: {} -> {node}", path[at..].join(" -> "));
        }
        if !done.insert(node) {
            return;
        }
        path.push(node);
        for next in graph.get(node).into_iter().flatten() {
            visit(next, graph, path, done);
        }
        path.pop();
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        visit(node, &graph, &mut Vec::new(), &mut done);
    }
}

#[test]
fn the_table_knows_every_module_and_the_checker_sees_imports() {
    let graph = import_graph();
    for module in graph.keys() {
        layer_of(module);
    }
    // The checker would pass vacuously if it found no paths: the client imports protocol.
    assert!(graph["client"].contains("protocol"), "{:?}", graph["client"]);
    assert!(graph["error"].contains("operation"), "{:?}", graph["error"]);
}
