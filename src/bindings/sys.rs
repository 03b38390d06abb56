//! The binding of `crate::sys`, exported as the `sys` namespace of the native module. Arguments
//! arrive already validated by `lib/sys.js`; results are the core's structs, converted to JS
//! objects field by field ([`Js`]), so field names, order and `null`s are the core's.
//! Exception: `memory()` and `cpu()`, the calls dashboards make most, fill a reusable
//! `Float64Array` that `lib/sys.js` turns into the object (one JS object literal is cheaper than
//! setting each field through N-API).

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use napi::bindgen_prelude::*;
use napi::Env;
use napi_derive::napi;
use serde::Serialize;

use super::events::EventQueue;
use super::{guard, run_async, run_sync};
use crate::error::Result as CoreResult;
use crate::sys::monitor::{self, Event, Schedule, Snapshot, Stop};
use crate::sys::{self as core, FieldSet, ProcessQuery, SysState};

/// A core value on its way to JS: any `Serialize` type becomes the equivalent JS value
/// (objects keep field order, `None` becomes `null`). Core numbers are `f64`/`u32`, never
/// `u64`, which napi's serializer would turn into a BigInt.
pub struct Js<T>(pub T);

impl<T: Serialize> ToNapiValue for Js<T> {
    unsafe fn to_napi_value(env: napi::sys::napi_env, val: Self) -> napi::Result<napi::sys::napi_value> {
        let env = Env::from_raw(env);
        Ok(env.to_js_value(&val.0)?.raw())
    }
}

fn state() -> CoreResult<&'static SysState> {
    core::state()
}

fn sync<T: Serialize>(
    env: &Env,
    op: &'static str,
    work: impl FnOnce(&SysState) -> CoreResult<T>,
) -> napi::Result<Js<T>> {
    run_sync(env, op, || work(state()?)).map(Js)
}

fn later<'e, T: Serialize + Send + 'static>(
    env: &'e Env,
    op: &'static str,
    work: impl FnOnce(&SysState) -> CoreResult<T> + Send + 'static,
) -> napi::Result<PromiseRaw<'e, Js<T>>> {
    run_async(env, op, move || work(state()?).map(Js))
}

/// Take the first CPU, network and process samples on a short-lived thread (called once by
/// `lib/sys.js` when it loads), so rates have something to start from. Nothing to report: if
/// it fails, the first calls fail the same way and say why.
#[napi(namespace = "sys", catch_unwind)]
pub fn prime() {
    let _ = std::thread::Builder::new().name("xsys-sys-prime".into()).spawn(|| guard("prime", core::prime));
}

#[napi(namespace = "sys", catch_unwind, ts_return_type = "unknown")]
pub fn info(env: &Env) -> napi::Result<Js<core::SysInfo>> {
    sync(env, "info", |s| Ok(s.info()))
}

/// `cpu()`: `out[0]` overall, `out[1]` timestamp, then one value per core (`lib/sys.js` builds
/// the object). Returns the number of cores; if `out` is shorter than 2 + that, nothing is
/// written and the caller retries with a longer array.
#[napi(namespace = "sys", catch_unwind, js_name = "cpuUsageInto")]
pub fn cpu_usage_into(env: &Env, mut out: Float64ArraySlice<'_>) -> napi::Result<u32> {
    // SAFETY: the array is only touched on this (the JS) thread during this call.
    let out = unsafe { out.as_mut() };
    run_sync(env, "cpu", || Ok(state()?.cpu_usage_into(out) as u32))
}

#[napi(namespace = "sys", catch_unwind, ts_return_type = "unknown")]
pub fn cpu_cores(env: &Env) -> napi::Result<Js<Vec<core::CpuCore>>> {
    sync(env, "cpu", |s| Ok(s.cpu_cores()))
}

/// `memory()` travels as [`MEMORY_WIDTH`] numbers in a `Float64Array` that `lib/sys.js` reuses
/// and turns into the object: building a 13-field object through N-API costs more than reading
/// `/proc/meminfo`. Layout: the fields of [`core::MemoryInfo`] in order, `limit` NaN for none.
pub const MEMORY_WIDTH: usize = 13;

