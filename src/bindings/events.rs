//! Events from background threads to JavaScript, in batches.
//!
//! A producer thread pushes events into an [`EventQueue`]. At most one call of the JS callback
//! is scheduled at a time, and when it runs it takes everything queued so far: while the JS
//! thread is busy, events gather in one vector instead of one queued call each, so a burst of
//! 40,000 events costs a handful of callbacks, and nothing is dropped.
//!
//! By default the threadsafe function is weak: a queue never keeps Node alive by itself (JS
//! wrappers hold a timer for `persistent` sources, see `lib/events.js`), and once Node is shutting
//! down `push` returns `false` so the producer can stop. A strong queue (`WEAK = false`, used for
//! job progress) keeps Node alive until it is dropped and what it queued was delivered.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};

struct Pending<T> {
    events: Mutex<Vec<T>>,
    scheduled: AtomicBool,
}

impl<T> Pending<T> {
    fn lock(&self) -> MutexGuard<'_, Vec<T>> {
        // A panic while holding the lock leaves plain data behind; keep delivering it.
        self.events.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A JS callback `(batch: T[]) => void` that any thread may feed.
pub struct EventQueue<T: ToNapiValue + Send + 'static, const WEAK: bool = true> {
    pending: Arc<Pending<T>>,
    tsfn: ThreadsafeFunction<(), (), Vec<T>, Status, false, WEAK>,
}

impl<T: ToNapiValue + Send + 'static> EventQueue<T> {
    /// Create on the JS thread from the callback that will receive the batches (weak: does not
    /// keep Node alive).
    pub fn new(callback: &Function<'_, Vec<T>, ()>) -> napi::Result<Self> {
        Self::build(callback)
    }
}

impl<T: ToNapiValue + Send + 'static> EventQueue<T, false> {
    /// Like [`EventQueue::new`], but keeps Node alive until the queue is dropped and drained.
    pub fn strong(callback: &Function<'_, Vec<T>, ()>) -> napi::Result<Self> {
        Self::build(callback)
    }
}

impl<T: ToNapiValue + Send + 'static, const WEAK: bool> EventQueue<T, WEAK> {
    fn build(callback: &Function<'_, Vec<T>, ()>) -> napi::Result<Self> {
        let pending = Arc::new(Pending { events: Mutex::new(Vec::new()), scheduled: AtomicBool::new(false) });
        let drained = Arc::clone(&pending);
        let tsfn = callback
            .build_threadsafe_function::<()>()
            .callee_handled::<false>()
            .weak::<WEAK>()
            .build_callback(move |_| {
                // Clear the flag first: anything pushed after this schedules the next call.
                drained.scheduled.store(false, Ordering::SeqCst);
                Ok(std::mem::take(&mut *drained.lock()))
            })?;
        Ok(EventQueue { pending, tsfn })
    }

    /// Queue one event; `false` once JS can no longer receive events (Node is exiting).
    pub fn push(&self, event: T) -> bool {
        self.extend(std::iter::once(event))
    }

    /// Queue several events; `false` once JS can no longer receive events.
    pub fn extend(&self, events: impl IntoIterator<Item = T>) -> bool {
        self.pending.lock().extend(events);
        if self.pending.scheduled.swap(true, Ordering::SeqCst) {
            return true;
        }
        self.tsfn.call((), ThreadsafeFunctionCallMode::NonBlocking) == Status::Ok
    }

}
