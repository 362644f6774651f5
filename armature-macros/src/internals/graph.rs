//! Dependency graphs without tokens: stages (topological layers) and
//! cycles, for `pipeline!`'s middleware (and `#[aggregate]`'s statements). Plain functions, unit-tested without a compiler run.

/// A staged member: its name and the names it runs after. Names that are
/// not staged members (around middleware) are satisfied before any stage.
pub struct Node<'a> {
    pub name: &'a str,
    pub after: Vec<&'a str>,
}

/// Stage of every node (1-based): one more than its latest dependency.
/// Within a stage nodes keep declaration order. `Err` holds a cycle as the
/// names along it, first name repeated at the end.
pub fn stages(nodes: &[Node<'_>]) -> Result<Vec<u32>, Vec<String>> {
    let index = |name: &str| nodes.iter().position(|n| n.name == name);
    let deps: Vec<Vec<usize>> = nodes
        .iter()
        .map(|n| n.after.iter().filter_map(|d| index(d)).collect())
        .collect();
    // Kahn's algorithm over "dependency -> dependent", layer by layer.
    let mut stage = vec![0u32; nodes.len()];
    let mut remaining: Vec<usize> = deps.iter().map(Vec::len).collect();
    let mut ready: Vec<usize> = (0..nodes.len()).filter(|&i| remaining[i] == 0).collect();
    for &i in &ready {
        stage[i] = 1;
    }
    let mut placed = 0;
    while let Some(i) = ready.pop() {
        placed += 1;
        for (j, dj) in deps.iter().enumerate() {
            for _ in dj.iter().filter(|&&d| d == i) {
                stage[j] = stage[j].max(stage[i] + 1);
                remaining[j] -= 1;
                if remaining[j] == 0 {
                    ready.push(j);
                }
            }
        }
    }
    if placed == nodes.len() {
        Ok(stage)
    } else {
        Err(cycle(nodes, &deps, &remaining))
    }
}

/// A cycle among the nodes Kahn's algorithm could not place: walk
/// dependencies from the first such node until a node repeats.
fn cycle(nodes: &[Node<'_>], deps: &[Vec<usize>], remaining: &[usize]) -> Vec<String> {
    let stuck = |i: usize| remaining[i] > 0;
    let Some(start) = (0..nodes.len()).find(|&i| stuck(i)) else {
        return Vec::new();
    };
    let mut path = vec![start];
    let mut at = start;
    loop {
        // A stuck node always has a stuck dependency.
        let Some(&next) = deps[at].iter().find(|&&d| stuck(d)) else {
            return path.iter().map(|&i| nodes[i].name.to_owned()).collect();
        };
        if let Some(pos) = path.iter().position(|&p| p == next) {
            let mut names: Vec<String> = path[pos..]
                .iter()
                .map(|&i| nodes[i].name.to_owned())
                .collect();
            names.push(nodes[next].name.to_owned());
            return names;
        }
        path.push(next);
        at = next;
    }
}

/// Whether `ancestor` runs in an earlier stage than `node` because `node`
/// depends on it, directly or through others.
pub fn depends_on(nodes: &[Node<'_>], node: usize, ancestor: usize) -> bool {
    let mut seen = vec![false; nodes.len()];
    let mut todo = vec![node];
    while let Some(i) = todo.pop() {
        for d in &nodes[i].after {
            if let Some(j) = nodes.iter().position(|n| n.name == *d) {
                if j == ancestor {
                    return true;
                }
                if !seen[j] {
                    seen[j] = true;
                    todo.push(j);
                }
            }
        }
    }
    false
}

/// Statement graphs (`#[aggregate]`): `deps[i]` lists the earlier
/// statements `i` needs. Whether `from` needs `to`, directly or through
/// others.
pub fn reaches(deps: &[Vec<usize>], from: usize, to: usize) -> bool {
    let mut seen = vec![false; deps.len()];
    let mut todo = vec![from];
    while let Some(i) = todo.pop() {
        for &d in &deps[i] {
            if d == to {
                return true;
            }
            if !seen[d] {
                seen[d] = true;
                todo.push(d);
            }
        }
    }
    false
}

/// Whether every statement needs the one before it: then nothing can run
/// concurrently and the statements are best left as written.
pub fn is_chain(deps: &[Vec<usize>]) -> bool {
    (1..deps.len()).all(|i| reaches(deps, i, i - 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statement_chains() {
        // a; b(a); c(b): a chain, even through a transitive edge.
        assert!(is_chain(&[vec![], vec![0], vec![1]]));
        assert!(is_chain(&[vec![], vec![0], vec![0, 1]]));
        // a; b; c(a, b): b does not need a.
        assert!(!is_chain(&[vec![], vec![], vec![0, 1]]));
        assert!(is_chain(&[vec![]]) && is_chain(&[]));
        assert!(reaches(&[vec![], vec![0], vec![1]], 2, 0));
        assert!(!reaches(&[vec![], vec![], vec![1]], 2, 0));
    }

    fn graph<'a>(edges: &[(&'a str, &[&'a str])]) -> Vec<Node<'a>> {
        edges
            .iter()
            .map(|(name, after)| Node {
                name,
                after: after.to_vec(),
            })
            .collect()
    }

    #[test]
    fn a_chain_is_one_member_per_stage() {
        let g = graph(&[("c", &["b"]), ("b", &["a"]), ("a", &[])]);
        assert_eq!(stages(&g), Ok(vec![3, 2, 1]));
    }

    #[test]
    fn a_diamond_has_three_stages() {
        let g = graph(&[
            ("top", &[]),
            ("left", &["top"]),
            ("right", &["top"]),
            ("bottom", &["left", "right"]),
        ]);
        assert_eq!(stages(&g), Ok(vec![1, 2, 2, 3]));
    }

    #[test]
    fn a_member_runs_after_its_latest_dependency() {
        // `d` waits for the long branch a -> b -> c even though it also needs a.
        let g = graph(&[("a", &[]), ("b", &["a"]), ("c", &["b"]), ("d", &["a", "c"])]);
        assert_eq!(stages(&g), Ok(vec![1, 2, 3, 4]));
    }

    #[test]
    fn a_wide_graph_is_one_stage() {
        let names: Vec<String> = (0..40).map(|i| format!("m{i}")).collect();
        let g: Vec<Node> = names
            .iter()
            .map(|n| Node {
                name: n,
                after: vec![],
            })
            .collect();
        assert_eq!(stages(&g), Ok(vec![1; 40]));
    }

    #[test]
    fn wide_then_joined() {
        let g = graph(&[
            ("a", &[]),
            ("b", &[]),
            ("c", &[]),
            ("log", &["a", "b", "c"]),
            ("x", &[]),
        ]);
        assert_eq!(stages(&g), Ok(vec![1, 1, 1, 2, 1]));
    }

    #[test]
    fn unknown_dependencies_are_ignored_here() {
        // around members and missing names are checked elsewhere
        let g = graph(&[("a", &["timing"])]);
        assert_eq!(stages(&g), Ok(vec![1]));
    }

    #[test]
    fn a_cycle_is_reported_as_a_path() {
        let g = graph(&[
            ("ok", &[]),
            ("a", &["c"]),
            ("b", &["a"]),
            ("c", &["b", "ok"]),
        ]);
        assert_eq!(
            stages(&g),
            Err(vec!["a".into(), "c".into(), "b".into(), "a".into()])
        );
    }

    #[test]
    fn a_self_cycle() {
        let g = graph(&[("a", &["a"])]);
        assert_eq!(stages(&g), Err(vec!["a".into(), "a".into()]));
    }

    #[test]
    fn a_node_behind_a_cycle_reports_the_cycle_not_itself() {
        let g = graph(&[("late", &["x"]), ("x", &["y"]), ("y", &["x"])]);
        assert_eq!(stages(&g), Err(vec!["x".into(), "y".into(), "x".into()]));
    }

    #[test]
    fn ancestry_is_transitive() {
        let g = graph(&[("a", &[]), ("b", &["a"]), ("c", &["b"]), ("d", &[])]);
        assert!(depends_on(&g, 2, 0));
        assert!(!depends_on(&g, 0, 2));
        assert!(!depends_on(&g, 2, 3));
    }
}
