//! The N-API boundary: argument and result conversion only.
//!
//! Three helpers carry every export:
//! - [`run_sync`] runs core work on the JS thread, catching panics;
//! - [`run_async`] runs it on tokio's blocking pool (not libuv's four threads, which Node's own
//!   fs, dns and zlib share) and settles a Promise back on the JS thread;
//! - [`js_error`] turns the core [`Error`] into a JS error object: `code`, `errno`, `syscall`,
//!   `path`, `dest`, like `node:fs`. This is the only place core errors become JS values.
//!
//! Every `#[napi]` function also carries `catch_unwind`, so a panic while converting arguments
//! or results cannot abort Node either.

pub mod archive;
pub mod cluster;
#[cfg(target_os = "linux")]
mod cluster_poll;
pub mod events;
pub mod fs;
mod jobs;
pub mod search;
pub mod sys;
mod test_hooks;
pub mod watch;

use std::panic::{catch_unwind, AssertUnwindSafe};

use napi::bindgen_prelude::*;
use napi::{Env, JsError, JsRangeError, JsSyntaxError, JsTypeError};

use crate::error::{Error, JsClass, Result as CoreResult};

/// Run `work`, turning a panic into an `ERR_XSYS_PANIC` error.
pub(crate) fn guard<T>(op: &'static str, work: impl FnOnce() -> CoreResult<T>) -> CoreResult<T> {
    catch_unwind(AssertUnwindSafe(work)).unwrap_or_else(|payload| Err(Error::panic(op, payload.as_ref())))
}

/// Run core work synchronously on the JS thread; failures are thrown as Node-style errors.
pub(crate) fn run_sync<T>(env: &Env, op: &'static str, work: impl FnOnce() -> CoreResult<T>) -> napi::Result<T> {
    guard(op, work).map_err(|e| js_error(env, &e))
}

/// Run core work off the JS thread; the Promise resolves with its result or rejects with a
/// Node-style error. `convert` builds the JS value on the JS thread.
pub(crate) fn run_async_with<'env, T, V>(
    env: &'env Env,
    op: &'static str,
    work: impl FnOnce() -> CoreResult<T> + Send + 'static,
    convert: impl FnOnce(&'env Env, T) -> napi::Result<V> + 'static,
) -> napi::Result<PromiseRaw<'env, V>>
where
    T: Send + 'static,
    V: ToNapiValue,
{
    env.spawn_future_with_callback(
        async move {
            let joined = spawn_blocking(move || guard(op, work)).await;
            Ok(joined.unwrap_or_else(|e| Err(Error::new(crate::error::PANIC, op, format!("worker failed: {e}")))))
        },
        move |env, result| match result {
            Ok(value) => convert(env, value),
            Err(e) => Err(js_error(env, &e)),
        },
    )
}

/// [`run_async_with`] for results that convert to JS by themselves.
pub(crate) fn run_async<'env, T>(
    env: &'env Env,
    op: &'static str,
    work: impl FnOnce() -> CoreResult<T> + Send + 'static,
) -> napi::Result<PromiseRaw<'env, T>>
where
    T: ToNapiValue + Send + 'static,
{
    run_async_with(env, op, work, |_, v| Ok(v))
}

/// The JS error object for a core error, ready to be thrown or to reject a Promise.
pub(crate) fn js_error(env: &Env, e: &Error) -> napi::Error {
    build_js_error(env, e).unwrap_or_else(|_| napi::Error::new(Status::GenericFailure, e.message()))
}

/// The fields Node puts on a system error (`errno`, `syscall`, `path`, `dest`), and the hint.
pub(crate) fn set_system_fields(obj: &mut Object, e: &Error) -> napi::Result<()> {
    if let Some(errno) = e.errno {
        obj.set("errno", errno)?;
    }
    if let Some(syscall) = e.syscall {
        obj.set("syscall", syscall)?;
    }
    if let Some(path) = &e.path {
        obj.set("path", path.to_string_lossy().as_ref())?;
    }
    if let Some(dest) = &e.dest {
        obj.set("dest", dest.to_string_lossy().as_ref())?;
    }
    if let Some(hint) = &e.hint {
        obj.set("hint", hint.as_str())?;
    }
    Ok(())
}

fn build_js_error(env: &Env, e: &Error) -> napi::Result<napi::Error> {
    let base = napi::Error::new(e.code.to_string(), e.message());
    let value = match e.class {
        JsClass::Error => JsError::from(base).into_unknown(*env),
        JsClass::TypeError => JsTypeError::from(base).into_unknown(*env),
        JsClass::RangeError => JsRangeError::from(base).into_unknown(*env),
        JsClass::SyntaxError => JsSyntaxError::from(base).into_unknown(*env),
    };
    let mut obj = value.coerce_to_object()?;
    set_system_fields(&mut obj, e)?;
    Ok(napi::Error::from(value))
}
