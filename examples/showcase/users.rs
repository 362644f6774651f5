//! The Users controller: in-memory state behind an async lock.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use armature::prelude::*;
use serde::{Deserialize, Serialize};
use tokio::sync::RwLock;

/// What POST /users accepts.
#[derive(Deserialize, Validate)]
pub struct NewUser {
    #[validate(length(min = 3, max = 32), pattern = "^[a-z0-9_]+$")]
    pub username: String,
    #[validate(email)]
    pub email: String,
    #[validate(length(min = 8))]
    pub password: String,
    #[validate(range(min = 13, max = 130))]
    pub age: u32,
}

/// What the API answers: never the password.
#[derive(Clone, Serialize)]
pub struct User {
    pub id: u64,
    pub username: String,
    pub email: String,
    pub age: u32,
}

#[derive(Deserialize)]
pub struct ListQuery {
    pub limit: Option<usize>,
}

/// Default and largest page of GET /users.
const MAX_PAGE: usize = 100;

#[derive(Clone, Default)]
pub struct Users {
    users: Arc<RwLock<Vec<User>>>,
    next_id: Arc<AtomicU64>,
}

#[controller("/users")]
impl Users {
    #[post("/")]
    async fn create(
        &self,
        Valid(Json(new)): Valid<Json<NewUser>>,
    ) -> Result<(StatusCode, Json<User>), HttpError> {
        let mut users = self.users.write().await;
        if users.iter().any(|u| u.username == new.username) {
            return Err(HttpError::conflict(format!(
                "username `{}` is taken",
                new.username
            )));
        }
        let user = User {
            id: self.next_id.fetch_add(1, Ordering::Relaxed) + 1,
            username: new.username,
            email: new.email,
            age: new.age,
        };
        users.push(user.clone());
        Ok((StatusCode::CREATED, Json(user)))
    }

    #[get("/{id}")]
    async fn show(&self, Path(id): Path<u64>) -> Result<Json<User>, HttpError> {
        let users = self.users.read().await;
        users
            .iter()
            .find(|u| u.id == id)
            .map(|u| Json(u.clone()))
            .ok_or_else(|| HttpError::not_found(format!("no user with id {id}")))
    }

    #[get("/")]
    async fn list(&self, Query(query): Query<ListQuery>) -> Json<Vec<User>> {
        let limit = query.limit.unwrap_or(MAX_PAGE).min(MAX_PAGE);
        Json(
            self.users
                .read()
                .await
                .iter()
                .take(limit)
                .cloned()
                .collect(),
        )
    }
}
