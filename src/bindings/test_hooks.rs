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

