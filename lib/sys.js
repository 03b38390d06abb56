'use strict';
// `sys`: system information and live monitors, around one long-lived native state
// (src/sys/mod.rs). Questions answered in microseconds are synchronous; those that read a file
// per process, per socket or per sensor (processes, ports, disks, temp, battery) return a
// Promise, their work running off the JS thread, and have a `…Sync` twin. See index.d.ts.
const os = require('node:os');
const { sys: native } = require('../binding.js');
const { Monitor } = require('./monitor.js');
const v = require('./validate.js');

// First CPU, network and process samples, so that rates measured later have a starting point.
native.prime();

const MAX_PID = 2 ** 31 - 1; // pid_t

// memory() and cpu() numbers arrive in reusable Float64Arrays and the objects are built here:
// one object literal in JS costs a fraction of setting each field through N-API. Layouts in
// src/bindings/sys.rs (memoryInto, cpuUsageInto).
const MEMORY_WIDTH = 13;
const memoryNumbers = new Float64Array(MEMORY_WIDTH);
let cpuNumbers = new Float64Array(2 + os.availableParallelism());

/** `MemoryInfo`, fields in the order of src/sys/memory.rs; `limit` is NaN natively for none. */
function memory() {
  const m = memoryNumbers;
  native.memoryInto(m);
  const limit = m[9];
  return {
    total: m[0],
    available: m[1],
    used: m[2],
    free: m[3],
    usage_percent: m[4],
    swap_total: m[5],
    swap_used: m[6],
    swap_free: m[7],
    swap_percent: m[8],
    limit: Number.isNaN(limit) ? null : limit,
    host_total: m[10],
    host_available: m[11],
    host_used: m[12],
  };
}

/** `CpuUsage`: overall, per_core, timestamp. */
function cpuUsage() {
  let n = native.cpuUsageInto(cpuNumbers);
  while (cpuNumbers.length < 2 + n) {
    // More CPUs than the affinity mask shows (nothing was written): grow, and ask again.
    cpuNumbers = new Float64Array(2 + n);
    n = native.cpuUsageInto(cpuNumbers);
  }
  const c = cpuNumbers;
  const perCore = new Array(n);
  for (let i = 0; i < n; i++) perCore[i] = c[2 + i];
  return { overall: c[0], per_core: perCore, timestamp: c[1] };
}

/** A pid: an integer (TypeError otherwise) from 1 to 2^31-1 (RangeError otherwise). */
function pidOf(value, name) {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw v.invalidArgType(name, 'an integer', value);
  if (value < 1 || value > MAX_PID) throw v.outOfRange(name, `>= 1 and <= ${MAX_PID}`, value);
  return value;
}

/** `disks('/')` or `disks({ mount: '/' })`; the same for `network`. */
function selector(value, key) {
  if (typeof value === 'string') return value;
  return v.string(v.options(value), key, null);
}

function processArgs(options) {
  const o = v.options(options);
  const pid = o.pid === undefined || o.pid === null ? null : pidOf(o.pid, 'options.pid');
  const topCpu = v.integer(o, 'topCpu', null, 0, 2 ** 32 - 1);
  const topMem = v.integer(o, 'topMem', null, 0, 2 ** 32 - 1);
  let fields = null;
  if (o.fields !== undefined && o.fields !== null) {
    if (!Array.isArray(o.fields) || !o.fields.every((f) => typeof f === 'string')) {
      throw v.invalidArgType('options.fields', 'an array of strings', o.fields);
    }
    fields = o.fields;
  }
  // Asking for fields without another mode means the full list with those fields.
  const all = v.bool(o, 'all', false) || fields !== null;
  return [pid, topCpu, topMem, all, fields];
}

function signalOf(signal) {
  if (signal === undefined) return os.constants.signals.SIGTERM;
  if (typeof signal === 'number') {
    if (!Number.isInteger(signal) || signal < 0) throw v.outOfRange('signal', 'an integer >= 0', signal);
    return signal;
  }
  if (typeof signal !== 'string') throw v.invalidArgType('signal', 'of type string or number', signal);
  const number = Object.hasOwn(os.constants.signals, signal) ? os.constants.signals[signal] : undefined;
  if (number === undefined) {
    const err = new RangeError(`Unknown signal: ${signal}`);
    err.code = 'ERR_UNKNOWN_SIGNAL';
    throw err;
  }
  return number;
}

const sys = {
  info: () => native.info(),

  cpu(options) {
    if (options === undefined) return cpuUsage();
    return v.bool(v.options(options), 'cores', false) ? native.cpuCores() : cpuUsage();
  },

  memory,

  disks: async (mount) => native.disks(selector(mount, 'mount')),
  disksSync: (mount) => native.disksSync(selector(mount, 'mount')),

  network: (iface) => native.network(selector(iface, 'interface')),

  processes: async (options) => native.processes(...processArgs(options)),
  processesSync: (options) => native.processesSync(...processArgs(options)),

  temp: async () => native.temp(),
  tempSync: () => native.tempSync(),

  battery: async () => native.battery(),
  batterySync: () => native.batterySync(),

  ports: async () => native.ports(),
  portsSync: () => native.portsSync(),

  health: () => native.health(),
  quick: () => native.quick(),
  user: () => native.user(),
  paths: () => native.paths(),

  /** The environment Node sees (process.env is the source of truth, edits included). */
  env(name) {
    if (name === undefined) return { ...process.env };
    v.requireString(name, 'name');
    const value = process.env[name];
    return value === undefined ? null : value;
  },

  kill(pid, signal) {
    const target = pidOf(pid, 'pid');
    const number = signalOf(signal);
    try {
      native.kill(target, number);
    } catch (err) {
      err.pid = target;
      throw err;
    }
    return true;
  },

  /** `memory()` and `info()` in one object, with XyPriss's `$hardware` keys. */
  hardware() {
    const m = memory();
    // eslint-disable-next-line no-unused-vars
    const { total_memory, used_memory, available_memory, total_swap, used_swap, architecture, ...rest } = native.info();
    return { ...m, ...rest, arch: architecture };
  },

  monitor: (options) => new Monitor(null, options),
  monitorProcess: (pid, options) => new Monitor(pidOf(pid, 'pid'), options),
};

module.exports = { sys, Monitor };
