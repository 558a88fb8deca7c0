//! The runtime watchdog: notices a tokio worker thread that has stopped making progress (a
//! deadlock, a blocking call in async code) so that it is logged, counted in `/metrics`
//! (`runtime_workers_stalled`) and makes `/readyz` answer 503, and an orchestrator replaces
//! the process instead of sending it traffic a stuck worker would hold for ever (issue 20).
//!
//! Two signs, each checked every second from a plain OS thread (so a stuck runtime cannot stop
//! the check itself):
//! - a worker that is not parked (the runtime's park/unpark hooks say so) and has used no CPU
//!   time for [`Watchdog::stall_after`]: it is blocked on a lock or a system call inside a poll
//!   (a healthy unparked worker is either running tasks, which costs CPU, or about to park);
//! - a worker that tokio reports active but whose busy time has not moved for as long: it has
//!   not reached its scheduler's maintenance, which comes every 61 polls, so one poll is
//!   spinning.
//!
//! The same thread hands the runtime an empty task every second ([`nudge`]): a worker stuck
//! after the I/O driver woke it would otherwise leave the driver unpolled, and the healthy
//! workers asleep, until something else spawned.
//!
//! The larger of the two counts is the number reported. CPU time is read from
//! `/proc/self/task/<tid>/stat`; elsewhere than Linux only the second sign counts.

use std::{
    sync::{
        atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed},
        Arc, Mutex, OnceLock,
    },
    time::{Duration, Instant},
};

/// One worker thread as its hooks saw it.
#[derive(Debug)]
struct Slot {
    /// The thread's id for `/proc/self/task/<tid>` (Linux); 0 elsewhere.
    tid: i64,
    parked: AtomicBool,
}

/// What the watchdog last saw of a slot.
#[derive(Debug, Clone, Copy, Default)]
struct Seen {
    cpu_ticks: u64,
    /// Since when the thread has been unparked without using CPU.
    still_since: Option<Instant>,
}

/// What the watchdog last saw of a worker in tokio's metrics.
#[derive(Debug, Clone, Copy, Default)]
struct Progress {
    park_unpark_count: u64,
    busy: Duration,
    same_since: Option<Instant>,
}

/// The watchdog of one runtime (one per process: [`Watchdog::global`]).
#[derive(Debug)]
pub struct Watchdog {
    stall_after: Duration,
    slots: Mutex<Vec<Arc<Slot>>>,
    stalled: AtomicUsize,
    checks: AtomicU64,
}

thread_local! {
    static SLOT: std::cell::OnceCell<Arc<Slot>> = const { std::cell::OnceCell::new() };
}

static GLOBAL: OnceLock<Arc<Watchdog>> = OnceLock::new();

impl Watchdog {
    /// A watchdog that calls a worker stalled after `stall_after` without progress.
    pub fn new(stall_after: Duration) -> Arc<Self> {
        Arc::new(Self {
            stall_after,
            slots: Mutex::new(Vec::new()),
            stalled: AtomicUsize::new(0),
            checks: AtomicU64::new(0),
        })
    }

