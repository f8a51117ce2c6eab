//! The processors the process may run on: how many, asked cheaply; starting a helper thread on
//! another than its parent's; and waiting for a helper's message without sleeping at first.
#![allow(unsafe_code)]

/// The processors in the process's CPU affinity mask: one system call. The standard library's
/// `available_parallelism` also reads the cgroup's CPU quota from `/proc` and `/sys`, a dozen
/// system calls and 70-130 us a run on the machine of BENCHMARKS.md: more than the answer is
/// worth where it only decides whether a few layers get a thread each.
#[cfg(target_os = "linux")]
pub fn processors() -> usize {
    // SAFETY: a zeroed cpu_set_t is a valid empty set; sched_getaffinity writes at most its size.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(0, std::mem::size_of_val(&set), &mut set) == 0 {
            (libc::CPU_COUNT(&set) as usize).max(1)
        } else {
            1
        }
    }
}

/// The processors the standard library finds.
#[cfg(not(target_os = "linux"))]
pub fn processors() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// The processor the calling thread runs on, where the system tells.
#[cfg(target_os = "linux")]
fn current() -> Option<usize> {
    // SAFETY: no arguments; a negative result is an error.
    let cpu = unsafe { libc::sched_getcpu() };
    usize::try_from(cpu).ok()
}

/// The processor the calling thread runs on, where the system tells.
#[cfg(not(target_os = "linux"))]
fn current() -> Option<usize> {
    None
}

/// Starts `f` on a thread of `scope` that has moved off this thread's processor (where it may
/// run on another) before this returns; its affinity is then as it was, so that the scheduler
/// may move it again. Some schedulers (that of the machine of BENCHMARKS.md, which packs threads
/// onto few virtual processors) queue a new thread on its parent's processor and leave it there,
/// running by turns with its parent, for as long as a time slice (1.5-2 ms) while another
/// processor is idle: the helper then runs instead of its parent, or not at all, rather than
/// beside it. Elsewhere this costs the wait for the thread to start.
pub fn spawn_beside<'scope, T, F>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    f: F,
) -> std::thread::ScopedJoinHandle<'scope, T>
where
    F: FnOnce() -> T + Send + 'scope,
    T: Send + 'scope,
{
    let here = current();
    let (moved, has_moved) = std::sync::mpsc::sync_channel(1);
    let thread = scope.spawn(move || {
        move_off(here);
        // The parent waits for this before it goes on, so the receiver is there.
        moved.send(()).ok();
        f()
    });
    // An error here is the helper's panic before it sent, which joining it passes on.
    receive_soon(&has_moved).ok();
    thread
}

/// Receives from `receiver` as soon as something comes: it asks again and again, letting any
/// other thread that wants this processor run in between, for up to [`POLLING`], and only then
/// sleeps until something comes. A thread that sleeps leaves its processor idle, and an idle
/// virtual processor halts: on the machine of BENCHMARKS.md, a thread woken there ran again
/// 0.5-1 ms after the message that woke it (where a helper's first stripe was ready 0.2 ms after
/// it was started, and the whole of eurotext's two layers took 2 ms).
pub fn receive_soon<T>(
    receiver: &std::sync::mpsc::Receiver<T>,
) -> Result<T, std::sync::mpsc::RecvError> {
    use std::sync::mpsc::{RecvError, TryRecvError};
    let start = std::time::Instant::now();
    while start.elapsed() < POLLING {
        match receiver.try_recv() {
            Ok(value) => return Ok(value),
            Err(TryRecvError::Disconnected) => return Err(RecvError),
            Err(TryRecvError::Empty) => std::thread::yield_now(),
        }
    }
    receiver.recv()
}

/// How long [`receive_soon`] asks before it sleeps: longer than a helper takes to start or to
/// code a stripe, short enough to waste little where something else keeps it.
const POLLING: std::time::Duration = std::time::Duration::from_millis(2);

/// Moves the calling thread off processor `cpu` if it may run on another, and leaves its
/// affinity as it was.
#[cfg(target_os = "linux")]
fn move_off(cpu: Option<usize>) {
    let Some(cpu) = cpu.filter(|&c| c < libc::CPU_SETSIZE as usize) else {
        return;
    };
    // SAFETY: the sets are valid cpu_set_t values of the size passed, and `cpu` is below
    // CPU_SETSIZE.
    unsafe {
        let size = std::mem::size_of::<libc::cpu_set_t>();
        let mut allowed: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(0, size, &mut allowed) != 0
            || !libc::CPU_ISSET(cpu, &allowed)
            || libc::CPU_COUNT(&allowed) < 2
        {
            return;
        }
        let mut elsewhere = allowed;
        libc::CPU_CLR(cpu, &mut elsewhere);
        // The kernel moves the thread before the call returns; the old mask then lets it be.
        if libc::sched_setaffinity(0, size, &elsewhere) == 0 {
            libc::sched_setaffinity(0, size, &allowed);
        }
    }
}

/// Moves the calling thread off processor `cpu`: nothing to do where the system does not tell.
#[cfg(not(target_os = "linux"))]
fn move_off(_: Option<usize>) {}

#[cfg(test)]
mod tests {
    #[test]
    fn the_affinity_mask_counts_what_the_standard_library_finds_without_a_quota() {
        // Without a cgroup quota below the mask (as on a developer's machine or CI runner) the
        // two agree; with one, the standard library's answer is the smaller.
        let std = std::thread::available_parallelism().map_or(1, usize::from);
        assert!(super::processors() >= std);
        assert!(super::processors() >= 1);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_helper_started_beside_its_parent_runs_elsewhere_and_may_run_anywhere() {
        // The scheduler may move either thread at any moment (tests run side by side), so the
        // helper's processor is looked at over a few tries; its affinity must be whole each time.
        let all = super::processors();
        let mut moved = false;
        for _ in 0..20 {
            let parent = super::current().expect("Linux tells the processor");
            let (elsewhere, processors) = std::thread::scope(|scope| {
                super::spawn_beside(scope, || (super::current(), super::processors()))
                    .join()
                    .unwrap()
            });
            assert_eq!(processors, all);
            moved |= elsewhere != Some(parent);
        }
        assert_eq!(moved, all > 1);
    }

    #[test]
    fn receiving_soon_gets_what_comes_early_or_late_and_tells_when_nothing_will() {
        use std::sync::mpsc::{RecvError, channel};
        use std::time::Duration;
        let (send, receive) = channel();
        send.send(1).unwrap();
        assert_eq!(super::receive_soon(&receive), Ok(1));
        // Sent while it asks, and after it has gone to sleep.
        for wait in [Duration::from_micros(200), 3 * super::POLLING] {
            std::thread::scope(|scope| {
                let sender = send.clone();
                scope.spawn(move || {
                    std::thread::sleep(wait);
                    sender.send(2).unwrap();
                });
                assert_eq!(super::receive_soon(&receive), Ok(2));
            });
        }
        // Nothing left and no sender: an error at once, or once it sleeps.
        drop(send);
        assert_eq!(super::receive_soon(&receive), Err(RecvError));
        let (send, receive) = channel::<u8>();
        std::thread::scope(|scope| {
            scope.spawn(move || {
                std::thread::sleep(3 * super::POLLING);
                drop(send);
            });
            assert_eq!(super::receive_soon(&receive), Err(RecvError));
        });
    }
}
