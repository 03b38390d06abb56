//! `processes()`: a summary, one process, the top N by CPU or memory, or the full list.
//!
//! Threads are not processes: the table is refreshed without tasks (sysinfo's default lists
//! every Linux thread as an entry, which inflated counts and flooded top-memory lists with
//! copies of the biggest process), and a pid query for a thread id answers `None`.
//!
//! Only what the requested fields need is read: the command line, executable and owner come
//! from extra files per process and are read once per process; disk counters only when asked.
//!
//! CPU usage is computed here, not by sysinfo: sysinfo moves a process's previous CPU time on
//! every refresh, even one that does not compute usage, so a single-pid query between two scans
//! would corrupt the next scan's numbers. Here each process has its own window (see `rates`)
//! over its accumulated CPU time; until its first window completes, its usage is the average
//! over its lifetime, like `ps`. 100 means one full core; a process can exceed 100.

use std::collections::HashMap;
use std::time::Instant;

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use sysinfo::{Pid, Process, ProcessRefreshKind, ProcessesToUpdate, System, UpdateKind};

use super::procfs;
use super::rates::Rate;
use crate::error::{Error, Result};

/// The fields of a process, in output order.
pub const FIELD_NAMES: [&str; 14] = [
    "pid",
    "name",
    "exe",
    "cmd",
    "cpu_usage",
    "memory",
    "virtual_memory",
    "status",
    "start_time",
    "run_time",
    "parent_pid",
    "user_id",
    "disk_read",
    "disk_write",
];

const EXE: u16 = 1 << 2;
const CMD: u16 = 1 << 3;
const MEMORY: u16 = 1 << 5 | 1 << 6;
const USER: u16 = 1 << 11;
const DISK: u16 = 1 << 12 | 1 << 13;

/// Which fields to read and return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSet(u16);

impl FieldSet {
    pub const ALL: FieldSet = FieldSet((1 << FIELD_NAMES.len()) - 1);
    /// Nothing beyond what every scan reads anyway (pid, status, CPU time).
    pub const NONE: FieldSet = FieldSet(0);

    /// From field names; an unknown name is a TypeError listing the known ones.
    pub fn parse<S: AsRef<str>>(names: &[S]) -> Result<FieldSet> {
        names.iter().try_fold(FieldSet(0), |set, name| {
            let name = name.as_ref();
            match FIELD_NAMES.iter().position(|f| *f == name) {
                Some(i) => Ok(FieldSet(set.0 | 1 << i)),
                None => Err(Error::invalid_arg(
                    "processes",
                    format!("unknown field '{name}' (fields: {})", FIELD_NAMES.join(", ")),
                )),
            }
        })
    }

    fn has(self, bits: u16) -> bool {
        self.0 & bits != 0
    }

    fn with(self, bits: u16) -> FieldSet {
        FieldSet(self.0 | bits)
    }
}

/// One process, XyPriss's `ProcessInfo`.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessInfo {
    pub pid: u32,
    pub name: String,
    /// `None` when it cannot be read (another user's process, without privileges).
    pub exe: Option<String>,
    pub cmd: Vec<String>,
    /// Percent of one core over the latest window.
    pub cpu_usage: f64,
    /// Resident set size, bytes.
    pub memory: f64,
    pub virtual_memory: f64,
    /// `"Run"`, `"Sleep"`, `"Idle"`, `"Stop"`, `"Zombie"`, … (sysinfo's names).
    pub status: String,
    /// Unix seconds.
    pub start_time: f64,
    /// Seconds.
    pub run_time: f64,
    pub parent_pid: Option<u32>,
    /// The numeric uid as a string (`"1000"`), the SID on Windows.
    pub user_id: Option<String>,
    /// Bytes read and written since the process started (0 when not readable).
    pub disk_read: f64,
    pub disk_write: f64,
}

/// `processes()` without options: how many processes, by state. The buckets add up to
/// `total_processes` (the original's left most states out).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ProcessStats {
    pub total_processes: u32,
    pub running: u32,
    pub sleeping: u32,
    /// Idle kernel threads.
    pub idle: u32,
    /// Stopped or traced.
    pub stopped: u32,
    pub zombie: u32,
    /// Everything else: uninterruptible disk sleep, dead, parked, …
    pub other: u32,
}

/// What to answer, in XyPriss's priority order: pid, then top CPU, then top memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcessQuery {
    Summary,
    Pid(u32),
    TopCpu(usize),
    TopMem(usize),
    All,
}

#[derive(Debug, Clone)]
pub enum ProcessAnswer {
    Summary(ProcessStats),
    One(Option<ProcessInfo>, FieldSet),
    List(Vec<ProcessInfo>, FieldSet),
}

