//! A connection's timeouts as one deadline, re-armed lazily.
//!
//! hyper's own header-read timeout arms a fresh timer for every request
//! (an allocation and two timer-wheel updates each, ~1 µs a request here)
//! once a timer is installed. Here the requests only write two or three
//! atomics of [`Activity`] (a coarse clock read when a header block starts,
//! another when a request ends), and one timer per connection wakes only
//! when something could be due: [`Activity::check`] then says whether to
//! close or when to look again. A deadline that finds the header block done
//! moves on instead of closing.
//!
//! The timer fires at least once per header timeout while no header block
//! is pending: a block that starts between two checks is never looked at
//! later than its own deadline.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

/// Milliseconds on a monotonic clock. On Linux the coarse clock: a read of
/// the vDSO page without a TSC read, a few ns, at the scheduler tick's
/// resolution (1-4 ms), plenty for timeouts of seconds.
#[cfg(target_os = "linux")]
pub(crate) fn now_ms() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid timespec for the call to fill.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC_COARSE, &mut ts) };
    ts.tv_sec as u64 * 1000 + ts.tv_nsec as u64 / 1_000_000
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn now_ms() -> u64 {
    static EPOCH: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    EPOCH
        .get_or_init(std::time::Instant::now)
        .elapsed()
        .as_millis() as u64
}

/// The coarse clock lags the real one by up to a tick (1-10 ms): a start
/// read just before a tick and a check just after it would see a header
/// block as older than it is. Deadlines get this much slack so that one is
/// never enforced early, only up to a tick late.
const CLOCK_SLACK_MS: u64 = 10;

/// The timeouts a connection enforces after its first byte.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// A header block must complete within this from its first byte
    /// (HTTP/1; `None`: not enforced).
    pub header: Option<Duration>,
    /// No request in flight and no header block pending for this long:
    /// the connection is closed gracefully.
    pub idle: Duration,
}

/// What the connection's IO, its requests and its watcher share.
#[derive(Debug)]
pub(crate) struct Activity {
    in_flight: AtomicUsize,
    /// [`now_ms`] when the last request ended (or the connection started).
    last_end: AtomicU64,
    /// [`now_ms`] + 1 when the first byte of the pending header block
    /// arrived; 0 when none is pending.
    head_start: AtomicU64,
    /// Off for HTTP/2, whose bytes are not header blocks of one request.
    head_clock: AtomicBool,
}

/// What [`Activity::check`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// A header block is late: drop the connection (hyper answers nothing
    /// either).
    HeaderTimeout,
    /// Idle for the idle timeout: close gracefully.
    Idle,
    /// Nothing due: look again after this long.
    RecheckIn(Duration),
}

impl Activity {
    pub(crate) fn new(now: u64, header_clock: bool) -> Self {
        Activity {
            in_flight: AtomicUsize::new(0),
            last_end: AtomicU64::new(now),
            head_start: AtomicU64::new(0),
            head_clock: AtomicBool::new(header_clock),
        }
    }

    /// Bytes arrived from the client: with no request in flight and no
    /// header block pending, they start one.
    #[inline]
    pub(crate) fn bytes_arrived(&self) {
        if self.head_start.load(Ordering::Relaxed) == 0
            && self.in_flight.load(Ordering::Relaxed) == 0
            && self.head_clock.load(Ordering::Relaxed)
        {
            self.head_start.store(now_ms() + 1, Ordering::Release);
        }
    }

    /// The connection speaks HTTP/2: no header clock.
    pub(crate) fn stop_header_clock(&self) {
        self.head_clock.store(false, Ordering::Relaxed);
        self.head_start.store(0, Ordering::Release);
    }

    /// hyper parsed a request head and calls the service.
    #[inline]
    pub(crate) fn request_started(&self) {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        self.head_start.store(0, Ordering::Release);
    }

    /// A request's response is done (or it was cancelled).
    #[inline]
    pub(crate) fn request_ended(&self) {
        self.last_end.store(now_ms(), Ordering::Release);
        self.in_flight.fetch_sub(1, Ordering::AcqRel);
    }

