//! The processors the process may run on: how many, asked cheaply; and running work on a helper
//! thread started on another processor than its parent's.
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

/// The processor the calling thread runs on, where the system tells (outside glibc's Linux only
/// the tests ask).
#[cfg(all(target_os = "linux", any(test, target_env = "gnu")))]
fn current() -> Option<usize> {
    // SAFETY: no arguments; a negative result is an error.
    let cpu = unsafe { libc::sched_getcpu() };
    usize::try_from(cpu).ok()
}

/// The processor the calling thread runs on, where the system tells.
#[cfg(all(test, not(target_os = "linux")))]
fn current() -> Option<usize> {
    None
}

/// Makes `count` things in order from `state` with `make` and hands each, in order, to `take` on
/// this thread, both told which it is (from 0): a helper thread beside this one
/// ([`join_beside`]) makes them ahead, and this thread makes the next itself when it is wanted
/// and the helper has not made it and is not making it (as while the helper is starting: 0.2-0.4
/// ms on the machine of BENCHMARKS.md, a tenth of decoding eurotext's page). Returns the state.
/// Whichever thread makes a thing, the things are the same, made one after another from the
/// state.
///
/// Neither thread sleeps while it waits for the other: a thread that sleeps leaves its virtual
/// processor to halt, and there it ran again 0.5-1 ms after it was woken.
pub fn make_beside<S, T>(
    state: S,
    count: usize,
    make: impl Fn(&mut S, usize) -> T + Sync,
    mut take: impl FnMut(usize, T),
) -> S
where
    S: Send,
    T: Send,
{
    use std::sync::{Mutex, PoisonError, TryLockError, mpsc};
    // The state and how many things it has made.
    let made = Mutex::new((state, 0));
    let (send, receive) = mpsc::channel();
    let helper = || {
        loop {
            match made.try_lock() {
                Ok(mut made) if made.1 < count => {
                    let (state, i) = &mut *made;
                    let thing = make(state, *i);
                    *i += 1;
                    // Sent while the state is held, so that the things come in order whichever
                    // thread made them. This thread ends early only if it panicked.
                    send.send(thing).ok();
                }
                Ok(_) => break,
                Err(TryLockError::WouldBlock) => std::thread::yield_now(),
                // This thread panicked, which it passes on.
                Err(TryLockError::Poisoned(_)) => break,
            }
        }
    };
    join_beside(helper, || {
        let mut taken = 0;
        while taken < count {
            if let Ok(thing) = receive.try_recv() {
                take(taken, thing);
                taken += 1;
                continue;
            }
            match made.try_lock() {
                // All the helper has made is sent; the next is not made.
                Ok(mut made) if made.1 == taken => {
                    let thing = make(&mut made.0, taken);
                    made.1 += 1;
                    drop(made);
                    take(taken, thing);
                    taken += 1;
                }
                // The helper made it and sent it before letting go.
                Ok(_) => {}
                Err(TryLockError::WouldBlock) => std::thread::yield_now(),
                // The helper panicked, which joining it passes on.
                Err(TryLockError::Poisoned(_)) => return,
            }
        }
    });
    made.into_inner().unwrap_or_else(PoisonError::into_inner).0
}

/// Runs `beside` on a new thread and `here` on this one, side by side, and returns what both
/// return; a panic in either goes on from here once both have ended. The new thread starts on
/// another processor than this one's, where the process may run on another: it is created with
/// that affinity (`pthread_attr_setaffinity_np`), and widens it again as it starts, so that the
/// scheduler may move it later. Some schedulers (that of the machine of BENCHMARKS.md, which packs
/// threads onto few virtual processors) queue a new thread on its parent's processor and leave it
/// there, running by turns with its parent, for as long as a time slice (1.5-2 ms) while another
/// processor is idle; a thread that moved itself off would keep its parent waiting until it had
/// started and moved (0.1-0.25 ms), where this one goes on at once. `beside` must not wait for
/// `here`: where no thread can be created it runs first, on this thread.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn join_beside<A, B, F>(beside: F, here: impl FnOnce() -> B) -> (A, B)
where
    A: Send,
    F: FnOnce() -> A + Send,
{
    use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
    let size = std::mem::size_of::<libc::cpu_set_t>();
    let mut job = Job {
        work: Some(beside),
        done: None,
        allowed: None,
    };
    // SAFETY: the attribute object is initialised before use and destroyed once; the sets are
    // valid cpu_set_t values of the size passed and `cpu` is below CPU_SETSIZE. The new thread
    // is given `job`, which lives until it has been joined and is not touched here until then.
    let thread = unsafe {
        let mut attr = std::mem::MaybeUninit::<libc::pthread_attr_t>::uninit();
        let mut thread = None;
        if libc::pthread_attr_init(attr.as_mut_ptr()) == 0 {
            let mut allowed: libc::cpu_set_t = std::mem::zeroed();
            if let Some(cpu) = current().filter(|&c| c < libc::CPU_SETSIZE as usize)
                && libc::sched_getaffinity(0, size, &mut allowed) == 0
                && libc::CPU_ISSET(cpu, &allowed)
                && libc::CPU_COUNT(&allowed) > 1
            {
                let mut elsewhere = allowed;
                libc::CPU_CLR(cpu, &mut elsewhere);
                if libc::pthread_attr_setaffinity_np(attr.as_mut_ptr(), size, &elsewhere) == 0 {
                    job.allowed = Some(allowed);
                }
            }
            let mut id: libc::pthread_t = 0;
            let start = run_job::<F, A> as extern "C" fn(*mut libc::c_void) -> *mut libc::c_void;
            let job = (&raw mut job).cast::<libc::c_void>();
            if libc::pthread_create(&mut id, attr.as_ptr(), start, job) == 0 {
                thread = Some(id);
            }
            libc::pthread_attr_destroy(attr.as_mut_ptr());
        }
        thread
    };
    if thread.is_none() {
        job.done = job
            .work
            .take()
            .map(|work| catch_unwind(AssertUnwindSafe(work)));
    }
    let here = catch_unwind(AssertUnwindSafe(here));
    if let Some(thread) = thread {
        // SAFETY: the thread was created joinable and is joined once.
        unsafe { libc::pthread_join(thread, std::ptr::null_mut()) };
    }
    match (job.done, here) {
        (Some(Ok(a)), Ok(b)) => (a, b),
        (Some(Err(panic)), _) | (_, Err(panic)) => resume_unwind(panic),
        (None, Ok(_)) => unreachable!("the thread ran its work"),
    }
}

