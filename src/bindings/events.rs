//! Events from background threads to JavaScript, in batches.
//!
//! A producer thread pushes events into an [`EventQueue`]. At most one call of the JS callback
//! is scheduled at a time, and when it runs it takes everything queued so far: while the JS
//! thread is busy, events gather in one vector instead of one queued call each, so a burst of
//! 40,000 events costs a handful of callbacks, and nothing is dropped.
//!
//! A libuv callback on the JS thread that produced events itself (a cluster reading a worker's
//! channel) hands them over at once with [`EventQueue::collect`] and [`EventQueue::deliver_here`]
//! instead: no second turn of the event loop, no eventfd round trip. Whatever was queued before
//! goes first, so order is kept.
//!
//! By default the threadsafe function is weak: a queue never keeps Node alive by itself (JS
//! wrappers hold a timer for `persistent` sources, see `lib/events.js`), and once Node is shutting
//! down `push` returns `false` so the producer can stop. A strong queue (`WEAK = false`, used for
//! job progress) keeps Node alive until it is dropped and what it queued was delivered.

use std::cell::Cell;
use std::ptr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use napi::bindgen_prelude::*;
use napi::sys;
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

thread_local! {
    /// The queue (its `Pending`) whose pushes on this thread wait for `deliver_here` instead of
    /// scheduling a call.
    static COLLECTING: Cell<*const ()> = const { Cell::new(ptr::null()) };
}

/// A JS callback `(batch: T[]) => void` that any thread may feed.
pub struct EventQueue<T: ToNapiValue + Send + 'static, const WEAK: bool = true> {
    pending: Arc<Pending<T>>,
    tsfn: ThreadsafeFunction<(), (), Vec<T>, Status, false, WEAK>,
    /// The same callback, for [`EventQueue::deliver_here`]. Released on the JS thread whichever
    /// thread drops the queue (napi-rs routes it there).
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))] // only the Linux cluster delivers in place
    callback: FunctionRef<Vec<T>, ()>,
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
        let tsfn = callback.build_threadsafe_function::<()>().callee_handled::<false>().weak::<WEAK>().build_callback(
            move |_| {
                // Clear the flag first: anything pushed after this schedules the next call.
                drained.scheduled.store(false, Ordering::SeqCst);
                Ok(std::mem::take(&mut *drained.lock()))
            },
        )?;
        Ok(EventQueue { pending, tsfn, callback: callback.create_ref()? })
    }

    /// Queue one event; `false` once JS can no longer receive events (Node is exiting).
    pub fn push(&self, event: T) -> bool {
        self.extend(std::iter::once(event))
    }

    /// Queue several events; `false` once JS can no longer receive events.
    pub fn extend(&self, events: impl IntoIterator<Item = T>) -> bool {
        self.pending.lock().extend(events);
        if COLLECTING.get() == self.id() {
            return true;
        }
        self.schedule()
    }

    fn id(&self) -> *const () {
        Arc::as_ptr(&self.pending).cast()
    }

    /// Make sure a call of the callback is on its way.
    pub fn schedule(&self) -> bool {
        if self.pending.scheduled.swap(true, Ordering::SeqCst) {
            return true;
        }
        self.tsfn.call((), ThreadsafeFunctionCallMode::NonBlocking) == Status::Ok
    }

    /// Run `f`; what it queues from this thread waits for [`EventQueue::deliver_here`], which
    /// must follow. (Other threads' events are scheduled as usual.)
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))] // only the Linux cluster delivers in place
    pub fn collect<R>(&self, f: impl FnOnce() -> R) -> R {
        struct Restore(*const ());
        impl Drop for Restore {
            fn drop(&mut self) {
                COLLECTING.set(self.0);
            }
        }
        let _restore = Restore(COLLECTING.replace(self.id()));
        f()
    }

    /// Call the callback now with everything queued. Only on the JS thread, from a libuv
    /// callback (no JS on the stack): it runs the callback as Node runs its own I/O callbacks,
    /// microtasks and `nextTick`s included, and an exception it throws is an uncaught exception.
    /// Where that cannot be done, the batch goes the usual way.
    ///
    /// # Safety
    /// `env` is the live environment of the current thread, which created this queue.
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))] // only the Linux cluster delivers in place
    pub unsafe fn deliver_here(&self, env: sys::napi_env) {
        let batch = std::mem::take(&mut *self.pending.lock());
        if batch.is_empty() {
            return;
        }
        // SAFETY: the caller's contract.
        if let Err(batch) = unsafe { self.call_now(env, batch) } {
            let mut pending = self.pending.lock();
            let later = std::mem::replace(&mut *pending, batch);
            pending.extend(later);
            drop(pending);
            self.schedule();
        }
    }

    /// Call the callback with `batch`; gives the batch back if the call could not be made.
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))] // only the Linux cluster delivers in place
    unsafe fn call_now(&self, env: sys::napi_env, batch: Vec<T>) -> std::result::Result<(), Vec<T>> {
        let mut scope = ptr::null_mut();
        // SAFETY (whole block): napi calls on the env's own thread, inside a handle scope that is
        // closed before returning.
        unsafe {
            if sys::napi_open_handle_scope(env, &mut scope) != sys::Status::napi_ok {
                return Err(batch);
            }
            let napi_env = Env::from_raw(env);
            let called = (|| {
                let callback = self.callback.borrow_back(&napi_env).map_err(|_| ())?;
                let mut global = ptr::null_mut();
                if sys::napi_get_global(env, &mut global) != sys::Status::napi_ok {
                    return Err(());
                }
                Ok((callback.raw(), global))
            })();
            let result = match called {
                Err(()) => Err(batch),
                Ok((callback, global)) => {
                    // From here on the batch is JS's: a failure is reported as an uncaught
                    // exception, as napi-rs does for a threadsafe call.
                    match Vec::<T>::to_napi_value(env, batch) {
                        Ok(array) => {
                            let mut ignored = ptr::null_mut();
                            let status = sys::napi_make_callback(
                                env,
                                ptr::null_mut(),
                                global,
                                callback,
                                1,
                                &array,
                                &mut ignored,
                            );
                            let mut error = ptr::null_mut();
                            if status == sys::Status::napi_pending_exception
                                && sys::napi_get_and_clear_last_exception(env, &mut error) == sys::Status::napi_ok
                            {
                                sys::napi_fatal_exception(env, error);
                            }
                        }
                        Err(e) => {
                            sys::napi_fatal_exception(env, JsError::from(e).into_value(env));
                        }
                    }
                    Ok(())
                }
            };
            sys::napi_close_handle_scope(env, scope);
            result
        }
    }
}