    /// Whether a timeout is due at `now` ([`now_ms`]), and if not, when to
    /// look again: never later than a header block starting right now
    /// could be due.
    pub(crate) fn check(&self, now: u64, limits: Limits) -> Verdict {
        let head = self.head_start.load(Ordering::Acquire);
        let mut next = u64::MAX;
        if let Some(header) = limits
            .header
            .filter(|_| self.head_clock.load(Ordering::Relaxed))
        {
            let header = header.as_millis() as u64 + CLOCK_SLACK_MS;
            next = if head != 0 {
                let due = head - 1 + header;
                if now >= due {
                    return Verdict::HeaderTimeout;
                }
                due
            } else {
                now + header
            };
        }
        let idle = limits.idle.as_millis() as u64;
        if head == 0 && self.in_flight.load(Ordering::Acquire) == 0 {
            let due = self.last_end.load(Ordering::Acquire) + idle;
            if now >= due {
                return Verdict::Idle;
            }
            next = next.min(due);
        } else {
            // Busy: whenever it ends, it is idle for `idle` at the earliest.
            next = next.min(now + idle);
        }
        Verdict::RecheckIn(Duration::from_millis(next.saturating_sub(now).max(1)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits {
        header: Some(Duration::from_millis(300)),
        idle: Duration::from_millis(1000),
    };

    fn ms(n: u64) -> Verdict {
        Verdict::RecheckIn(Duration::from_millis(n))
    }

    /// Starts a header block at `at` (the clock is real; the test shifts
    /// the times it checks by the stored start).
    fn start_head(a: &Activity) -> u64 {
        a.bytes_arrived();
        a.head_start.load(Ordering::Relaxed) - 1
    }

    #[test]
    fn a_late_header_block_times_out_from_its_first_byte() {
        let a = Activity::new(now_ms(), true);
        let t = start_head(&a);
        assert_eq!(a.check(t + 100, LIMITS), ms(200 + CLOCK_SLACK_MS));
        // More bytes of the same block do not move its start.
        a.bytes_arrived();
        assert_eq!(a.head_start.load(Ordering::Relaxed) - 1, t);
        // Never early: a tick of slack for the coarse clock.
        assert_eq!(a.check(t + 300, LIMITS), ms(CLOCK_SLACK_MS));
        assert_eq!(
            a.check(t + 300 + CLOCK_SLACK_MS, LIMITS),
            Verdict::HeaderTimeout
        );
    }

    #[test]
    fn a_finished_header_block_rearms_instead_of_closing() {
        let a = Activity::new(now_ms(), true);
        let t = start_head(&a);
        a.request_started();
        // The old deadline finds the request running: look again within
        // one header timeout (a new block may start any moment).
        assert_eq!(a.check(t + 300, LIMITS), ms(300 + CLOCK_SLACK_MS));
        // Bytes while a request is in flight are its body, not a head.
        a.bytes_arrived();
        assert_eq!(a.head_start.load(Ordering::Relaxed), 0);
        a.request_ended();
        let end = a.last_end.load(Ordering::Relaxed);
        assert_eq!(a.check(end + 100, LIMITS), ms(300 + CLOCK_SLACK_MS));
        assert_eq!(a.check(end + 800, LIMITS), ms(200));
        assert_eq!(a.check(end + 1000, LIMITS), Verdict::Idle);
    }

    #[test]
    fn idle_is_counted_from_the_last_request_and_not_while_a_head_arrives() {
        let start = now_ms();
        let a = Activity::new(start, true);
        assert_eq!(a.check(start + 999, LIMITS), ms(1));
        assert_eq!(a.check(start + 1000, LIMITS), Verdict::Idle);
        let b = Activity::new(start, true);
        let t = start_head(&b);
        // Pending head: the header timeout rules, not idleness.
        assert_eq!(b.check(t + 299, LIMITS), ms(1 + CLOCK_SLACK_MS));
    }

    #[test]
    fn http2_and_a_disabled_header_timeout_use_only_idleness() {
        let start = now_ms();
        let a = Activity::new(start, true);
        a.stop_header_clock();
        a.bytes_arrived();
        assert_eq!(a.head_start.load(Ordering::Relaxed), 0);
        assert_eq!(a.check(start, LIMITS), ms(1000));
        let off = Limits {
            header: None,
            ..LIMITS
        };
        let b = Activity::new(start, true);
        b.request_started();
        assert_eq!(b.check(start + 5000, off), ms(1000));
    }
}
