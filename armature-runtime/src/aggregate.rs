//! What `#[aggregate]` expands to: the value cells through which one
//! joined statement hands its result to the statements that depend on it.
//!
//! The expansion turns a run of `let PAT = EXPR.await?;` statements into
//! one future per statement, all polled by one `try_join!` in the caller's
//! task (no spawn, no allocation). A statement's future first awaits the
//! cells of the statements it depends on, then its own expression, then
//! fills its cell — so each starts as soon as its inputs exist, and the
//! run takes the time of its critical path.
//!
//! The cells rely on one property of `futures::try_join!`: every poll of the
//! join polls every unfinished future with the task's one waker. A waiting
//! reader registers that waker; the writer wakes it after filling the cell.

use std::future::Future;
use std::ops::ControlFlow;
use std::sync::{Mutex, OnceLock};
use std::task::Poll;

use futures::task::AtomicWaker;

/// A value read by reference by one or more later statements and kept for
/// the code after the run.
pub struct Shared<T> {
    value: OnceLock<T>,
    waker: AtomicWaker,
}

impl<T> Shared<T> {
    /// An empty cell.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Shared {
            value: OnceLock::new(),
            waker: AtomicWaker::new(),
        }
    }

    /// Fills the cell (once: each statement runs once) and wakes a reader.
    pub fn set(&self, value: T) {
        let _ = self.value.set(value);
        self.waker.wake();
    }

    /// Resolves to the value once it is there.
    pub fn get(&self) -> impl Future<Output = &T> + '_ {
        std::future::poll_fn(move |cx| match self.value.get() {
            Some(value) => Poll::Ready(value),
            None => {
                self.waker.register(cx.waker());
                // Filled between the check and the registration.
                match self.value.get() {
                    Some(value) => Poll::Ready(value),
                    None => Poll::Pending,
                }
            }
        })
    }

    /// The value, after the join finished.
    pub fn into_inner(self) -> Option<T> {
        self.value.into_inner()
    }
}

/// A value moved into the one later statement that uses it, when nothing
/// after the run names it: that statement owns it, as in sequential code.
pub struct Handoff<T> {
    value: Mutex<Option<T>>,
    waker: AtomicWaker,
}

impl<T> Handoff<T> {
    /// An empty cell.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Handoff {
            value: Mutex::new(None),
            waker: AtomicWaker::new(),
        }
    }

    /// Fills the cell and wakes the reader.
    pub fn set(&self, value: T) {
        *self.value.lock().unwrap_or_else(|e| e.into_inner()) = Some(value);
        self.waker.wake();
    }

    /// Resolves to the value once it is there, taking it.
    pub fn take(&self) -> impl Future<Output = T> + '_ {
        std::future::poll_fn(move |cx| {
            let mut taken = self.value.lock().unwrap_or_else(|e| e.into_inner()).take();
            if taken.is_none() {
                self.waker.register(cx.waker());
                taken = self.value.lock().unwrap_or_else(|e| e.into_inner()).take();
            }
            match taken {
                Some(value) => Poll::Ready(value),
                None => Poll::Pending,
            }
        })
    }
}

/// A lent value as a reader sees it: `(&&Lent(x)).value()` is a copy of
/// `*x` when the type is `Copy` ([`LentCopy`], found first by method
/// resolution), and `x` itself otherwise ([`LentRef`]). So a reader that
/// writes `[a, b]` or `Some(a)` for `Copy` values gets what the sequential
/// code meant, and other values are borrowed.
pub struct Lent<'a, T>(pub &'a T);

/// See [`Lent`].
pub trait LentCopy<T> {
    /// A copy of the lent value.
    fn value(&self) -> T;
}

impl<T: Copy> LentCopy<T> for &Lent<'_, T> {
    fn value(&self) -> T {
        *self.0
    }
}

/// See [`Lent`].
pub trait LentRef<'a, T> {
    /// The lent value, borrowed.
    fn value(&self) -> &'a T;
}

impl<'a, T> LentRef<'a, T> for Lent<'a, T> {
    fn value(&self) -> &'a T {
        self.0
    }
}

/// The `?` of a joined statement, split in two: the value goes on, the
/// residual (`Err(e)` or `None`) is kept so the function returns it with
/// its own `?` after the join, converting errors exactly as the sequential
/// code would.
pub trait Branch {
    /// The value `?` yields.
    type Output;
    /// What `?` returns early with.
    type Residual;
    /// `?`'s decision.
    fn branch(self) -> ControlFlow<Self::Residual, Self::Output>;
}

impl<T, E> Branch for Result<T, E> {
    type Output = T;
    type Residual = Result<std::convert::Infallible, E>;
    fn branch(self) -> ControlFlow<Self::Residual, T> {
        match self {
            Ok(value) => ControlFlow::Continue(value),
            Err(e) => ControlFlow::Break(Err(e)),
        }
    }
}

impl<T> Branch for Option<T> {
    type Output = T;
    type Residual = Option<std::convert::Infallible>;
    fn branch(self) -> ControlFlow<Self::Residual, T> {
        match self {
            Some(value) => ControlFlow::Continue(value),
            None => ControlFlow::Break(None),
        }
    }
}

/// A joined statement stopped the join; its residual is in its cell.
#[derive(Debug, PartialEq, Eq)]
pub struct Stopped;

/// A joined `?` statement's outcome: its value is in its cell, or its
/// residual in `failed` and the join stops (an `Err` ends `try_join!`).
pub fn settle<B: Branch>(
    output: B,
    set: impl FnOnce(B::Output),
    failed: &Shared<B::Residual>,
) -> Result<(), Stopped> {
    match output.branch() {
        ControlFlow::Continue(value) => {
            set(value);
            Ok(())
        }
        ControlFlow::Break(residual) => {
            failed.set(residual);
            Err(Stopped)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn readers_wait_for_the_writer_in_one_join() {
        let cell = Shared::new();
        let handoff = Handoff::new();
        let reader = async {
            let v: &u32 = cell.get().await;
            let owned: String = handoff.take().await;
            Ok::<_, Stopped>(format!("{v} {owned}"))
        };
        let writer = async {
            tokio::task::yield_now().await;
            cell.set(7);
            tokio::task::yield_now().await;
            handoff.set("x".to_owned());
            Ok::<_, Stopped>(())
        };
        let (read, ()) = futures::try_join!(reader, writer).unwrap();
        assert_eq!(read, "7 x");
        assert_eq!(cell.into_inner(), Some(7));
    }

    #[test]
    fn settle_keeps_the_residual() {
        let failed = Shared::new();
        let mut got = None;
        assert_eq!(
            settle(Ok::<u8, &str>(1), |v| got = Some(v), &failed),
            Ok(())
        );
        assert_eq!(got, Some(1));
        assert_eq!(
            settle(Err::<u8, &str>("boom"), |_| {}, &failed),
            Err(Stopped)
        );
        assert_eq!(failed.into_inner(), Some(Err("boom")));
        let none = Shared::new();
        assert_eq!(settle(None::<u8>, |_| {}, &none), Err(Stopped));
        assert_eq!(none.into_inner(), Some(None));
    }
}
