//! `AsyncValidate`: sync rules first, then every async check concurrently,
//! results in declaration order.

use std::cell::Cell;
use std::time::Duration;

use armature::prelude::*;
use tokio::time::Instant;

thread_local! {
    // Per test: each #[tokio::test] runs on its own thread.
    static LOOKUPS: Cell<usize> = const { Cell::new(0) };
}

async fn taken(name: &str) -> Result<(), ValidationError> {
    LOOKUPS.set(LOOKUPS.get() + 1);
    tokio::time::sleep(Duration::from_millis(50)).await;
    if name.starts_with("taken") {
        Err(ValidationError::new("taken").with_message("already in use"))
    } else {
        Ok(())
    }
}

async fn slow_domain_check(email: &str) -> Result<(), ValidationError> {
    tokio::time::sleep(Duration::from_millis(50)).await;
    if email.ends_with("@blocked.example") {
        Err(ValidationError::new("blocked_domain"))
    } else {
        Ok(())
    }
}

#[derive(Validate)]
struct Team {
    #[validate(length(min = 2), custom_async = taken)]
    name: String,
}

#[derive(Validate)]
struct Account {
    #[validate(length(min = 3), custom_async = taken)]
    handle: String,
    #[validate(range(max = 130))]
    age: u32,
    #[validate(email, custom_async(function = slow_domain_check, code = "domain"))]
    email: String,
    #[validate(custom_async = taken)]
    nickname: Option<String>,
    #[validate(nested)]
    team: Team,
}

fn account(handle: &str, email: &str, team: &str) -> Account {
    Account {
        handle: handle.into(),
        age: 30,
        email: email.into(),
        nickname: Some("nick".into()),
        team: Team { name: team.into() },
    }
}

#[tokio::test(start_paused = true)]
async fn async_checks_run_concurrently() {
    let start = Instant::now();
    assert_eq!(
        account("ada", "a@b.c", "core").validate_async().await,
        Ok(())
    );
    // Four 50 ms checks (handle, email, nickname, team.name), joined: 50 ms, not 200.
    assert_eq!(start.elapsed(), Duration::from_millis(50));
}

#[tokio::test(start_paused = true)]
async fn failures_come_back_in_declaration_order() {
    let mut a = account("taken_1", "x@blocked.example", "taken_team");
    a.age = 200;
    let errors = a.validate_async().await.unwrap_err();
    let seen: Vec<_> = errors
        .iter()
        .map(|e| format!("{}:{}", e.path, e.error.code()))
        .collect();
    assert_eq!(
        seen,
        [
            "handle:taken",
            "age:range",
            "email:domain",
            "team.name:taken"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_field_failing_its_sync_rules_skips_its_async_checks() {
    let before = LOOKUPS.get();
    let mut a = account("ab", "not-an-email", "core");
    a.nickname = None;
    let errors = a.validate_async().await.unwrap_err();
    let seen: Vec<_> = errors.iter().map(|e| e.error.code().to_owned()).collect();
    assert_eq!(seen, ["length", "email"]);
    // Only team.name was looked up: `handle` failed `length`, `nickname` is None.
    assert_eq!(LOOKUPS.get() - before, 1);
}

#[tokio::test]
async fn sync_validate_ignores_async_checks() {
    assert!(account("taken_1", "a@b.c", "core").validate().is_ok());
}

#[tokio::test]
async fn types_without_async_rules_still_implement_it() {
    #[derive(Validate)]
    struct Plain {
        #[validate(length(max = 1))]
        s: String,
    }
    assert!(Plain { s: "xx".into() }.validate_async().await.is_err());
}

#[test]
fn the_future_is_send() {
    fn assert_send<T: Send>(_: T) {}
    let a = account("a", "b", "c");
    assert_send(a.validate_async());
}
