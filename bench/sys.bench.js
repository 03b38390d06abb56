'use strict';
// System information: xypriss-sys against systeminformation (the npm package a Node user would
// reach for) and node:os. Every answer is checked first; where two tools cannot give the same
// answer, the harness says why it was not compared.
const os = require('node:os');
const net = require('node:net');
const { once } = require('node:events');
const si = require('systeminformation');
const { sys } = require('..');
const { compare } = require('./harness.js');

// systeminformation answers repeated calls from its own caches: processes() and networkStats()
// for 500 ms, currentLoad() for 200 ms. A contender marked "fresh" advances its clock by a second
// before each call, so it does the work a dashboard polling once a second pays for. xypriss-sys
// reads /proc on every call; only its CPU usage window is kept for 200 ms (see src/sys/cpu.rs),
// like systeminformation's currentLoad().
const realNow = Date.now;
let skew = 0;
Date.now = () => realNow() + skew;
const fresh = (fn) => () => {
  skew += 1000;
  return fn();
};

async function run() {
  // Let the first CPU and network windows complete, so every call below measures a real window.
  await new Promise((resolve) => setTimeout(resolve, 250));

  // S1: the dashboard question, memory and CPU usage together.
  await compare({
    title: 'memory() + cpu() together (usage %, per core)',
    contenders: {
      'xypriss-sys memory() + cpu()': () => ({ memory: sys.memory(), cpu: sys.cpu() }),
      'systeminformation mem() + currentLoad()': async () => ({ memory: await si.mem(), cpu: await si.currentLoad() }),
      'systeminformation mem() + currentLoad(), fresh': fresh(async () => ({ memory: await si.mem(), cpu: await si.currentLoad() })),
      'node:os totalmem() + freemem() + cpus()': () => ({ total: os.totalmem(), free: os.freemem(), cpus: os.cpus() }),
    },
    answer: (v, name) => {
      if (name.startsWith('xypriss-sys')) return { total: v.memory.host_total, cores: v.cpu.per_core.length };
      if (name.startsWith('systeminformation')) return { total: v.memory.total, cores: v.cpu.cpus.length };
      return { total: v.total, cores: v.cpus.length };
    },
  });

  // S3: the full process list.
  const count = sys.processesSync().total_processes;
  const self = (list, pid, parent) => list.filter((p) => p[pid] === process.pid).map((p) => [p[pid], p[parent]]);
  await compare({
    title: `processes, full list (${count} processes)`,
    time: 3000,
    contenders: {
      'xypriss-sys processes({ all: true })': () => sys.processes({ all: true }),
      'xypriss-sys processesSync({ all: true })': () => sys.processesSync({ all: true }),
      'systeminformation processes(), fresh': fresh(() => si.processes()),
    },
    // Processes come and go between two calls; this process, and its parent, must be in both.
    answer: (v, name) => (name.startsWith('systeminformation') ? self(v.list, 'pid', 'parentPid') : self(v, 'pid', 'parent_pid')),
  });

  // S2: static CPU information, warm.
  await compare({
    title: 'static CPU information (model, logical CPUs), warm',
    contenders: {
      'xypriss-sys cpu({ cores: true })': () => sys.cpu({ cores: true }),
      'xypriss-sys info()': () => sys.info(),
      'systeminformation cpu()': () => si.cpu(),
      'node:os cpus()': () => os.cpus(),
    },
    answer: (v, name) => {
      if (name === 'xypriss-sys info()') return v.host_cpu_count;
      if (name.startsWith('xypriss-sys')) return v.length;
      if (name.startsWith('systeminformation')) return v.cores;
      return v.length;
    },
  });

  // S7: disks, network, sensors; and the OS identity and listening ports.
  const ourMounts = new Set(sys.disksSync().map((d) => d.mount_point));
  await compare({
    title: 'disks: mounted filesystems and their size',
    contenders: {
      'xypriss-sys disksSync()': () => sys.disksSync(),
      'xypriss-sys disks()': () => sys.disks(),
      'systeminformation fsSize()': () => si.fsSize(),
    },
    // systeminformation lists more mounts on some systems (it asks df); compare the common ones.
    answer: (v, name) =>
      name.startsWith('systeminformation')
        ? v.filter((d) => ourMounts.has(d.mount)).map((d) => [d.mount, d.size])
        : v.map((d) => [d.mount_point, d.total_space]),
  });

  await compare({
    title: 'network: interfaces with byte counters and rates',
    contenders: {
      'xypriss-sys network()': () => sys.network(),
      "systeminformation networkStats('*'), fresh": fresh(() => si.networkStats('*')),
    },
    unchecked: {
      "systeminformation networkStats('*'), fresh":
        'counters move between two calls, and it lists only interfaces with an address while network() lists all',
    },
  });

  await compare({
    title: 'temperature sensors',
    contenders: {
      'xypriss-sys tempSync()': () => sys.tempSync(),
      'systeminformation cpuTemperature()': () => si.cpuTemperature(),
    },
    answer: (v, name) => (name.startsWith('systeminformation') ? v.cores.length + (v.main === null ? 0 : 1) : v.components.filter((c) => c.current !== null).length),
    unchecked: {
      'systeminformation cpuTemperature()': 'it reports CPU packages and cores only, sys.temp() every hwmon sensor',
    },
  });

  await compare({
    title: 'OS identity (distribution, release, kernel, host name)',
    contenders: {
      'xypriss-sys info()': () => sys.info(),
      'systeminformation osInfo()': () => si.osInfo(),
      'node:os (type, release, hostname; no distribution)': () => ({ kernel: os.release(), hostname: os.hostname() }),
    },
    answer: (v, name) => {
      if (name.startsWith('xypriss-sys')) return { distro: v.os_name, release: v.os_version, kernel: v.kernel_version, hostname: v.hostname };
      if (name.startsWith('systeminformation')) return { distro: v.distro, release: v.release, kernel: v.kernel, hostname: v.hostname };
      return v;
    },
    unchecked: { 'node:os (type, release, hostname; no distribution)': 'node:os does not know the distribution' },
  });

  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = server.address().port;
  try {
    await compare({
      title: 'listening ports with their owning process',
      time: 3000,
      contenders: {
        'xypriss-sys ports()': () => sys.ports(),
        'xypriss-sys portsSync()': () => sys.portsSync(),
        'systeminformation networkConnections()': () => si.networkConnections(),
      },
      // Other processes open and close ports meanwhile; our own listener must be found, with our pid.
      answer: (v, name) =>
        name.startsWith('systeminformation')
          ? v.filter((c) => c.state === 'LISTEN' && Number(c.localPort) === port).map((c) => c.pid)
          : v.filter((p) => p.protocol === 'TCP' && p.local_port === port).map((p) => p.pid),
    });
  } finally {
    server.close();
  }
}

module.exports = { run };
