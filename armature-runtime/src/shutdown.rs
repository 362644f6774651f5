//! The graceful-shutdown token: one value that the server, job workers and
//! any long-running part of an application hold and watch. Triggering any
//! clone stops every holder; it lives below every capability so each can
//! take it without knowing about the others.

use tokio::sync::watch;

/// A cloneable shutdown signal. [`Shutdown::shutdown`] on any clone wakes
/// every [`Shutdown::wait`]er; a token that is already triggered stays so.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use armature_runtime::Shutdown;
/// let token = Shutdown::new();
/// let worker = token.clone();
/// let task = tokio::spawn(async move { worker.wait().await; "stopped" });
/// token.shutdown();
/// assert_eq!(task.await.unwrap(), "stopped");
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Shutdown(watch::Sender<bool>);

impl Shutdown {
    /// A token not yet triggered.
    pub fn new() -> Self {
        Shutdown(watch::channel(false).0)
    }

    /// A token triggered on ctrl-c or SIGTERM (a task on the current tokio
    /// runtime waits for them).
    pub fn on_signal() -> Self {
        let token = Shutdown::new();
        let trigger = token.clone();
        tokio::spawn(async move {
            tokio::select! {
                () = signal() => {
                    tracing::info!("shutdown signal received: draining");
                    trigger.shutdown();
                }
                () = trigger.wait() => {}
            }
        });
        token
    }

    /// Starts the shutdown for every holder.
    pub fn shutdown(&self) {
        self.0.send_replace(true);
    }

    /// Whether the shutdown has started.
    pub fn is_shutdown(&self) -> bool {
        *self.0.borrow()
    }

    /// Resolves once the shutdown has started (at once if it already has).
    pub async fn wait(&self) {
        let mut rx = self.0.subscribe();
        // The sender lives as long as `self`, so this cannot see a closed
        // channel; `()` instead of the guard, which must not be held.
        let _ = rx.wait_for(|stop| *stop).await.map(|_| ());
    }
}

impl Default for Shutdown {
    fn default() -> Self {
        Shutdown::new()
    }
}

async fn signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut term) = signal(SignalKind::terminate()) else {
            let _ = ctrl_c.await;
            return;
        };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_clone_sees_one_trigger() {
        let token = Shutdown::new();
        let a = token.clone();
        let b = token.clone();
        assert!(!a.is_shutdown());
        let waiting = tokio::spawn(async move { b.wait().await });
        a.shutdown();
        waiting.await.unwrap();
        assert!(token.is_shutdown());
        // Already triggered: returns at once.
        token.wait().await;
    }
}
