// The drop-in runner driven the way XyPriss's SysApi drives it (shared/reference/api-sys.md
// §1–3): same module, action, positional arguments and camelCase options, and the old reply
// shapes with the bugs fixed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { require } from './helpers.mjs';

const { XyPrissRunner, XyPrissError } = require('../compat.js');

/** A stand-in for XyPriss's SysApi as the reference describes it. */
function sysApi(runner) {
  const r = (action, args = [], options = {}) => runner.runSync('sys', action, args, options);
  const self = {
    $info: (extended = false) => r('info', [], extended ? { extended } : {}),
    $cpu: (cores = false) => r('cpu', [], cores ? { cores } : {}),
    $memory: () => r('memory'),
    $disks: (mount) => r('disks', [], mount ? { mount } : {}),
    $network: (name) => r('network', [], name ? { interface: name } : {}),
    $processes: (options = {}) => r('processes', [], options),
    $temp: () => r('temp'),
    $health: () => r('health'),
    $env: (variable) => r('env', variable ? [variable] : []),
    $paths: () => r('paths'),
    $user: () => r('user'),
    $kill: (pid) => r('kill', [], { pid }),
    $quick: () => r('quick'),
    $ports: () => r('ports'),
    $battery: () => r('battery'),
    $monitor: (duration = 60, interval = 1) => runner.runSync('monitor', 'system', [], { duration, interval, interactive: true }),
    $monitorProcess: (pid, duration = 60) => runner.runSync('monitor', 'process', [], { pid, duration, interactive: true }),
    get $hardware() {
      const { total_memory, used_memory, available_memory, total_swap, used_swap, architecture, ...info } = self.$info();
      return { ...self.$memory(), ...info, arch: architecture };
    },
  };
  return self;
}

const $ = sysApi(new XyPrissRunner(process.cwd()));

test('$info, $cpu, $memory and $hardware keep the old field names', () => {
  const info = $.$info();
  for (const k of ['hostname', 'os_name', 'os_version', 'kernel_version', 'architecture', 'cpu_count', 'cpu_brand', 'total_memory', 'uptime', 'boot_time', 'load_average']) {
    assert.ok(k in info, `info.${k}`);
  }
  const cpu = $.$cpu();
  assert.equal(cpu.per_core.length, os.availableParallelism());
  assert.ok(cpu.overall >= 0 && cpu.overall <= 100);
  const cores = $.$cpu(true);
  assert.equal(cores[0].name, 'CPU 0');
  const mem = $.$memory();
  assert.ok(mem.total > 0 && mem.usage_percent >= 0 && mem.usage_percent <= 100);
  const hw = $.$hardware;
  assert.equal(hw.total, mem.total);
  assert.equal(hw.arch, info.architecture);
  assert.ok(!('architecture' in hw));
});

test('$disks and $network answer null (not a truthy text) for an unknown mount or interface', () => {
  assert.ok(Array.isArray($.$disks()));
  assert.equal($.$disks('/definitely/not/mounted'), null);
  const net = $.$network();
  assert.ok(Array.isArray(net.interfaces) && typeof net.total_received === 'number');
  assert.equal($.$network('no-such-if0'), null);
  const lo = net.interfaces.find((i) => i.name === 'lo');
  if (lo) assert.ok($.$network('lo').ip_addresses.length > 0, 'a single interface has its addresses');
});

test('$processes: summary, one pid, top lists; threads are not processes', () => {
  const summary = $.$processes();
  assert.equal(summary.running + summary.sleeping + summary.idle + summary.stopped + summary.zombie + summary.other, summary.total_processes);
  const me = $.$processes({ pid: process.pid });
  assert.equal(me.pid, process.pid);
  assert.equal($.$processes({ pid: 2 ** 31 - 1 }), null);
  const top = $.$processes({ topMem: 3 });
  assert.equal(top.length, 3);
  assert.equal(new Set(top.map((p) => p.pid)).size, 3, 'no duplicated thread entries');
  assert.ok($.$processes({ topCpu: 2 }).length <= 2);
});

test('$health is the score; $env, $paths and $user keep their old shapes', () => {
  const score = $.$health();
  assert.ok(Number.isInteger(score) && score >= 0 && score <= 100);
  assert.equal($.$env('HOME'), process.env.HOME);
  assert.equal($.$env('XSYS_SURELY_UNSET_VARIABLE'), null);
  assert.equal($.$env().PATH, process.env.PATH);
  assert.deepEqual($.$paths(), process.env.PATH.split(':'));
  assert.equal($.$user(), os.userInfo().username);
});

test('$quick is the old four lines of text', () => {
  const lines = $.$quick().trimEnd().split('\n');
  assert.equal(lines.length, 4);
  assert.match(lines[0], /^OS: /);
  assert.match(lines[1], /^CPU: /);
  assert.match(lines[2], /^RAM: .* \/ .* \(\d+%\)$/);
  assert.match(lines[3], /^Uptime: /);
});

test('$ports lists listening sockets with their pid; $temp and $battery keep their shapes', async () => {
  const server = (await import('node:net')).createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const mine = $.$ports().find((p) => p.local_port === server.address().port);
    assert.equal(mine.protocol, 'TCP');
    assert.equal(mine.pid, process.pid);
  } finally {
    server.close();
  }
  const temp = $.$temp();
  assert.ok(Array.isArray(temp.components) && 'average_temp' in temp);
  assert.equal(typeof $.$battery().is_present, 'boolean');
});

test('$kill takes the pid as XyPriss sends it (--pid) and kills the process', async () => {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  await once(child, 'spawn');
  assert.deepEqual($.$kill(child.pid), { status: 'ok', message: `Process ${child.pid} killed` });
  const [, signal] = await once(child, 'exit');
  assert.equal(signal, 'SIGKILL');
  assert.throws(() => $.$kill(2 ** 31 - 1), (err) => err instanceof XyPrissError && err.code === 'ESRCH');
});

test('$monitor and $monitorProcess return handles instead of taking over the terminal', async () => {
  const monitor = $.$monitor(0.6, 0.2);
  const snapshots = [];
  for await (const snapshot of monitor) snapshots.push(snapshot);
  assert.ok(snapshots.length >= 2, `${snapshots.length} snapshots in 0.6 s`);
  assert.ok('cpu_usage' in snapshots[0] || 'cpu' in snapshots[0]);

  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 400)'], { stdio: 'ignore' });
  await once(child, 'spawn');
  const watched = $.$monitorProcess(child.pid, 30);
  const [exit] = await once(watched, 'exit');
  assert.ok(exit !== undefined);
  await once(watched, 'close');
});

test('the old reply shapes are documented next to the code that produces them', () => {
  const docs = readFileSync(new URL('../docs/compat.md', import.meta.url), 'utf8');
  for (const action of ['info', 'cpu', 'memory', 'disks', 'network', 'processes', 'temp', 'health', 'env', 'paths', 'user', 'kill', 'quick', 'ports', 'battery']) {
    assert.match(docs, new RegExp(`\\| \`${action}`), `docs/compat.md describes sys ${action}`);
  }
});