    /// The process's watchdog, once [`Watchdog::install`] ran (not in tests that build their
    /// own runtime).
    pub fn global() -> Option<&'static Arc<Watchdog>> {
        GLOBAL.get()
    }

    /// How long a worker may go without progress before it counts as stalled.
    pub fn stall_after(&self) -> Duration {
        self.stall_after
    }

    /// Puts the hooks on `builder` (a multi-thread runtime's) and makes this the process's
    /// watchdog; [`Watchdog::start`] then watches the built runtime.
    pub fn install(self: &Arc<Self>, builder: &mut tokio::runtime::Builder) {
        let _ = GLOBAL.set(self.clone());
        let park = self.clone();
        let unpark = self.clone();
        builder
            .on_thread_park(move || park.mark(true))
            .on_thread_unpark(move || unpark.mark(false));
    }

    /// Called on a worker thread as it parks (`true`) or unparks.
    fn mark(&self, parked: bool) {
        SLOT.with(|slot| {
            slot.get_or_init(|| {
                let slot = Arc::new(Slot {
                    tid: thread_id(),
                    parked: AtomicBool::new(parked),
                });
                self.lock().push(slot.clone());
                slot
            })
            .parked
            .store(parked, Relaxed);
        });
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Arc<Slot>>> {
        self.slots
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// How many workers are stalled now (as of the last check, at most a second old).
    pub fn stalled(&self) -> usize {
        self.stalled.load(Relaxed)
    }

    /// How many checks have run (tests wait for one).
    pub fn checks(&self) -> u64 {
        self.checks.load(Relaxed)
    }

    /// Watches the runtime of `handle` from a thread of its own, every second.
    pub fn start(self: &Arc<Self>, handle: tokio::runtime::Handle) {
        let watchdog = self.clone();
        let spawned = std::thread::Builder::new()
            .name("roster-watchdog".into())
            .spawn(move || {
                let mut seen: Vec<Seen> = Vec::new();
                let mut progress: Vec<Progress> = Vec::new();
                loop {
                    std::thread::sleep(Duration::from_secs(1));
                    nudge(&handle);
                    let now = Instant::now();
                    let by_cpu = watchdog.check_threads(&mut seen, now);
                    let by_metrics = watchdog.check_metrics(&handle, &mut progress, now);
                    let stalled = by_cpu.max(by_metrics);
                    let before = watchdog.stalled.swap(stalled, Relaxed);
                    if stalled != before {
                        if stalled > 0 {
                            tracing::error!(
                                stalled,
                                workers = handle.metrics().num_workers(),
                                "runtime workers stalled: no progress for {:?}",
                                watchdog.stall_after
                            );
                        } else {
                            tracing::warn!("runtime workers make progress again");
                        }
                    }
                    watchdog.checks.fetch_add(1, Relaxed);
                }
            });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "the runtime watchdog did not start");
        }
    }

    /// Workers unparked and using no CPU for `stall_after`.
    fn check_threads(&self, seen: &mut Vec<Seen>, now: Instant) -> usize {
        let slots: Vec<Arc<Slot>> = self.lock().clone();
        seen.resize(slots.len(), Seen::default());
        let mut stalled = 0;
        for (slot, seen) in slots.iter().zip(seen.iter_mut()) {
            let Some(ticks) = cpu_ticks(slot.tid) else {
                continue;
            };
            if slot.parked.load(Relaxed) || ticks != seen.cpu_ticks {
                *seen = Seen {
                    cpu_ticks: ticks,
                    still_since: None,
                };
                continue;
            }
            let since = *seen.still_since.get_or_insert(now);
            if now - since >= self.stall_after {
                stalled += 1;
            }
        }
        stalled
    }

    /// Workers tokio reports active whose busy time has not moved for `stall_after`.
    fn check_metrics(
        &self,
        handle: &tokio::runtime::Handle,
        progress: &mut Vec<Progress>,
        now: Instant,
    ) -> usize {
        let metrics = handle.metrics();
        let workers = metrics.num_workers();
        progress.resize(workers, Progress::default());
        let mut stalled = 0;
        for (worker, last) in progress.iter_mut().enumerate() {
            let count = metrics.worker_park_unpark_count(worker);
            let busy = metrics.worker_total_busy_duration(worker);
            let active = count.is_multiple_of(2);
            if !active || count != last.park_unpark_count || busy != last.busy {
                *last = Progress {
                    park_unpark_count: count,
                    busy,
                    same_since: None,
                };
                continue;
            }
            let since = *last.same_since.get_or_insert(now);
            if now - since >= self.stall_after {
                stalled += 1;
            }
        }
        stalled
    }
}

/// The calling thread's kernel id (Linux), else 0.
fn thread_id() -> i64 {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: gettid has no preconditions and cannot fail.
        i64::from(unsafe { libc::gettid() })
    }
    #[cfg(not(target_os = "linux"))]
    {
        0
    }
}

/// User plus system CPU time of thread `tid` of this process, in clock ticks, from
/// `/proc/self/task/<tid>/stat` (fields 14 and 15, counted after the command name, which may
/// hold spaces and parentheses). `None` when it cannot be read.
fn cpu_ticks(tid: i64) -> Option<u64> {
    if tid == 0 {
        return None;
    }
    let stat = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).ok()?;
    parse_cpu_ticks(&stat)
}

