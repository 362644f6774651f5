//! The check `App::bind` makes once every pipeline is known: each `Ext<T>`
//! taken by a middleware or a handler is provided by a member of an earlier
//! stage. Within one `pipeline![…]` the macro checks this at compile time
//! (by type name); across the app-wide and a controller's pipeline only the
//! app knows both, so it checks them by `TypeId` before serving.

use std::any::TypeId;

/// A type a middleware provides or takes, by name and `TypeId`.
#[derive(Clone, Copy)]
pub struct TypeRef {
    /// As written in the source.
    pub name: &'static str,
    /// `TypeId::of::<T>`.
    pub id: fn() -> TypeId,
}

impl TypeRef {
    /// The reference to `T`, shown as `name`.
    pub const fn of<T: 'static>(name: &'static str) -> Self {
        TypeRef {
            name,
            id: TypeId::of::<T>,
        }
    }
}

impl std::fmt::Debug for TypeRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// One member of a pipeline (or a route's handler) as the check sees it.
#[derive(Debug, Clone, Copy)]
pub struct Step {
    /// The middleware's or handler's name.
    pub name: &'static str,
    /// Its stage: around members are stage 0, the first stage is 1.
    pub stage: u32,
    /// What it provides.
    pub provides: Option<TypeRef>,
    /// The `Ext<T>` it takes.
    pub needs: &'static [TypeRef],
    /// The `State<T>` it takes: registered with `App::state`?
    pub states: &'static [TypeRef],
    /// Whether this is the route's handler.
    pub handler: bool,
}

/// Checks the app-wide pipeline's steps followed by one route's (its
/// controller's pipeline, then its handler).
///
/// Around members can insert extensions themselves, invisibly to this
/// check: a need no staged member meets is an error only when no around
/// member runs before it; otherwise it is logged as a warning at bind.
pub(crate) fn check_route(
    app: &[Step],
    route: &[Step],
    registered: impl Fn(TypeId) -> bool,
) -> Result<(), String> {
    let offset = app.iter().map(|s| s.stage).max().unwrap_or(0) + 1;
    let is_around = |s: &Step| s.stage == 0 && !s.handler;
    let chain: Vec<(u32, &Step)> = app
        .iter()
        .map(|s| (s.stage, s))
        .chain(route.iter().map(|s| (s.stage.saturating_add(offset), s)))
        .collect();
    let provides = |p: &Step, need: &TypeRef| p.provides.is_some_and(|t| (t.id)() == (need.id)());
    for (_, step) in &chain {
        if let Some(missing) = step.states.iter().find(|t| !registered((t.id)())) {
            let who = if step.handler {
                "handler"
            } else {
                "middleware"
            };
            return Err(format!(
                "{who} `{}` takes `State<{}>`, but no `{}` was registered: add `App::state(…)` with one",
                step.name, missing.name, missing.name
            ));
        }
    }
    for (stage, step) in &chain {
        for need in step.needs {
            if chain
                .iter()
                .any(|(earlier, p)| earlier < stage && provides(p, need))
            {
                continue;
            }
            let who = if step.handler {
                "handler"
            } else {
                "middleware"
            };
            let arounds: Vec<&str> = chain
                .iter()
                .filter(|(earlier, s)| earlier < stage && is_around(s))
                .map(|(_, s)| s.name)
                .collect();
            if !arounds.is_empty() {
                tracing::warn!(
                    "{who} `{}` takes `Ext<{}>` and no staged middleware provides it: the around middleware ({}) must insert it, or requests will fail with 500",
                    step.name,
                    need.name,
                    arounds.join(", ")
                );
                continue;
            }
            let members: Vec<&str> = chain
                .iter()
                .filter(|(_, s)| !s.handler)
                .map(|(_, s)| s.name)
                .collect();
            let members = if members.is_empty() {
                "there is no middleware".to_owned()
            } else {
                format!("the middleware are: {}", members.join(", "))
            };
            let hint = match chain
                .iter()
                .find(|(other, p)| other >= stage && provides(p, need))
            {
                Some((_, p)) => format!(
                    "; `{}` provides it but does not run before `{}`: declare `after({})`",
                    p.name, step.name, p.name
                ),
                None => String::new(),
            };
            return Err(format!(
                "{who} `{}` takes `Ext<{}>`, but no middleware before it provides `{}` ({members}){hint}",
                step.name, need.name, need.name
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    struct A;
    struct B;

    fn step(
        name: &'static str,
        stage: u32,
        provides: Option<TypeRef>,
        needs: &'static [TypeRef],
    ) -> Step {
        Step {
            name,
            stage,
            provides,
            needs,
            states: &[],
            handler: false,
        }
    }

    static NEEDS_A: [TypeRef; 1] = [TypeRef::of::<A>("A")];

    #[test]
    fn a_need_met_by_an_earlier_stage_passes() {
        let app = [step("a", 1, Some(TypeRef::of::<A>("A")), &[])];
        let route = [step("b", 1, None, &NEEDS_A)];
        assert_eq!(check_route(&app, &route, |_| true), Ok(()));
    }

    #[test]
    fn a_need_met_in_the_same_stage_fails_and_says_why() {
        let route = [
            step("a", 1, Some(TypeRef::of::<A>("A")), &[]),
            step("b", 1, None, &NEEDS_A),
        ];
        let err = check_route(&[], &route, |_| true).unwrap_err();
        assert!(err.contains("middleware `b` takes `Ext<A>`"), "{err}");
        assert!(err.contains("declare `after(a)`"), "{err}");
    }

    #[test]
    fn an_unregistered_state_fails() {
        let route = [Step {
            states: &NEEDS_A,
            ..step("limit", 1, None, &[])
        }];
        let err = check_route(&[], &route, |_| false).unwrap_err();
        assert_eq!(
            err,
            "middleware `limit` takes `State<A>`, but no `A` was registered: add `App::state(…)` with one"
        );
        assert_eq!(
            check_route(&[], &route, |id| id == TypeId::of::<A>()),
            Ok(())
        );
    }

    #[test]
    fn an_around_member_before_may_provide_it() {
        let app = [step("timing", 0, None, &[])];
        let route = [step("b", 1, None, &NEEDS_A)];
        assert_eq!(check_route(&app, &route, |_| true), Ok(()));
    }

    #[test]
    fn a_handler_need_with_no_provider_fails() {
        let app = [step("x", 1, Some(TypeRef::of::<B>("B")), &[])];
        let route = [Step {
            name: "Admin::stats",
            stage: u32::MAX,
            provides: None,
            needs: &NEEDS_A,
            states: &[],
            handler: true,
        }];
        let err = check_route(&app, &route, |_| true).unwrap_err();
        assert!(
            err.starts_with("handler `Admin::stats` takes `Ext<A>`"),
            "{err}"
        );
        assert!(err.contains("the middleware are: x"), "{err}");
    }
}