fn put_memory(m: &core::MemoryInfo, out: &mut [f64; MEMORY_WIDTH]) {
    *out = [
        m.total,
        m.available,
        m.used,
        m.free,
        m.usage_percent,
        m.swap_total,
        m.swap_used,
        m.swap_free,
        m.swap_percent,
        m.limit.unwrap_or(f64::NAN),
        m.host_total,
        m.host_available,
        m.host_used,
    ];
}

/// Fills `out` (at least `MEMORY_WIDTH` = 13 long) with `memory()`; `lib/sys.js` builds the object.
#[napi(namespace = "sys", catch_unwind, js_name = "memoryInto")]
pub fn memory_into(env: &Env, mut out: Float64ArraySlice<'_>) -> napi::Result<()> {
    // SAFETY: the array is only touched on this (the JS) thread during this call.
    let out = unsafe { out.as_mut() };
    let Some(out) = out.first_chunk_mut::<MEMORY_WIDTH>() else {
        return Err(napi::Error::new(Status::InvalidArg, "memory buffer too small"));
    };
    run_sync(env, "memory", || Ok(put_memory(&state()?.memory(), out)))
}

#[napi(namespace = "sys", catch_unwind, ts_return_type = "unknown")]
pub fn disks_sync(env: &Env, mount: Option<String>) -> napi::Result<Js<DiskAnswer>> {
    sync(env, "disks", |s| Ok(DiskAnswer::of(s, mount)))
}

#[napi(namespace = "sys", catch_unwind, ts_return_type = "Promise<unknown>")]
pub fn disks(env: &Env, mount: Option<String>) -> napi::Result<PromiseRaw<'_, Js<DiskAnswer>>> {
    later(env, "disks", move |s| Ok(DiskAnswer::of(s, mount)))
}

/// All disks, or the one mounted at a given point (`null` if none).
#[derive(Serialize)]
#[serde(untagged)]
pub enum DiskAnswer {
    All(Vec<core::DiskInfo>),
    One(Option<core::DiskInfo>),
}

impl DiskAnswer {
    fn of(s: &SysState, mount: Option<String>) -> Self {
        match mount {
            Some(m) => DiskAnswer::One(s.disk(&m)),
            None => DiskAnswer::All(s.disks()),
        }
    }
}

/// All interfaces, or one (`null` if none).
#[derive(Serialize)]
#[serde(untagged)]
pub enum NetworkAnswer {
    All(core::NetworkStats),
    One(Option<core::NetworkInterface>),
}

#[napi(namespace = "sys", catch_unwind, ts_return_type = "unknown")]
pub fn network(env: &Env, name: Option<String>) -> napi::Result<Js<NetworkAnswer>> {
    sync(env, "network", |s| {
        Ok(match name {
            Some(name) => NetworkAnswer::One(s.interface(&name)),
            None => NetworkAnswer::All(s.network()),
        })
    })
}

fn process_query(pid: Option<u32>, top_cpu: Option<u32>, top_mem: Option<u32>, all: bool) -> ProcessQuery {
    match (pid, top_cpu, top_mem) {
        (Some(pid), _, _) => ProcessQuery::Pid(pid),
        (_, Some(n), _) => ProcessQuery::TopCpu(n as usize),
        (_, _, Some(n)) => ProcessQuery::TopMem(n as usize),
        _ if all => ProcessQuery::All,
        _ => ProcessQuery::Summary,
    }
}

fn field_set(fields: Option<Vec<String>>) -> CoreResult<FieldSet> {
    fields.map_or(Ok(FieldSet::ALL), |f| FieldSet::parse(&f))
}

#[napi(namespace = "sys", catch_unwind, ts_return_type = "unknown")]
pub fn processes_sync(
    env: &Env,
    pid: Option<u32>,
    top_cpu: Option<u32>,
    top_mem: Option<u32>,
    all: bool,
    fields: Option<Vec<String>>,
) -> napi::Result<Js<core::ProcessAnswer>> {
    sync(env, "processes", |s| Ok(s.processes(process_query(pid, top_cpu, top_mem, all), field_set(fields)?)))
}

