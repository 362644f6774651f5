//! "No allocation on the success path": a counting global allocator sees
//! none while a valid value is checked (rules, nested, each, patterns, URLs).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use armature::prelude::*;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

struct Counting;

// SAFETY: forwards to the system allocator; only counts on this thread.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.with(Cell::get) {
            ALLOCATIONS.with(|n| n.set(n.get() + 1));
        }
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.with(Cell::get) {
            ALLOCATIONS.with(|n| n.set(n.get() + 1));
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn allocations(f: impl FnOnce()) -> usize {
    ALLOCATIONS.with(|n| n.set(0));
    COUNTING.with(|c| c.set(true));
    f();
    COUNTING.with(|c| c.set(false));
    ALLOCATIONS.with(Cell::get)
}

#[derive(Validate)]
struct Address {
    #[validate(length(min = 1, max = 64))]
    street: String,
    #[validate(pattern = r"^\d{5}$")]
    zip: String,
}

#[derive(Validate)]
struct Form {
    #[validate(length(min = 3, max = 32), pattern = "^[a-z_]+$")]
    username: String,
    #[validate(email)]
    email: String,
    #[validate(url)]
    homepage: Option<String>,
    #[validate(range(min = 13, max = 130))]
    age: u32,
    #[validate(nested)]
    address: Address,
    #[validate(length(max = 5), each(length(min = 1, max = 10), contains = "a"))]
    tags: Vec<String>,
    #[validate(required)]
    referral: Option<String>,
}

#[test]
fn valid_values_allocate_nothing_and_failures_only_what_they_report() {
    let mut form = Form {
        username: "ada_l".into(),
        email: "ada@example.com".into(),
        homepage: Some("https://example.com/ünï?q=1".into()),
        age: 36,
        address: Address {
            street: "1 Way".into(),
            zip: "12345".into(),
        },
        tags: vec!["math".into(), "art".into()],
        referral: Some("x".into()),
    };
    // The first call compiles the regexes (once per process).
    assert!(form.validate().is_ok());
    assert_eq!(allocations(|| assert!(form.validate().is_ok())), 0);
    assert_eq!(allocations(|| assert!(form.validate_parallel().is_ok())), 0);

    // A failing top-level field: one list of errors, no path allocation.
    form.age = 7;
    let n = allocations(|| assert!(form.validate().is_err()));
    assert!(n <= 2, "{n} allocations for one failure");
}
