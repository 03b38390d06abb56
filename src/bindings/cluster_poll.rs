//! Reading workers' channels on the JS thread, from Node's own event loop.
//!
//! Once a worker is ready, the supervisor offers its channel (an [`Event::Attach`] in the event
//! stream); here a libuv poll handle watches it on the JS thread's loop and reads it when it
//! becomes readable, so a worker's message wakes one thread, the one that consumes it, instead
//! of the supervisor thread and then the JS thread. What is read goes into the same
//! `EventQueue` as every other event, so order is kept, and is handed to JS from the same
//! callback (`EventQueue::deliver_here`): one turn of the loop per message, as with node:cluster.
//!
//! The libuv functions are Node's own, looked up when first needed: where they are missing
//! (a runtime without libuv) nothing attaches and the supervisor keeps reading. So does it
//! with `XYPRISS_CLUSTER_JS_READ=0` in the manager's environment (for tests and comparisons).
//! The handles never keep Node alive (the cluster's own keep-alive does), and an environment
//! that shuts down with a cluster still running closes them first.
//!
//! [`Event::Attach`]: crate::cluster::Event::Attach

use std::cell::{Cell, RefCell};
use std::ffi::{c_int, c_void, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, OnceLock};

use napi::{sys, Env};

use super::cluster::JsEvent;
use super::events::EventQueue;
use crate::cluster::ChannelReader;

type PollCb = unsafe extern "C" fn(handle: *mut c_void, status: c_int, events: c_int);
type CloseCb = unsafe extern "C" fn(handle: *mut c_void);

/// The few libuv entry points used here (stable since libuv 1.19).
struct Uv {
    handle_size: unsafe extern "C" fn(kind: c_int) -> usize,
    poll_init: unsafe extern "C" fn(event_loop: *mut c_void, handle: *mut c_void, fd: c_int) -> c_int,
    poll_start: unsafe extern "C" fn(handle: *mut c_void, events: c_int, cb: PollCb) -> c_int,
    poll_stop: unsafe extern "C" fn(handle: *mut c_void) -> c_int,
    close: unsafe extern "C" fn(handle: *mut c_void, cb: CloseCb),
    unref: unsafe extern "C" fn(handle: *mut c_void),
    set_data: unsafe extern "C" fn(handle: *mut c_void, data: *mut c_void),
    get_data: unsafe extern "C" fn(handle: *const c_void) -> *mut c_void,
}

/// `UV_POLL` in libuv's `uv_handle_type` (its order has been fixed since 1.0).
const UV_POLL: c_int = 8;
const UV_READABLE: c_int = 1;

fn uv() -> Option<&'static Uv> {
    static UV: OnceLock<Option<Uv>> = OnceLock::new();
    UV.get_or_init(|| {
        let sym = |name: &CStr| {
            // SAFETY: dlsym with a NUL-terminated name, searching what the process has loaded.
            let p = unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) };
            (!p.is_null()).then_some(p)
        };
        // SAFETY: each symbol is the libuv function of that name, whose C signature the field
        // types spell out (which is also why the transmutes need no further annotation).
        #[allow(clippy::missing_transmute_annotations)]
        let uv = unsafe {
            Uv {
                handle_size: std::mem::transmute::<*mut c_void, _>(sym(c"uv_handle_size")?),
                poll_init: std::mem::transmute::<*mut c_void, _>(sym(c"uv_poll_init")?),
                poll_start: std::mem::transmute::<*mut c_void, _>(sym(c"uv_poll_start")?),
                poll_stop: std::mem::transmute::<*mut c_void, _>(sym(c"uv_poll_stop")?),
                close: std::mem::transmute::<*mut c_void, _>(sym(c"uv_close")?),
                unref: std::mem::transmute::<*mut c_void, _>(sym(c"uv_unref")?),
                set_data: std::mem::transmute::<*mut c_void, _>(sym(c"uv_handle_set_data")?),
                get_data: std::mem::transmute::<*mut c_void, _>(sym(c"uv_handle_get_data")?),
            }
        };
        // SAFETY: a plain query. A poll handle is a few hundred bytes; anything else means the
        // symbols are not the libuv this code expects.
        let size = unsafe { (uv.handle_size)(UV_POLL) };
        (64..=4096).contains(&size).then_some(uv)
    })
    .as_ref()
}

fn disabled() -> bool {
    std::env::var_os("XYPRISS_CLUSTER_JS_READ").is_some_and(|v| v == "0")
}

/// One poll handle: the libuv handle's memory and the reader it serves.
struct Poll {
    /// Dropped as soon as polling stops: the channel's descriptor closes with it.
    reader: Option<Arc<dyn ChannelReader>>,
    /// Where the reader's events go; delivered from the poll callback.
    queue: Arc<EventQueue<JsEvent>>,
    /// The environment of this thread (the handle is closed before it goes away).
    env: sys::napi_env,
    handle: *mut c_void,
    words: usize,
    closing: bool,
}

thread_local! {
    /// Open poll handles of this thread's environment, closed if it shuts down first.
    static LIVE: RefCell<Vec<*mut Poll>> = const { RefCell::new(Vec::new()) };
    /// Whether this thread's environment has the hook that closes them.
    static CLEANUP_HOOKED: Cell<bool> = const { Cell::new(false) };
}