/// [`join_beside`] where the system has no `pthread_attr_setaffinity_np`: a scoped thread.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn join_beside<A, B>(beside: impl FnOnce() -> A + Send, here: impl FnOnce() -> B) -> (A, B)
where
    A: Send,
{
    std::thread::scope(|scope| {
        let thread = scope.spawn(beside);
        let b = here();
        match thread.join() {
            Ok(a) => (a, b),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// What [`join_beside`]'s thread runs, and what it leaves: the work, its outcome, and the
/// affinity to take again as it starts.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
struct Job<F, A> {
    work: Option<F>,
    done: Option<std::thread::Result<A>>,
    allowed: Option<libc::cpu_set_t>,
}

/// The start of [`join_beside`]'s thread: `job` is a [`Job`].
#[cfg(all(target_os = "linux", target_env = "gnu"))]
extern "C" fn run_job<F: FnOnce() -> A, A>(job: *mut libc::c_void) -> *mut libc::c_void {
    // SAFETY: join_beside passes its Job, which outlives this thread and which it leaves alone
    // until it has joined it.
    let job = unsafe { &mut *job.cast::<Job<F, A>>() };
    if let Some(allowed) = &job.allowed {
        // SAFETY: a valid cpu_set_t of the size passed.
        unsafe { libc::sched_setaffinity(0, std::mem::size_of_val(allowed), allowed) };
    }
    let work = job.work.take();
    job.done = work.map(|work| std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)));
    std::ptr::null_mut()
}

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

    #[test]
    fn joining_beside_runs_both_and_the_helper_elsewhere_free_to_move() {
        let all = super::processors();
        let mut moved = false;
        // The scheduler may move this thread at any moment (tests run side by side), so the
        // helper's processor is looked at over a few tries; its affinity must be whole each time.
        for _ in 0..20 {
            let parent = super::current();
            let ((elsewhere, processors), here) = super::join_beside(
                || (super::current(), super::processors()),
                || super::current().is_some(),
            );
            assert!(here);
            assert_eq!(processors, all);
            moved |= elsewhere != parent;
        }
        assert_eq!(moved, all > 1);
        // What each side borrows, and what it returns.
        let mut words = vec![0u64; 4];
        let (left, right) = words.split_at_mut(2);
        let (a, b) = super::join_beside(
            || {
                left.fill(1);
                left.len()
            },
            || {
                right.fill(2);
                "here"
            },
        );
        assert_eq!((a, b, words), (2, "here", vec![1, 1, 2, 2]));
    }

    #[test]
    fn things_made_beside_come_in_order_whichever_thread_made_them() {
        use std::time::Duration;
        // Slow takes leave the helper to make ahead; slow makes leave this thread to make some.
        for (make_wait, take_wait) in [(0, 40), (40, 0), (0, 0)] {
            let mut taken = Vec::new();
            let made = super::make_beside(
                Vec::new(),
                30,
                |made: &mut Vec<usize>, i| {
                    std::thread::sleep(Duration::from_micros(make_wait));
                    assert_eq!(i, made.len());
                    made.push(made.len());
                    made.len() - 1
                },
                |i, thing| {
                    std::thread::sleep(Duration::from_micros(take_wait));
                    assert_eq!(i, thing);
                    taken.push(thing);
                },
            );
            assert_eq!(taken, (0..30).collect::<Vec<_>>());
            assert_eq!(made, taken);
        }
    }

    #[test]
    fn a_panic_on_either_side_goes_on_once_both_have_ended() {
        use std::panic::catch_unwind;
        use std::sync::atomic::{AtomicBool, Ordering};
        let other_ended = AtomicBool::new(false);
        let helper_panicked = catch_unwind(|| {
            super::join_beside(
                || -> () { panic!("a panic on the helper thread, as this test asks") },
                || other_ended.store(true, Ordering::SeqCst),
            )
        });
        assert_eq!(
            helper_panicked.unwrap_err().downcast_ref::<&str>(),
            Some(&"a panic on the helper thread, as this test asks")
        );
        assert!(other_ended.swap(false, Ordering::SeqCst));
        let here_panicked = catch_unwind(|| {
            super::join_beside(
                || {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                    other_ended.store(true, Ordering::SeqCst)
                },
                || -> () { panic!("a panic on the calling thread, as this test asks") },
            )
        });
        assert_eq!(
            here_panicked.unwrap_err().downcast_ref::<&str>(),
            Some(&"a panic on the calling thread, as this test asks")
        );
        assert!(other_ended.load(Ordering::SeqCst));
    }
}