struct CpuClock {
    start_time: u64,
    cpu_ms: Rate,
    usage: f64,
}

pub struct Table {
    system: System,
    clocks: HashMap<Pid, CpuClock>,
}

impl Table {
    pub fn new() -> Result<Self, sysinfo::Error> {
        Ok(Table { system: System::new()?, clocks: HashMap::new() })
    }

    pub fn answer(&mut self, query: ProcessQuery, fields: FieldSet) -> ProcessAnswer {
        match query {
            ProcessQuery::Summary => {
                self.refresh_all(FieldSet::NONE);
                ProcessAnswer::Summary(self.summary())
            }
            ProcessQuery::Pid(pid) => ProcessAnswer::One(self.one(pid, fields), fields),
            ProcessQuery::TopCpu(n) => ProcessAnswer::List(self.top(n, fields, by_cpu), fields),
            ProcessQuery::TopMem(n) => ProcessAnswer::List(self.top(n, fields.with(MEMORY), by_memory), fields),
            ProcessQuery::All => {
                self.refresh_all(fields);
                let mut all = self.rows();
                all.sort_by_key(|p| p.pid);
                ProcessAnswer::List(all, fields)
            }
        }
    }

    /// Number of processes, after a minimal scan.
    pub fn count(&mut self) -> usize {
        self.refresh_all(FieldSet::NONE);
        self.system.processes().len()
    }

    pub fn refresh_all(&mut self, fields: FieldSet) {
        self.system.refresh_processes_specifics(ProcessesToUpdate::All, true, refresh_kind(fields));
        let now = Instant::now();
        let Table { system, clocks } = self;
        for (pid, p) in system.processes() {
            tick(clocks, *pid, p, now);
        }
        clocks.retain(|pid, _| system.processes().contains_key(pid));
    }

    fn one(&mut self, pid: u32, fields: FieldSet) -> Option<ProcessInfo> {
        if procfs::is_thread_of_another_process(pid) {
            return None;
        }
        let key = Pid::from_u32(pid);
        self.system.refresh_processes_specifics(ProcessesToUpdate::Some(&[key]), true, refresh_kind(fields));
        let Some(p) = self.system.process(key) else {
            self.clocks.remove(&key);
            return None;
        };
        let usage = tick(&mut self.clocks, key, p, Instant::now());
        Some(row(p, usage))
    }

    fn top(
        &mut self,
        n: usize,
        fields: FieldSet,
        order: fn(&ProcessInfo, &ProcessInfo) -> std::cmp::Ordering,
    ) -> Vec<ProcessInfo> {
        self.refresh_all(fields);
        let mut all = self.rows();
        all.sort_by(order);
        all.truncate(n);
        all
    }

    fn rows(&self) -> Vec<ProcessInfo> {
        self.system.processes().iter().map(|(pid, p)| row(p, self.clocks.get(pid).map_or(0.0, |c| c.usage))).collect()
    }

    fn summary(&self) -> ProcessStats {
        use sysinfo::ProcessStatus::*;
        let mut s = ProcessStats::default();
        for p in self.system.processes().values() {
            s.total_processes += 1;
            let bucket = match p.status() {
                Run => &mut s.running,
                Sleep => &mut s.sleeping,
                Idle => &mut s.idle,
                Stop | Tracing => &mut s.stopped,
                Zombie => &mut s.zombie,
                _ => &mut s.other,
            };
            *bucket += 1;
        }
        s
    }
}

fn refresh_kind(fields: FieldSet) -> ProcessRefreshKind {
    // CPU time comes from the same `stat` file as the status and is always wanted.
    let mut kind = ProcessRefreshKind::nothing().without_tasks().with_cpu();
    if fields.has(MEMORY) {
        kind = kind.with_memory();
    }
    if fields.has(EXE) {
        kind = kind.with_exe(UpdateKind::OnlyIfNotSet);
    }
    if fields.has(CMD) {
        kind = kind.with_cmd(UpdateKind::OnlyIfNotSet);
    }
    if fields.has(USER) {
        kind = kind.with_user(UpdateKind::OnlyIfNotSet);
    }
    if fields.has(DISK) {
        kind = kind.with_disk_usage();
    }
    kind
}

