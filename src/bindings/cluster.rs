//! `NativeCluster`: the binding of `crate::cluster::Cluster`. Options arrive validated and
//! defaulted by `lib/cluster.js`; events leave through an [`EventQueue`] as plain objects that
//! `lib/cluster.js` turns into `Cluster` events.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Weak};
use std::time::Duration;

use napi::bindgen_prelude::*;
use napi::Env;
use napi_derive::napi;

use super::events::EventQueue;
use super::run_sync;
use crate::cluster::memory::MemoryPolicy;
use crate::cluster::policy::RestartPolicy;
use crate::cluster::{self as core, Event, EventSink, Listen, Op};

/// Options with every default filled in; durations in milliseconds, 0 = disabled where noted.
#[napi(object)]
pub struct NativeClusterOptions {
    pub program: String,
    pub args: Vec<String>,
    pub spares: u32,
    pub spare_args: Vec<String>,
    pub env: HashMap<String, String>,
    pub cwd: Option<String>,
    /// Absent: one per available CPU.
    pub workers: Option<u32>,
    pub listen_host: Option<String>,
    pub listen_port: Option<u32>,
    pub listen_backlog: Option<i32>,
    pub silent: bool,
    pub heartbeat_interval: f64,
    /// 0 disables.
    pub heartbeat_timeout: f64,
    /// 0 disables.
    pub ready_timeout: f64,
    pub restart_delay: f64,
    pub max_restart_delay: f64,
    pub max_restarts: u32,
    pub restart_window: f64,
    /// Bytes; absent: no limit.
    pub max_memory: Option<f64>,
    pub gc_ratio: f64,
    pub sample_interval: f64,
    pub max_frame: u32,
    pub stop_timeout: f64,
}

fn ms(v: f64) -> Duration {
    Duration::from_millis(v.max(0.0) as u64)
}

fn optional_ms(v: f64) -> Option<Duration> {
    (v > 0.0).then(|| ms(v))
}

impl From<NativeClusterOptions> for core::Config {
    fn from(o: NativeClusterOptions) -> Self {
        let listen = o.listen_port.map(|port| Listen {
            host: o.listen_host.unwrap_or_else(|| "0.0.0.0".into()),
            port: port as u16,
            backlog: o.listen_backlog.unwrap_or(511),
        });
        core::Config {
            program: PathBuf::from(o.program),
            args: o.args,
            spares: o.spares,
            spare_args: o.spare_args,
            env: o.env.into_iter().collect(),
            cwd: o.cwd.map(PathBuf::from),
            workers: o.workers,
            listen,
            silent: o.silent,
            heartbeat_interval: ms(o.heartbeat_interval),
            heartbeat_timeout: optional_ms(o.heartbeat_timeout),
            ready_timeout: optional_ms(o.ready_timeout),
            restart: RestartPolicy {
                base_delay: ms(o.restart_delay),
                max_delay: ms(o.max_restart_delay),
                max_restarts: o.max_restarts,
                window: ms(o.restart_window),
            },
            memory: MemoryPolicy { limit: o.max_memory.map(|b| b as u64), gc_ratio: o.gc_ratio },
            sample_interval: ms(o.sample_interval).max(Duration::from_millis(10)),
            max_frame: o.max_frame as usize,
            stop_timeout: ms(o.stop_timeout),
        }
    }
}

/// An error's fields as lib/cluster.js turns them into an Error (as `js_error` does for calls).
fn set_error(o: &mut Object, e: &crate::error::Error) -> napi::Result<()> {
    o.set("code", e.code.as_ref())?;
    o.set("message", e.message())?;
    super::set_system_fields(o, e)
}

/// The bodies of `frames` (whole frames, as the channel reader passes them on) as an array of JS
/// strings, if every frame is JSON; `None` otherwise. The reader has checked each JSON body
/// (valid UTF-8 and JSON), so each becomes a string as it is.
fn json_texts(env: napi::sys::napi_env, frames: &[u8]) -> napi::Result<Option<napi::sys::napi_value>> {
    use crate::cluster::frame::{checked_frames, Tag, HEADER};
    let mut bodies = Vec::new();
    let mut seen = 0;
    for (tag, body) in checked_frames(frames) {
        if tag != Tag::Json as u8 {
            return Ok(None);
        }
        seen += HEADER + 1 + body.len();
        bodies.push(body);
    }
    if seen != frames.len() {
        return Ok(None);
    }
    let mut array = std::ptr::null_mut();
    // SAFETY (whole block): napi calls on the env's own thread (this runs in to_napi_value); every
    // pointer passed is live for the call, and lengths match the slices.
    unsafe {
        napi::check_status!(napi::sys::napi_create_array_with_length(env, bodies.len(), &mut array))?;
        for (i, body) in bodies.iter().enumerate() {
            let mut text = std::ptr::null_mut();
            napi::check_status!(napi::sys::napi_create_string_utf8(
                env,
                body.as_ptr().cast(),
                body.len() as isize,
                &mut text
            ))?;
            napi::check_status!(napi::sys::napi_set_element(env, array, i as u32, text))?;
        }
    }
    Ok(Some(array))
}