fn parse_cpu_ticks(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the name: state is field 3 of the whole line, so utime (14) and stime (15) are at
    // 11 and 12 here.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// Wakes a parked worker of the runtime of `handle` by handing it an empty task, so that some
/// worker polls the I/O driver and the timers at least once a second.
///
/// Without it one stuck worker can stop the whole runtime's I/O: a worker woken by the driver
/// for a single task does not wake another (tokio 1.54, `multi_thread/worker.rs`
/// `should_notify_others`), so when that task blocks, the driver lies unpolled while the other
/// workers sleep on their condition variables, and new connections wait in the kernel's backlog
/// until something spawns. A task spawned from outside the runtime does wake one; it then
/// takes the free driver when it parks again. The cost is one empty task a second.
fn nudge(handle: &tokio::runtime::Handle) {
    drop(handle.spawn(async {}));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_time_is_read_after_the_command_name() {
        let stat = "4242 (tokio-rt (worker) 1) S 1 2 3 4 5 6 7 8 9 10 31 17 0 0 20 0";
        assert_eq!(parse_cpu_ticks(stat), Some(48));
        assert_eq!(parse_cpu_ticks("garbage"), None);
        #[cfg(target_os = "linux")]
        assert!(cpu_ticks(thread_id()).is_some(), "this thread's own stat");
    }

    /// A worker blocked in a poll (here: sleeping on its thread) is counted within the stall
    /// time, and a parked or working one is not.
    #[test]
    fn a_blocked_worker_is_noticed_and_an_idle_one_is_not() {
        let watchdog = Watchdog::new(Duration::from_millis(1500));
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        builder.worker_threads(2).enable_all();
        let hooked = watchdog.clone();
        builder
            .on_thread_park({
                let w = hooked.clone();
                move || w.mark(true)
            })
            .on_thread_unpark(move || hooked.mark(false));
        let runtime = builder.build().unwrap();
        watchdog.start(runtime.handle().clone());
        let wait_checks = |n: u64| {
            let target = watchdog.checks() + n;
            while watchdog.checks() < target {
                std::thread::sleep(Duration::from_millis(50));
            }
        };
        wait_checks(3);
        assert_eq!(watchdog.stalled(), 0, "idle workers are parked");

        runtime.spawn(async {
            // A blocking call inside async code: the worker makes no progress.
            std::thread::sleep(Duration::from_secs(6));
        });
        wait_checks(4);
        assert!(
            watchdog.stalled() >= 1,
            "the blocked worker was not noticed"
        );
        runtime.shutdown_background();
    }

    /// A worker woken by I/O for one task that then blocks leaves the driver unpolled while the
    /// other worker sleeps: no timer fires and no socket is read until something wakes that
    /// worker. The watchdog's nudge does within a second. (Without it this test's timer never
    /// fires: checked by taking the nudge out.)
    #[test]
    fn one_blocked_worker_does_not_stop_the_timers_and_the_sockets() {
        let watchdog = Watchdog::new(Duration::from_secs(60));
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        builder.worker_threads(2).enable_all();
        let runtime = builder.build().unwrap();
        watchdog.start(runtime.handle().clone());
        let (a, mut b) = std::os::unix::net::UnixStream::pair().unwrap();
        a.set_nonblocking(true).unwrap();
        let (release, blocked) = std::sync::mpsc::channel::<()>();
        runtime.spawn(async move {
            let a = tokio::net::UnixStream::from_std(a).unwrap();
            a.readable().await.unwrap();
            // Blocks the worker the driver woke for it, until the test ends.
            let _ = blocked.recv();
        });
        let (fired, timer) = std::sync::mpsc::channel::<()>();
        runtime.spawn(async move {
            tokio::time::sleep(Duration::from_millis(500)).await;
            let _ = fired.send(());
        });
        // Both workers park: one on the driver, one on its condition variable.
        std::thread::sleep(Duration::from_millis(200));
        std::io::Write::write_all(&mut b, b"x").unwrap();
        let outcome = timer.recv_timeout(Duration::from_secs(5));
        drop(release);
        runtime.shutdown_background();
        assert!(
            outcome.is_ok(),
            "the timer did not fire beside a blocked worker"
        );
    }
}
