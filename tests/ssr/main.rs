//! SSR: templates, the Node pool against real `node` processes (a
//! dependency-free script, tests/ssr/render.js), and pre-rendering into a
//! real folder, the app's way (in process) byte for byte like its server.

#[path = "../support/mod.rs"]
mod support;

#[cfg(feature = "ssr-node")]
mod node;
mod prerender;
mod templates;

use std::path::PathBuf;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("armature-ssr-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn files_under(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(
                    path.strip_prefix(dir)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
    }
    out.sort();
    out
}