/// Message batches up to this size reach JS as a copy (see `Event::Messages` below).
const COPY_AT_MOST: usize = 64 * 1024;

/// One core event on its way to JS, as a plain object with a `kind`.
pub struct JsEvent {
    event: Event,
    /// The queue it travels through, for the events that act on the JS thread (weak: the
    /// queue's own pending events must not keep it alive).
    queue: Weak<EventQueue<JsEvent>>,
}

impl ToNapiValue for JsEvent {
    unsafe fn to_napi_value(raw_env: napi::sys::napi_env, val: Self) -> napi::Result<napi::sys::napi_value> {
        let env = Env::from_raw(raw_env);
        let mut o = Object::new(&env)?;
        let JsEvent { event, queue } = val;
        let kind = match event {
            Event::Online { id, pid } => {
                o.set("id", id)?;
                o.set("pid", pid)?;
                "online"
            }
            Event::Ready { id, pid } => {
                o.set("id", id)?;
                o.set("pid", pid)?;
                "ready"
            }
            Event::Messages { id, pid, frames, credit } => {
                o.set("id", id)?;
                o.set("pid", pid)?;
                // Small batches are copied into a plain Buffer: an external one costs a
                // finalizer that Node runs through a threadsafe immediate (another wake-up of
                // the loop) for every message. Large ones are handed over without a copy.
                if frames.len() <= COPY_AT_MOST {
                    // All JSON (the usual case): the texts as strings, for JSON.parse as they
                    // are, with no Buffer in between.
                    match json_texts(raw_env, &frames)? {
                        Some(texts) => {
                            // SAFETY: a live object and value of this env; a NUL-terminated key.
                            napi::check_status!(unsafe {
                                napi::sys::napi_set_named_property(raw_env, o.raw(), c"texts".as_ptr(), texts)
                            })?;
                        }
                        None => o.set("data", BufferSlice::copy_from(&env, &frames)?)?,
                    }
                } else {
                    o.set("data", Buffer::from(frames))?;
                }
                // The bytes now belong to JS: release them from the flow-control account.
                drop(credit);
                "messages"
            }
            Event::Exit { id, pid, code, signal, reason } => {
                o.set("id", id)?;
                o.set("pid", pid)?;
                o.set("code", code)?;
                o.set("signal", signal)?;
                o.set("reason", reason.name())?;
                "exit"
            }
            Event::Restart { id, pid, delay, restarts, reason } => {
                o.set("id", id)?;
                o.set("pid", pid)?;
                o.set("delay", delay.as_secs_f64() * 1000.0)?;
                o.set("restarts", restarts)?;
                o.set("reason", reason.name())?;
                "restart"
            }
            Event::Failed { id, restarts } => {
                o.set("id", id)?;
                o.set("restarts", restarts)?;
                "failed"
            }
            Event::Memory { id, pid, rss, limit, action } => {
                o.set("id", id)?;
                o.set("pid", pid)?;
                o.set("rss", rss as f64)?;
                o.set("limit", limit as f64)?;
                o.set("action", action.name())?;
                "memory"
            }
            Event::Error { id, pid, error } => {
                o.set("id", id)?;
                o.set("pid", pid)?;
                set_error(&mut o, &error)?;
                "error"
            }
            Event::Drain { id } => {
                o.set("id", id)?;
                "drain"
            }
            Event::Done { op, seq, result } => {
                o.set(
                    "op",
                    match op {
                        Op::Start => "start",
                        Op::Reload => "reload",
                    },
                )?;
                o.set("seq", seq)?;
                if let Err(error) = result {
                    set_error(&mut o, &error)?;
                }
                "done"
            }
            // Every worker has exited and its channel was read to the end: stop polling the
            // channels now, so their descriptors are closed when `stop()` resolves.
            Event::Closed => {
                #[cfg(target_os = "linux")]
                if let Some(queue) = queue.upgrade() {
                    super::cluster_poll::detach_all(&queue);
                }
                "closed"
            }
            // Reading can only be set up on the JS thread, which is where this runs. The
            // object that stands for it is ignored by lib/cluster.js. Where nothing attaches,
            // the supervisor keeps reading.
            Event::Attach { reader } => {
                #[cfg(target_os = "linux")]
                if let Some(queue) = queue.upgrade() {
                    super::cluster_poll::attach(&env, reader, queue);
                }
                #[cfg(not(target_os = "linux"))]
                drop((reader, queue));
                "attach"
            }
        };
        o.set("kind", kind)?;
        Ok(o.raw())
    }
}

