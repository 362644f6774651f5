//! Rules across a whole pipeline, every error spanned at the member the
//! user listed: duplicates, missing dependencies, cycles, `Ext<T>` taken
//! before the member providing `T` has run.

use super::model::Entry;
use crate::internals::graph::{self, Node};
use crate::internals::ty::type_name;
use crate::internals::{Ctxt, suggest};

/// Stage of every entry (0 for around members), or `None` after reporting
/// an error.
pub fn check(cx: &Ctxt, entries: &[Entry]) -> Option<Vec<u32>> {
    let staged: Vec<(usize, &syn::Path, &super::model::Meta)> = entries
        .iter()
        .enumerate()
        .filter_map(|(i, e)| match e {
            Entry::Middleware { path, meta } => Some((i, path, meta)),
            Entry::Tower(_) => None,
        })
        .collect();
    let names: Vec<String> = staged.iter().map(|(_, _, m)| m.name.to_string()).collect();
    let mut ok = true;
    for (k, (_, path, meta)) in staged.iter().enumerate() {
        if names[..k].contains(&names[k]) {
            cx.error_spanned_by(
                path,
                format!("middleware `{}` is already in this pipeline: each member runs once per request", meta.name),
            );
            ok = false;
        }
        for dep in &meta.after {
            let dep_name = dep.to_string();
            if !names.contains(&dep_name) {
                let candidates: Vec<&str> = names.iter().map(String::as_str).collect();
                let hint = match suggest::closest(&dep_name, &candidates) {
                    Some(c) => format!("; did you mean `{c}`? (rename it in `after(…)`)"),
                    None => format!("; add it: `pipeline![{dep_name}, …]`"),
                };
                cx.error_spanned_by(
                    path,
                    format!(
                        "middleware `{}` runs `after({dep_name})`, but `{dep_name}` is not in this pipeline{hint}",
                        meta.name
                    ),
                );
                ok = false;
            }
        }
    }
    if !ok {
        return None;
    }
    // Around members wrap every stage: an `after` naming one is met.
    let (around, node_members): (Vec<_>, Vec<_>) =
        staged.iter().partition(|(i, _, _)| entries[*i].is_around());
    let around: Vec<String> = around.iter().map(|(_, _, m)| m.name.to_string()).collect();
    let node_entries: Vec<usize> = node_members.iter().map(|(i, _, _)| *i).collect();
    let owned: Vec<(String, Vec<String>)> = node_members
        .iter()
        .map(|(_, _, m)| {
            let after = m.after.iter().map(ToString::to_string);
            let staged_deps = after.filter(|d| !around.contains(d)).collect();
            (m.name.to_string(), staged_deps)
        })
        .collect();
    let nodes: Vec<Node> = owned
        .iter()
        .map(|(name, after)| Node {
            name,
            after: after.iter().map(String::as_str).collect(),
        })
        .collect();
    let node_stages = match graph::stages(&nodes) {
        Ok(s) => s,
        Err(cycle) => {
            let first = node_entries[nodes.iter().position(|n| n.name == cycle[0]).unwrap_or(0)];
            let shown = cycle
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(" -> ");
            if let Entry::Middleware { path, .. } = &entries[first] {
                cx.error_spanned_by(
                    path,
                    format!("middleware cycle: {shown} (each runs `after` the next), so no order can satisfy them; remove one `after(…)`"),
                );
            }
            return None;
        }
    };
    ext_order(cx, entries, &nodes, &node_entries);
    let mut stages = vec![0u32; entries.len()];
    for (k, &i) in node_entries.iter().enumerate() {
        stages[i] = node_stages[k];
    }
    Some(stages)
}

/// A member taking `Ext<T>` that a member of the same pipeline provides,
/// but not from an earlier stage: `T` would be missing at run time. (A `T`
/// no member here provides may come from the app-wide pipeline: `App::bind`
/// checks that by `TypeId`.)
fn ext_order(cx: &Ctxt, entries: &[Entry], nodes: &[Node], node_entries: &[usize]) {
    let provided: Vec<Option<String>> = node_entries
        .iter()
        .map(|&i| match &entries[i] {
            Entry::Middleware { meta, .. } => meta.provides.as_ref().map(type_name),
            Entry::Tower(_) => None,
        })
        .collect();
    for (k, &i) in node_entries.iter().enumerate() {
        let Entry::Middleware { path, meta } = &entries[i] else {
            continue;
        };
        for need in &meta.needs {
            let need_name = type_name(need);
            let Some(p) = provided
                .iter()
                .position(|t| t.as_deref() == Some(need_name.as_str()))
            else {
                continue;
            };
            if p != k && !graph::depends_on(nodes, k, p) {
                cx.error_spanned_by(
                    path,
                    format!(
                        "middleware `{}` takes `Ext<{need_name}>`, which `{}` provides, but does not run after it: declare `#[middleware(after({}))]` on `{}`",
                        meta.name, nodes[p].name, nodes[p].name, meta.name
                    ),
                );
            } else if p == k {
                cx.error_spanned_by(
                    path,
                    format!(
                        "middleware `{}` takes `Ext<{need_name}>` and provides it itself",
                        meta.name
                    ),
                );
            }
        }
    }
}