#[napi(namespace = "sys", catch_unwind, ts_return_type = "Promise<unknown>")]
pub fn processes(
    env: &Env,
    pid: Option<u32>,
    top_cpu: Option<u32>,
    top_mem: Option<u32>,
    all: bool,
    fields: Option<Vec<String>>,
) -> napi::Result<PromiseRaw<'_, Js<core::ProcessAnswer>>> {
    later(env, "processes", move |s| Ok(s.processes(process_query(pid, top_cpu, top_mem, all), field_set(fields)?)))
}

#[napi(namespace = "sys", catch_unwind, ts_return_type = "unknown")]
pub fn temp_sync(env: &Env) -> napi::Result<Js<core::ThermalStats>> {
    sync(env, "temp", |s| Ok(s.temperatures()))
}

#[napi(namespace = "sys", catch_unwind, ts_return_type = "Promise<unknown>")]
pub fn temp(env: &Env) -> napi::Result<PromiseRaw<'_, Js<core::ThermalStats>>> {
    later(env, "temp", |s| Ok(s.temperatures()))
}

#[napi(namespace = "sys", catch_unwind, ts_return_type = "unknown")]
pub fn battery_sync(env: &Env) -> napi::Result<Js<core::BatteryInfo>> {
    sync(env, "battery", |s| Ok(s.battery()))
}

#[napi(namespace = "sys", catch_unwind, ts_return_type = "Promise<unknown>")]
pub fn battery(env: &Env) -> napi::Result<PromiseRaw<'_, Js<core::BatteryInfo>>> {
    later(env, "battery", |s| Ok(s.battery()))
}

#[napi(namespace = "sys", catch_unwind, ts_return_type = "unknown")]
pub fn ports_sync(env: &Env) -> napi::Result<Js<Vec<core::PortInfo>>> {
    sync(env, "ports", |s| s.ports())
}

#[napi(namespace = "sys", catch_unwind, ts_return_type = "Promise<unknown>")]
pub fn ports(env: &Env) -> napi::Result<PromiseRaw<'_, Js<Vec<core::PortInfo>>>> {
    later(env, "ports", |s| s.ports())
}

#[napi(namespace = "sys", catch_unwind, ts_return_type = "unknown")]
pub fn health(env: &Env) -> napi::Result<Js<core::Health>> {
    sync(env, "health", |s| Ok(s.health()))
}

#[napi(namespace = "sys", catch_unwind, ts_return_type = "unknown")]
pub fn quick(env: &Env) -> napi::Result<Js<core::QuickSnapshot>> {
    sync(env, "quick", |s| Ok(s.quick()))
}

#[napi(namespace = "sys", catch_unwind, ts_return_type = "unknown")]
pub fn user(env: &Env) -> napi::Result<Js<core::UserInfo>> {
    sync(env, "user", |s| Ok(s.user()))
}

#[napi(namespace = "sys", catch_unwind, ts_return_type = "unknown")]
pub fn paths(env: &Env) -> napi::Result<Js<core::Paths>> {
    sync(env, "paths", |s| Ok(s.paths()))
}

/// `signal` is a number (`lib/sys.js` resolves names with `os.constants.signals`).
#[napi(namespace = "sys", catch_unwind)]
pub fn kill(env: &Env, pid: u32, signal: i32) -> napi::Result<()> {
    run_sync(env, "kill", || state()?.kill(pid, signal))
}

/// A monitor's background thread. `close()` stops it and waits for it (it wakes at once).
#[napi(namespace = "sys")]
pub struct NativeMonitor {
    stop: Arc<Stop>,
    thread: Option<JoinHandle<()>>,
}

