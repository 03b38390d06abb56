//! Hidden exports used only by the test suite to prove that panics never take Node down.

use napi::bindgen_prelude::*;
use napi::Env;
use napi_derive::napi;

use super::{run_async, run_sync};

/// Panics inside synchronous work; must throw `ERR_XSYS_PANIC`.
#[napi(catch_unwind, js_name = "__testPanicSync")]
pub fn test_panic_sync(env: &Env) -> napi::Result<()> {
    run_sync(env, "__testPanicSync", || panic!("deliberate panic (sync)"))
}

/// Panics inside work run off the JS thread; the Promise must reject with `ERR_XSYS_PANIC`.
#[napi(catch_unwind, js_name = "__testPanicAsync", ts_return_type = "Promise<void>")]
pub fn test_panic_async(env: &Env) -> napi::Result<PromiseRaw<'_, ()>> {
    run_async(env, "__testPanicAsync", || panic!("deliberate panic (async)"))
}

/// A background thread pushing `0..count` through an `EventQueue`, `interval_us` apart
/// (see events.test.mjs).
#[napi]
pub struct TestEventSource {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

#[napi(catch_unwind, js_name = "__testEventSource")]
pub fn test_event_source(
    count: u32,
    interval_us: u32,
    callback: Function<'_, Vec<u32>, ()>,
) -> napi::Result<TestEventSource> {
    let queue = super::events::EventQueue::new(&callback)?;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stopped = stop.clone();
    let thread = std::thread::spawn(move || {
        for i in 0..count {
            if stopped.load(std::sync::atomic::Ordering::Relaxed) || !queue.push(i) {
                break;
            }
            if interval_us > 0 {
                std::thread::sleep(std::time::Duration::from_micros(interval_us.into()));
            }
        }
    });
    Ok(TestEventSource { stop, thread: Some(thread) })
}

#[napi]
impl TestEventSource {
    #[napi(catch_unwind)]
    pub fn close(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
