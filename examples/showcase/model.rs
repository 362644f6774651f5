//! The showcase's sign-up form: what a client sends, with its rules.

use armature::prelude::*;
use serde::Deserialize;

/// A password needs at least one digit.
pub fn has_digit(password: &str) -> Result<(), ValidationError> {
    if password.chars().any(|c| c.is_ascii_digit()) {
        Ok(())
    } else {
        Err(ValidationError::new("password_digit").with_message("must contain a digit"))
    }
}

#[derive(Debug, Deserialize, Validate)]
pub struct Address {
    #[validate(length(min = 1, max = 128))]
    pub street: String,
    #[validate(pattern(regex = r"^\d{5}$", message = "must be 5 digits"))]
    pub zip: String,
    #[validate(length(equal = 2, message = "must be an ISO 3166 alpha-2 code"))]
    pub country: String,
}

#[derive(Debug, Deserialize, Validate)]
#[serde(rename_all = "camelCase")]
pub struct SignUp {
    #[validate(length(min = 3, max = 32), pattern = "^[a-z0-9_]+$")]
    pub username: String,
    #[validate(email)]
    pub email: String,
    #[validate(url)]
    pub homepage: Option<String>,
    #[validate(range(min = 13, max = 130))]
    pub age: u32,
    #[validate(length(min = 8, max = 128), custom = has_digit)]
    pub password: String,
    #[validate(must_match = password)]
    pub password_confirm: String,
    #[validate(nested)]
    pub address: Address,
    #[validate(length(max = 5), each(length(min = 1, max = 20)))]
    pub tags: Vec<String>,
}
