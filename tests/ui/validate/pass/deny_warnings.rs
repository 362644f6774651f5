#![deny(warnings)]
#![deny(missing_docs)]
//! Generated code must compile warning-free in user crates.

use armature::prelude::*;

fn check(_: &str) -> Result<(), ValidationError> {
    Ok(())
}

async fn check_async(_: &str) -> Result<(), ValidationError> {
    Ok(())
}

/// An address.
#[derive(Validate, serde::Deserialize)]
pub struct Address {
    #[validate(length(min = 1))]
    zip: String,
}

/// Every rule.
#[derive(Validate, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Everything<'a> {
    #[validate(required, length(min = 1))]
    name: Option<String>,
    #[validate(email, url, contains = "@", does_not_contain = "!")]
    email: &'a str,
    #[validate(pattern(regex = "^[a-z]+$", code = "lower", message = "lowercase only"))]
    slug: String,
    #[validate(range(min = 1, max = 10))]
    count: u16,
    #[validate(range(exclusive_min = 0.0))]
    ratio: f64,
    #[validate(must_match = slug)]
    slug_again: String,
    #[validate(custom = check, custom_async = check_async)]
    handle: String,
    #[validate(nested)]
    address: Address,
    #[validate(length(max = 4), each(required, length(max = 2)))]
    tags: Vec<Option<String>>,
    unchecked: u8,
}

/// An enum.
#[derive(Validate)]
pub enum Choice {
    /// A.
    A(#[validate(length(max = 1))] String),
    /// B.
    B {
        /// x.
        #[validate(range(max = 1))]
        x: i8,
    },
    /// C.
    C,
}

fn main() {}
