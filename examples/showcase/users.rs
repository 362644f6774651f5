//! The Users controller: the users live in memory (the source of truth);
//! lookups go through the cache first, batches with one `get_many`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use armature::Cache;
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
#[derive(Clone, Serialize, Deserialize)]
pub struct User {
    pub id: u64,
    pub username: String,
    pub email: String,
    pub age: u32,
}

#[derive(Deserialize)]
pub struct ListQuery {
    pub limit: Option<usize>,
    /// `?ids=3,1,2`: these users, in this order, through one `get_many`.
    pub ids: Option<String>,
}

/// Default and largest page of GET /users.
const MAX_PAGE: usize = 100;

/// How long a user stays cached.
const CACHE_TTL: Duration = Duration::from_secs(300);

/// Cache counters, shared with the `/cache` controller.
#[derive(Default, Serialize)]
pub struct CacheStats {
    pub hits: AtomicU64,
    pub misses: AtomicU64,
    pub batch_lookups: AtomicU64,
}

#[derive(Clone)]
pub struct Users {
    users: Arc<RwLock<Vec<User>>>,
    next_id: Arc<AtomicU64>,
    cache: Cache,
    stats: Arc<CacheStats>,
}

fn cache_key(id: u64) -> String {
    format!("user:{id}")
}

impl Users {
    pub fn new(cache: Cache, stats: Arc<CacheStats>) -> Self {
        Self {
            users: Arc::default(),
            next_id: Arc::default(),
            cache,
            stats,
        }
    }

    /// Users by id in the order asked: cached ones from one `get_many`,
    /// the rest from the store (and put into the cache with one `set_many`).
    async fn lookup(&self, ids: &[u64]) -> Result<Vec<Option<User>>, HttpError> {
        let keys: Vec<String> = ids.iter().map(|&id| cache_key(id)).collect();
        self.stats.batch_lookups.fetch_add(1, Ordering::Relaxed);
        let cached: Vec<Option<User>> = match self.cache.get_many_json(&keys).await {
            Ok(cached) => cached,
            // The cache is a cache: when it fails, the store still answers.
            Err(e) => {
                tracing::warn!(error = %e, "cache unavailable");
                vec![None; ids.len()]
            }
        };
        let store = self.users.read().await;
        let mut fill = Vec::new();
        let found = ids
            .iter()
            .zip(cached)
            .map(|(&id, cached)| match cached {
                Some(user) => {
                    self.stats.hits.fetch_add(1, Ordering::Relaxed);
                    Some(user)
                }
                None => {
                    self.stats.misses.fetch_add(1, Ordering::Relaxed);
                    let user = store.iter().find(|u| u.id == id).cloned();
                    if let Some(user) = &user {
                        fill.push((cache_key(id), serde_json::to_vec(user).unwrap_or_default()));
                    }
                    user
                }
            })
            .collect();
        if let Err(e) = self.cache.set_many(&fill, Some(CACHE_TTL)).await {
            tracing::warn!(error = %e, "cache fill failed");
        }
        Ok(found)
    }
}

impl Users {
    /// One user, through the cache; 404 when there is none.
    pub async fn find(&self, id: u64) -> Result<User, HttpError> {
        match self.lookup(&[id]).await?.pop().flatten() {
            Some(user) => Ok(user),
            None => Err(HttpError::not_found(format!("no user with id {id}"))),
        }
    }
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
        self.find(id).await.map(Json)
    }

    #[get("/")]
    async fn list(&self, Query(query): Query<ListQuery>) -> Result<Json<Vec<User>>, HttpError> {
        let limit = query.limit.unwrap_or(MAX_PAGE).min(MAX_PAGE);
        let Some(ids) = query.ids else {
            return Ok(Json(
                self.users
                    .read()
                    .await
                    .iter()
                    .take(limit)
                    .cloned()
                    .collect(),
            ));
        };
        let ids = ids
            .split(',')
            .map(|id| id.trim().parse::<u64>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| HttpError::bad_request("`ids` must be comma-separated numbers"))?;
        let found = self.lookup(&ids[..ids.len().min(limit)]).await?;
        Ok(Json(found.into_iter().flatten().collect()))
    }
}

/// GET /cache/stats: what the cache did.
pub struct CacheController {
    pub backend: &'static str,
    pub stats: Arc<CacheStats>,
}

#[controller("/cache")]
impl CacheController {
    #[get("/stats")]
    async fn stats(&self) -> Json<serde_json::Value> {
        let load = |n: &AtomicU64| n.load(Ordering::Relaxed);
        Json(serde_json::json!({
            "backend": self.backend,
            "hits": load(&self.stats.hits),
            "misses": load(&self.stats.misses),
            "batch_lookups": load(&self.stats.batch_lookups),
        }))
    }
}