/// Start reading `reader`'s channel on this (the JS) thread. Does nothing when that is not
/// possible: the supervisor then keeps reading.
pub fn attach(env: &Env, reader: Arc<dyn ChannelReader>, queue: Arc<EventQueue<JsEvent>>) {
    if disabled() {
        return;
    }
    let Some(uv) = uv() else { return };
    let Ok(event_loop) = env.get_uv_event_loop() else { return };
    if !CLEANUP_HOOKED.get() {
        if env.add_env_cleanup_hook((), |_| close_all()).is_err() {
            return;
        }
        CLEANUP_HOOKED.set(true);
    }
    // SAFETY: a plain query.
    let words = unsafe { (uv.handle_size)(UV_POLL) }.div_ceil(8);
    // u64 words: libuv handles need pointer alignment.
    let handle = Box::into_raw(vec![0u64; words].into_boxed_slice()).cast::<c_void>();
    let fd = reader.fd();
    // SAFETY: `handle` is zeroed memory of the size libuv asked for; the loop is this thread's.
    if unsafe { (uv.poll_init)(event_loop.cast(), handle, fd) } != 0 {
        // SAFETY: libuv did not take the handle: it is still ours to free.
        unsafe { free_handle(handle, words) };
        return;
    }
    // From here on the handle belongs to the loop until its close callback runs.
    let poll =
        Box::into_raw(Box::new(Poll { reader: Some(reader), queue, env: env.raw(), handle, words, closing: false }));
    // SAFETY: an initialised handle; `poll` lives until `on_close`.
    unsafe {
        (uv.set_data)(handle, poll.cast());
        (uv.unref)(handle);
        if (uv.poll_start)(handle, UV_READABLE, on_readable) != 0 {
            close(poll);
            return;
        }
        LIVE.with(|l| l.borrow_mut().push(poll));
        let reader = (*poll).reader.clone();
        if let Some(reader) = reader {
            reader.attach();
            // Frames that came in the same read as `ready` may already sit in the buffer, with
            // nothing new on the socket to wake the poll: read them now. JS may be on the stack
            // here, so they go out through the queue's usual scheduled call.
            let keep = catch_unwind(AssertUnwindSafe(|| reader.pump())).unwrap_or(false);
            drop(reader);
            if !keep {
                close(poll);
            }
        }
    }
}

unsafe extern "C" fn on_readable(handle: *mut c_void, status: c_int, _events: c_int) {
    let Some(uv) = uv() else { return };
    // SAFETY: the data pointer was set to a live Poll before the poll started.
    let poll = unsafe { (uv.get_data)(handle) }.cast::<Poll>();
    if status < 0 {
        // SAFETY: poll is live until on_close, which runs from the loop's close phase, never
        // while this callback runs.
        unsafe { close(poll) };
        return;
    }
    // Owned copies: the JS called below may close this poll (a `closed` event does), which
    // must not pull anything from under us.
    // SAFETY: as above; no reference into the Poll outlives this statement.
    let (reader, queue, env) = unsafe { ((*poll).reader.clone(), Arc::clone(&(*poll).queue), (*poll).env) };
    let Some(reader) = reader else { return };
    // A panic must not unwind into libuv: the handle is closed and the supervisor reads again.
    let keep = catch_unwind(AssertUnwindSafe(|| queue.collect(|| reader.pump()))).unwrap_or(false);
    drop(reader);
    // SAFETY: this thread's live environment (see Poll::env); no JS is on the stack.
    if catch_unwind(AssertUnwindSafe(|| unsafe { queue.deliver_here(env) })).is_err() {
        queue.schedule();
    }
    if !keep {
        // SAFETY: as above (close does nothing if the poll is already closing).
        unsafe { close(poll) };
    }
}

/// Stop polling and close the handle; `on_close` frees it.
unsafe fn close(poll: *mut Poll) {
    let Some(uv) = uv() else { return };
    // SAFETY: the caller passes a live Poll.
    let p = unsafe { &mut *poll };
    if p.closing {
        return;
    }
    p.closing = true;
    // SAFETY: an initialised handle not yet closing. Once stopped, libuv no longer watches the
    // descriptor, so the reader (and with it, possibly, the descriptor) may go.
    unsafe {
        (uv.poll_stop)(p.handle);
        (uv.close)(p.handle, on_close);
    }
    LIVE.with(|l| l.borrow_mut().retain(|&q| !std::ptr::eq(q, poll)));
    if let Some(reader) = p.reader.take() {
        let _ = catch_unwind(AssertUnwindSafe(|| reader.detach()));
    }
}

/// Stop polling every channel whose events go to `queue` (its cluster has closed).
pub fn detach_all(queue: &Arc<EventQueue<JsEvent>>) {
    let mine: Vec<*mut Poll> = LIVE.with(|l| l.borrow().clone());
    for poll in mine {
        // SAFETY: LIVE holds only polls not yet closing, hence live.
        if Arc::ptr_eq(unsafe { &(*poll).queue }, queue) {
            // SAFETY: as above.
            unsafe { close(poll) };
        }
    }
}

unsafe extern "C" fn on_close(handle: *mut c_void) {
    let Some(uv) = uv() else { return };
    // SAFETY: libuv is done with the handle: the Poll and the handle's memory are ours again.
    let poll = unsafe { Box::from_raw((uv.get_data)(handle).cast::<Poll>()) };
    // SAFETY: allocated in attach() with this many words.
    unsafe { free_handle(poll.handle, poll.words) };
}

unsafe fn free_handle(handle: *mut c_void, words: usize) {
    // SAFETY: handle came from Box::into_raw of a boxed slice of `words` u64s.
    drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(handle.cast::<u64>(), words)) });
}

/// The environment is shutting down: close every handle still open so its loop can close.
fn close_all() {
    let open: Vec<*mut Poll> = LIVE.with(|l| l.borrow().clone());
    for poll in open {
        // SAFETY: LIVE holds only polls not yet closing, hence live.
        unsafe { close(poll) };
    }
}
