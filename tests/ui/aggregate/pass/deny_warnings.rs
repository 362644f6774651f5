//! Every shape `#[aggregate]` accepts compiles without a warning.
#![deny(warnings)]

use armature::prelude::*;

#[derive(Debug)]
pub struct Error;

pub struct User {
    pub team_id: u64,
    pub name: String,
}

pub struct Services;

impl Services {
    pub async fn user(&self, _id: u64) -> Result<User, Error> {
        Ok(User { team_id: 1, name: "ada".into() })
    }
    pub async fn posts(&self, _id: u64) -> Result<Vec<String>, Error> {
        Ok(Vec::new())
    }
    pub async fn team(&self, id: u64) -> Result<String, Error> {
        Ok(id.to_string())
    }

    /// A method taking `&self`.
    #[aggregate]
    pub async fn dashboard(&self, id: u64) -> Result<(String, usize, String), Error> {
        let user = self.user(id).await?;
        let posts = self.posts(id).await?;
        let team = self.team(user.team_id).await?;
        Ok((user.name, posts.len(), team))
    }
}

/// Nothing independent: every statement needs the one before.
#[aggregate]
pub async fn chain(svc: &Services) -> Result<String, Error> {
    let user = svc.user(1).await?;
    let team = svc.team(user.team_id).await?;
    Ok(team)
}

/// A generic function, plain statements, a value handed to its one reader.
#[aggregate]
pub async fn generic<T: Clone + Send + Sync>(item: T, svc: &Services) -> (T, String, usize) {
    let copy = async { item.clone() }.await;
    let user = svc.user(2).await;
    let posts = svc.posts(2).await;
    let name = async move { user.map(|u| u.name).unwrap_or_default() }.await;
    (copy, name, posts.map(|p| p.len()).unwrap_or(0))
}

/// `crate = "…"` for re-exports, and `sequential(…)`.
#[aggregate(crate = "armature", sequential(svc))]
pub async fn ordered(svc: &Services) -> Result<usize, Error> {
    let a = svc.posts(1).await?;
    let b = svc.posts(2).await?;
    Ok(a.len() + b.len())
}

fn main() {
    let _ = (Services.dashboard(1), chain(&Services), generic(1u8, &Services), ordered(&Services));
}