struct QueueSink(Arc<EventQueue<JsEvent>>);

impl EventSink for QueueSink {
    fn emit(&self, event: Event) -> bool {
        self.0.push(JsEvent { event, queue: Arc::downgrade(&self.0) })
    }
}

#[napi(object, object_from_js = false)]
pub struct NativeWorkerInfo {
    pub id: u32,
    pub pid: Option<u32>,
    pub state: String,
    pub restarts: u32,
    pub rss: f64,
    pub cpu: f64,
    pub uptime: f64,
}

#[napi(object, object_from_js = false)]
pub struct NativeAddress {
    pub address: String,
    pub family: String,
    pub port: u32,
}

/// The native half of `Cluster` (see `lib/cluster.js`): exists from `start()` until `closed`.
#[napi]
pub struct NativeCluster {
    inner: core::Cluster,
}

#[napi]
impl NativeCluster {
    /// Bind the shared port, start the supervisor and spawn the workers. `callback` receives
    /// event batches; a `done` event with `seq: startSeq` reports when all workers are ready.
    #[napi(constructor, catch_unwind)]
    pub fn new(
        env: Env,
        options: NativeClusterOptions,
        start_seq: u32,
        #[napi(ts_arg_type = "(events: Array<Record<string, any>>) => void")] callback: Function<'_, Vec<JsEvent>, ()>,
    ) -> napi::Result<Self> {
        let queue = Arc::new(EventQueue::new(&callback)?);
        run_sync(&env, "start", || {
            let sink: Arc<dyn EventSink> = Arc::new(QueueSink(queue));
            Ok(NativeCluster { inner: core::Cluster::start(options.into(), sink, start_seq)? })
        })
    }

    /// Send whole frames to worker `id`; false when its queue is over the high-water mark.
    #[napi(catch_unwind)]
    pub fn write(&self, env: Env, id: u32, frames: &[u8]) -> napi::Result<bool> {
        run_sync(&env, "send", || self.inner.write(id, frames))
    }

    /// Send whole frames to every running worker; the ids whose queue is over the mark.
    #[napi(catch_unwind)]
    pub fn broadcast(&self, frames: &[u8]) -> Vec<u32> {
        self.inner.broadcast(frames)
    }

    /// Roll through the workers; a `done` event with `seq` follows.
    #[napi(catch_unwind)]
    pub fn reload(&self, env: Env, seq: u32) -> napi::Result<()> {
        run_sync(&env, "reload", || self.inner.reload(seq))
    }

    /// Graceful shutdown, SIGTERM after `timeoutMs`, SIGKILL 2 s later; `closed` follows.
    #[napi(catch_unwind)]
    pub fn stop(&self, timeout_ms: f64) {
        self.inner.stop(ms(timeout_ms));
    }

    #[napi(catch_unwind)]
    pub fn workers(&self) -> Vec<NativeWorkerInfo> {
        self.inner
            .workers()
            .into_iter()
            .map(|w| NativeWorkerInfo {
                id: w.id,
                pid: w.pid,
                state: w.state.name().to_string(),
                restarts: w.restarts,
                rss: w.rss as f64,
                cpu: w.cpu,
                uptime: w.uptime,
            })
            .collect()
    }

    #[napi(catch_unwind)]
    pub fn address(&self) -> Option<NativeAddress> {
        self.inner.address().map(|a| NativeAddress {
            address: a.ip().to_string(),
            family: if a.is_ipv4() { "IPv4" } else { "IPv6" }.to_string(),
            port: a.port().into(),
        })
    }

    /// Wait for the supervisor thread after `closed` (it has already finished its work).
    #[napi(catch_unwind)]
    pub fn join(&mut self) {
        self.inner.join();
    }
}

/// The CPUs this process may use (cgroup quota and affinity respected): `workers: 'auto'`.
#[napi(catch_unwind)]
pub fn available_parallelism() -> u32 {
    core::available_parallelism()
}