/// Feed a process's CPU time into its clock; returns its current usage.
fn tick(clocks: &mut HashMap<Pid, CpuClock>, pid: Pid, p: &Process, now: Instant) -> f64 {
    let cpu_ms = p.accumulated_cpu_time();
    let start = || CpuClock {
        start_time: p.start_time(),
        cpu_ms: Rate::start(cpu_ms, now),
        usage: lifetime_usage(cpu_ms, p.run_time()),
    };
    let clock = clocks.entry(pid).or_insert_with(start);
    if clock.start_time != p.start_time() {
        // The pid was reused by a new process.
        *clock = start();
    }
    if let Some(ms_per_second) = clock.cpu_ms.observe(cpu_ms, now) {
        clock.usage = ms_per_second / 10.0; // ms of CPU per second of wall time, as a percentage
    }
    clock.usage
}

fn lifetime_usage(cpu_ms: u64, run_time_s: u64) -> f64 {
    if run_time_s == 0 {
        0.0
    } else {
        cpu_ms as f64 / (run_time_s as f64 * 1000.0) * 100.0
    }
}

fn row(p: &Process, cpu_usage: f64) -> ProcessInfo {
    let disk = p.disk_usage();
    ProcessInfo {
        pid: p.pid().as_u32(),
        name: p.name().to_string_lossy().into_owned(),
        exe: p.exe().map(|e| e.to_string_lossy().into_owned()),
        cmd: p.cmd().iter().map(|a| a.to_string_lossy().into_owned()).collect(),
        cpu_usage,
        memory: p.memory() as f64,
        virtual_memory: p.virtual_memory() as f64,
        status: format!("{:?}", p.status()),
        start_time: p.start_time() as f64,
        run_time: p.run_time() as f64,
        parent_pid: p.parent().map(|pp| pp.as_u32()),
        user_id: p.user_id().map(|uid| (**uid).to_string()),
        disk_read: disk.total_read_bytes as f64,
        disk_write: disk.total_written_bytes as f64,
    }
}

fn by_cpu(a: &ProcessInfo, b: &ProcessInfo) -> std::cmp::Ordering {
    b.cpu_usage.total_cmp(&a.cpu_usage).then(a.pid.cmp(&b.pid))
}

fn by_memory(a: &ProcessInfo, b: &ProcessInfo) -> std::cmp::Ordering {
    b.memory.total_cmp(&a.memory).then(a.pid.cmp(&b.pid))
}

/// A process with only the selected fields.
struct Selected<'a>(&'a ProcessInfo, FieldSet);

impl Serialize for Selected<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let (p, fields) = (self.0, self.1);
        let mut map = serializer.serialize_map(Some(fields.0.count_ones() as usize))?;
        for (i, name) in FIELD_NAMES.iter().enumerate() {
            if !fields.has(1 << i) {
                continue;
            }
            match i {
                0 => map.serialize_entry(name, &p.pid)?,
                1 => map.serialize_entry(name, &p.name)?,
                2 => map.serialize_entry(name, &p.exe)?,
                3 => map.serialize_entry(name, &p.cmd)?,
                4 => map.serialize_entry(name, &p.cpu_usage)?,
                5 => map.serialize_entry(name, &p.memory)?,
                6 => map.serialize_entry(name, &p.virtual_memory)?,
                7 => map.serialize_entry(name, &p.status)?,
                8 => map.serialize_entry(name, &p.start_time)?,
                9 => map.serialize_entry(name, &p.run_time)?,
                10 => map.serialize_entry(name, &p.parent_pid)?,
                11 => map.serialize_entry(name, &p.user_id)?,
                12 => map.serialize_entry(name, &p.disk_read)?,
                _ => map.serialize_entry(name, &p.disk_write)?,
            }
        }
        map.end()
    }
}

impl Serialize for ProcessInfo {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        Selected(self, FieldSet::ALL).serialize(serializer)
    }
}

