//! One stage: its members polled together in the request's own task.

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

use crate::http::Response;

/// A member's future, pinned on the pipeline's stack.
pub type Member<'a> = Pin<&'a mut (dyn Future<Output = Result<(), Response>> + Send + 'a)>;

/// Polls every member until all succeed, or until the first rejecting
/// member in declaration order is known: the members before it have
/// finished (one of them could still reject, and would win), the ones
/// after it are not polled again and are dropped by the caller.
///
/// Like `futures::join!` every pending member is polled on each wake-up;
/// unlike a spawn per member this costs no allocation and no task switch
/// (a stage of 64 members at most; `pipeline!` takes 48).
pub async fn run_stage(members: &mut [Member<'_>]) -> Result<(), Response> {
    debug_assert!(members.len() <= 64);
    let mut done: u64 = 0;
    let mut rejected: Option<(usize, Response)> = None;
    std::future::poll_fn(|cx| {
        let end = rejected.as_ref().map_or(members.len(), |(at, _)| *at);
        for (i, member) in members[..end].iter_mut().enumerate() {
            if done & (1 << i) != 0 {
                continue;
            }
            if let Poll::Ready(result) = member.as_mut().poll(cx) {
                done |= 1 << i;
                if let Err(response) = result {
                    rejected = Some((i, response));
                    // Later members cannot change the outcome.
                    break;
                }
            }
        }
        let end = rejected.as_ref().map_or(members.len(), |(at, _)| *at);
        let before = if end == 64 {
            u64::MAX
        } else {
            (1u64 << end) - 1
        };
        if done & before != before {
            return Poll::Pending;
        }
        Poll::Ready(match rejected.take() {
            Some((_, response)) => Err(response),
            None => Ok(()),
        })
    })
    .await
}