/// Start a monitor of the system (`pid` null) or of one process. `callback` receives batches
/// of events: `{type: "snapshot", data}`, `{type: "exit", pid, timestamp}`,
/// `{type: "error", code, message, errno, syscall}`, `{type: "end"}`.
#[napi(namespace = "sys", catch_unwind, js_name = "startMonitor")]
pub fn start_monitor(
    env: &Env,
    pid: Option<u32>,
    interval_ms: f64,
    duration_ms: Option<f64>,
    #[napi(ts_arg_type = "(events: unknown[]) => void")] callback: Function<'_, Vec<Js<Event<Snapshot>>>, ()>,
) -> napi::Result<NativeMonitor> {
    let queue = EventQueue::new(&callback)?;
    let schedule = Schedule {
        interval: Duration::from_millis(interval_ms as u64),
        duration: duration_ms.map(|ms| Duration::from_millis(ms as u64)),
    };
    let stop = Stop::new();
    let stopped = stop.clone();
    let thread = std::thread::Builder::new()
        .name(if pid.is_some() { "xsys-process-monitor" } else { "xsys-monitor" }.into())
        .spawn(move || {
            let emit = |event: Event<Snapshot>| queue.push(Js(event));
            // A panic anywhere in the loop (not only in a sample) must not unwind out of the
            // thread unreported: it becomes an `error` event.
            let outcome = guard("monitor", || {
                let s = state()?;
                monitor::run(schedule, &stopped, pid.unwrap_or(0), || guard("monitor", || Ok(sample(s, pid))), emit);
                Ok(())
            });
            if let Err(e) = outcome {
                queue.push(Js(Event::Error(e)));
                queue.push(Js(Event::End));
            }
        })
        .map_err(|e| super::js_error(env, &crate::error::Error::io(e, "monitor", "pthread_create")))?;
    Ok(NativeMonitor { stop, thread: Some(thread) })
}

fn sample(s: &SysState, pid: Option<u32>) -> Option<Snapshot> {
    match pid {
        None => Some(Snapshot::System(s.system_snapshot())),
        Some(pid) => s.process_snapshot(pid).map(Snapshot::Process),
    }
}

#[napi(namespace = "sys")]
impl NativeMonitor {
    #[napi(catch_unwind)]
    pub fn close(&mut self) {
        self.stop.stop();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for NativeMonitor {
    /// Collected without `close()` (or Node is tearing down): stop the thread, don't wait.
    fn drop(&mut self) {
        self.stop.stop();
    }
}

/// Test hook: the largest resident size, in KiB, of any child process this process has
/// waited for (getrusage(RUSAGE_CHILDREN)). It stays 0 until a child has run and been reaped,
/// whoever spawned it — which is how the test suite proves `sys` spawns nothing.
#[napi(catch_unwind, js_name = "__testChildrenMaxRss")]
pub fn test_children_max_rss() -> f64 {
    children_max_rss()
}

#[cfg(unix)]
fn children_max_rss() -> f64 {
    // SAFETY: getrusage fills a plain struct we own.
    unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        if libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) == 0 {
            usage.ru_maxrss as f64
        } else {
            -1.0
        }
    }
}

#[cfg(not(unix))]
fn children_max_rss() -> f64 {
    -1.0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `lib/sys.js` reads the numbers in the order of `MemoryInfo`'s fields, the order the
    /// object had when it was serialized field by field.
    #[test]
    fn memory_numbers_follow_the_fields_of_memory_info() {
        let mut m = core::MemoryInfo {
            total: 1.0,
            available: 2.0,
            used: 3.0,
            free: 4.0,
            usage_percent: 5.0,
            swap_total: 6.0,
            swap_used: 7.0,
            swap_free: 8.0,
            swap_percent: 9.0,
            limit: Some(10.0),
            host_total: 11.0,
            host_available: 12.0,
            host_used: 13.0,
        };
        let mut out = [0.0; MEMORY_WIDTH];
        put_memory(&m, &mut out);
        let json = serde_json::to_string(&m).unwrap();
        let serialized: Vec<f64> = json
            .trim_matches(|c| c == '{' || c == '}')
            .split(',')
            .map(|field| field.split_once(':').unwrap().1.parse().unwrap())
            .collect();
        assert_eq!(serialized, out);
        m.limit = None;
        put_memory(&m, &mut out);
        assert!(out[9].is_nan());
    }
}