/// A summary object, `null`, one process, or an array of processes.
impl Serialize for ProcessAnswer {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            ProcessAnswer::Summary(stats) => stats.serialize(serializer),
            ProcessAnswer::One(None, _) => serializer.serialize_none(),
            ProcessAnswer::One(Some(p), fields) => Selected(p, *fields).serialize(serializer),
            ProcessAnswer::List(list, fields) => {
                let mut seq = serializer.serialize_seq(Some(list.len()))?;
                for p in list {
                    seq.serialize_element(&Selected(p, *fields))?;
                }
                seq.end()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn own_pid() -> u32 {
        std::process::id()
    }

    #[test]
    fn fields_parse_and_unknown_names_are_type_errors() {
        assert_eq!(FieldSet::parse(&["pid", "name"]).unwrap(), FieldSet(0b11));
        let e = FieldSet::parse(&["pid", "colour"]).unwrap_err();
        assert_eq!(e.code, "ERR_INVALID_ARG_VALUE");
        assert!(e.description.contains("'colour'"));
    }

    #[test]
    fn this_process_is_found_with_its_own_values() {
        let mut t = Table::new().unwrap();
        let ProcessAnswer::One(Some(p), _) = t.answer(ProcessQuery::Pid(own_pid()), FieldSet::ALL) else {
            panic!("own process not found");
        };
        assert_eq!(p.pid, own_pid());
        assert!(p.memory > 0.0 && p.virtual_memory >= p.memory);
        assert_eq!(p.exe.as_deref(), std::env::current_exe().ok().as_deref().and_then(|e| e.to_str()));
        assert!(!p.cmd.is_empty());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_thread_id_is_not_a_process() {
        let (tx, rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
        let handle = std::thread::spawn(move || {
            tx.send(unsafe { libc::gettid() } as u32).unwrap();
            let _ = stop_rx.recv();
        });
        let tid = rx.recv().unwrap();
        let mut t = Table::new().unwrap();
        assert!(matches!(t.answer(ProcessQuery::Pid(tid), FieldSet::ALL), ProcessAnswer::One(None, _)));
        let ProcessAnswer::List(all, _) = t.answer(ProcessQuery::All, FieldSet::NONE) else { unreachable!() };
        assert!(all.iter().any(|p| p.pid == own_pid()));
        assert!(!all.iter().any(|p| p.pid == tid));
        stop_tx.send(()).unwrap();
        handle.join().unwrap();
    }

    #[test]
    fn an_unknown_pid_is_none() {
        let mut t = Table::new().unwrap();
        assert!(matches!(t.answer(ProcessQuery::Pid(u32::MAX - 7), FieldSet::ALL), ProcessAnswer::One(None, _)));
    }

    #[test]
    fn summary_buckets_add_up() {
        let mut t = Table::new().unwrap();
        let ProcessAnswer::Summary(s) = t.answer(ProcessQuery::Summary, FieldSet::ALL) else { unreachable!() };
        assert!(s.total_processes > 0);
        assert_eq!(s.running + s.sleeping + s.idle + s.stopped + s.zombie + s.other, s.total_processes);
    }

    #[test]
    fn top_lists_are_sorted_and_truncated() {
        let mut t = Table::new().unwrap();
        let ProcessAnswer::List(top, _) = t.answer(ProcessQuery::TopMem(3), FieldSet::ALL) else { unreachable!() };
        assert_eq!(top.len(), 3);
        assert!(top.windows(2).all(|w| w[0].memory >= w[1].memory));
        let ProcessAnswer::List(top, _) = t.answer(ProcessQuery::TopCpu(2), FieldSet::ALL) else { unreachable!() };
        assert!(top.len() == 2 && top[0].cpu_usage >= top[1].cpu_usage);
    }

    #[test]
    fn busy_cpu_time_shows_as_usage_over_the_window() {
        let mut t = Table::new().unwrap();
        let pid = own_pid();
        t.answer(ProcessQuery::Pid(pid), FieldSet::NONE);
        let until = Instant::now() + std::time::Duration::from_millis(400);
        let mut x = 0u64;
        while Instant::now() < until {
            x = x.wrapping_mul(31).wrapping_add(7);
        }
        std::hint::black_box(x);
        let ProcessAnswer::One(Some(p), _) = t.answer(ProcessQuery::Pid(pid), FieldSet::NONE) else { unreachable!() };
        // One thread spun for the whole window; on a busy shared machine it still gets a share.
        assert!(p.cpu_usage > 10.0, "cpu_usage {}", p.cpu_usage);
    }

    #[test]
    fn selected_fields_serialize_in_order_with_nulls() {
        let p = ProcessInfo {
            pid: 7,
            name: "x".into(),
            exe: None,
            cmd: vec![],
            cpu_usage: 1.5,
            memory: 2.0,
            virtual_memory: 3.0,
            status: "Run".into(),
            start_time: 4.0,
            run_time: 5.0,
            parent_pid: None,
            user_id: None,
            disk_read: 0.0,
            disk_write: 0.0,
        };
        let only = FieldSet::parse(&["exe", "pid"]).unwrap();
        let json = serde_json::to_string(&Selected(&p, only)).unwrap();
        assert_eq!(json, r#"{"pid":7,"exe":null}"#);
        let none = serde_json::to_string(&ProcessAnswer::One(None, only)).unwrap();
        assert_eq!(none, "null");
    }

    #[test]
    fn lifetime_usage_before_a_window() {
        assert_eq!(lifetime_usage(500, 1), 50.0);
        assert_eq!(lifetime_usage(500, 0), 0.0);
    }
}
