// sys: processes and kill.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { readdirSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { xsys, isRoot } from './helpers.mjs';

const { sys } = xsys;
const linux = process.platform === 'linux';
const FIELDS = [
  'pid', 'name', 'exe', 'cmd', 'cpu_usage', 'memory', 'virtual_memory', 'status', 'start_time', 'run_time',
  'parent_pid', 'user_id', 'disk_read', 'disk_write',
];

async function sleeper(t) {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  await once(child, 'spawn');
  t.after(() => child.kill('SIGKILL'));
  return child;
}

test('processes({pid: process.pid}) is Node itself, its RSS within 10% of process.memoryUsage()', async () => {
  const p = sys.processesSync({ pid: process.pid });
  const rss = process.memoryUsage().rss;
  assert.deepEqual(Object.keys(p), FIELDS);
  assert.equal(p.pid, process.pid);
  assert.equal(p.parent_pid, process.ppid);
  assert.equal(p.exe, process.execPath);
  assert.deepEqual(p.cmd.slice(0, 1), [process.argv0]);
  assert.ok(Math.abs(p.memory - rss) <= rss / 10, `memory ${p.memory} vs rss ${rss}`);
  assert.ok(p.virtual_memory >= p.memory);
  if (linux) assert.equal(p.user_id, String(process.getuid()));
  assert.ok(Math.abs(p.start_time - (Date.now() / 1000 - process.uptime())) <= 2);
  assert.equal((await sys.processes({ pid: process.pid })).pid, process.pid);
});

test('a child appears in processes() and disappears after it exits', async (t) => {
  const child = await sleeper(t);
  const listed = (await sys.processes({ all: true })).find((p) => p.pid === child.pid);
  assert.ok(listed, 'child listed');
  assert.equal(listed.parent_pid, process.pid);
  assert.equal((await sys.processes({ pid: child.pid })).pid, child.pid);
  child.kill('SIGKILL');
  await once(child, 'exit');
  assert.equal((await sys.processes({ all: true })).some((p) => p.pid === child.pid), false);
  assert.equal(await sys.processes({ pid: child.pid }), null);
});

test('threads are not processes', { skip: !linux && 'reads /proc/self/task' }, async () => {
  const threads = readdirSync('/proc/self/task').map(Number).filter((tid) => tid !== process.pid);
  assert.ok(threads.length > 0, 'Node runs several threads');
  const pids = new Set((await sys.processes({ all: true, fields: ['pid'] })).map((p) => p.pid));
  assert.ok(pids.has(process.pid));
  for (const tid of threads) {
    assert.equal(pids.has(tid), false, `thread ${tid} listed`);
    assert.equal(sys.processesSync({ pid: tid }), null, `thread ${tid} found by pid`);
  }
});

test('processes() without options is a summary whose buckets add up', async () => {
  const s = await sys.processes();
  assert.deepEqual(Object.keys(s), ['total_processes', 'running', 'sleeping', 'idle', 'stopped', 'zombie', 'other']);
  assert.equal(s.running + s.sleeping + s.idle + s.stopped + s.zombie + s.other, s.total_processes);
  // The main thread is reading /proc during a sync call, so this process is running.
  assert.ok(sys.processesSync().running >= 1);
});

test('topCpu and topMem give the N busiest processes, sorted', async () => {
  const byMem = await sys.processes({ topMem: 3 });
  assert.equal(byMem.length, 3);
  assert.ok(byMem[0].memory >= byMem[1].memory && byMem[1].memory >= byMem[2].memory);
  const byCpu = sys.processesSync({ topCpu: 2 });
  assert.equal(byCpu.length, 2);
  assert.ok(byCpu[0].cpu_usage >= byCpu[1].cpu_usage);
  assert.deepEqual(await sys.processes({ topMem: 0 }), []);
  // pid wins over topCpu, topCpu over topMem (XyPriss's order).
  assert.equal(sys.processesSync({ pid: process.pid, topCpu: 5 }).pid, process.pid);
  assert.equal(sys.processesSync({ topCpu: 1, topMem: 5 }).length, 1);
});

test('fields select exactly those fields, in the canonical order; fields alone give the full list', async () => {
  const list = await sys.processes({ fields: ['memory', 'pid', 'exe'] });
  assert.ok(list.length > 1);
  for (const p of list) assert.deepEqual(Object.keys(p), ['pid', 'exe', 'memory']);
  assert.ok(list.every((p, i) => i === 0 || list[i - 1].pid < p.pid), 'sorted by pid');
  assert.deepEqual(Object.keys(sys.processesSync({ pid: process.pid, fields: ['name'] })), ['name']);
});

test('an unknown pid is null', async () => {
  assert.equal(sys.processesSync({ pid: 2 ** 31 - 1 }), null);
  assert.equal(await sys.processes({ pid: 2 ** 31 - 1 }), null);
});

test('bad process options are TypeErrors and RangeErrors', async () => {
  for (const pid of [1.5, '1', NaN, true]) {
    assert.throws(() => sys.processesSync({ pid }), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }, String(pid));
  }
  for (const pid of [0, -1, 2 ** 31]) {
    assert.throws(() => sys.processesSync({ pid }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' }, String(pid));
  }
  assert.throws(() => sys.processesSync({ topCpu: -1 }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => sys.processesSync({ fields: 'pid' }), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => sys.processesSync({ fields: ['pid', 'colour'] }), (err) => {
    assert.equal(err.name, 'TypeError');
    assert.equal(err.code, 'ERR_INVALID_ARG_VALUE');
    assert.match(err.message, /unknown field 'colour'/);
    return true;
  });
  await assert.rejects(sys.processes({ pid: 'x' }), { name: 'TypeError' });
  await assert.rejects(sys.processes({ fields: ['colour'] }), { code: 'ERR_INVALID_ARG_VALUE' });
});

test('kill sends SIGTERM by default, and signals by name or number', async (t) => {
  const cases = [[undefined, 'SIGTERM'], ['SIGKILL', 'SIGKILL'], [os.constants.signals.SIGINT, 'SIGINT']];
  for (const [signal, expected] of cases) {
    const child = await sleeper(t);
    const exited = once(child, 'exit');
    assert.equal(sys.kill(child.pid, signal), true);
    const [, got] = await exited;
    assert.equal(got, expected);
  }
});

test('kill of a process that no longer exists is ESRCH', async (t) => {
  const child = await sleeper(t);
  child.kill('SIGKILL');
  await once(child, 'exit');
  assert.throws(() => sys.kill(child.pid, 0), { code: 'ESRCH', syscall: 'kill', pid: child.pid });
});

test('kill of a process we may not signal is EPERM', { skip: !linux && 'uses uids' }, async (t) => {
  const expected = (pid) => ({
    code: 'EPERM',
    errno: -os.constants.errno.EPERM,
    syscall: 'kill',
    pid,
    message: 'EPERM: operation not permitted, kill',
  });
  const describe = (e) => ({ code: e.code, errno: e.errno, syscall: e.syscall, pid: e.pid, message: e.message });
  if (!isRoot) {
    // Any process of another user will do (pid 1 usually).
    const others = (await sys.processes({ all: true, fields: ['pid', 'user_id'] }))
      .filter((p) => p.user_id !== null && p.user_id !== String(process.getuid()));
    if (others.length === 0) return t.skip('every process visible here belongs to this user');
    assert.throws(() => sys.kill(others[0].pid, 0), (e) => {
      assert.deepEqual(describe(e), expected(others[0].pid));
      return true;
    });
    return;
  }
  // Root may signal anything: ask from a child running as nobody, about this (root) process.
  const script = `
    let sys;
    try { ({ sys } = require(${JSON.stringify(fileURLToPath(new URL('../index.js', import.meta.url)))})); }
    catch (e) { console.log(JSON.stringify({ cannotLoad: e.code })); process.exit(0); }
    try { sys.kill(${process.pid}, 0); console.log('{}'); }
    catch (e) { console.log(JSON.stringify({ code: e.code, errno: e.errno, syscall: e.syscall, pid: e.pid, message: e.message })); }`;
  const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', uid: 65534, gid: 65534 });
  assert.equal(run.status, 0, run.stderr);
  const answer = JSON.parse(run.stdout);
  if (answer.cannotLoad) return t.skip(`the user nobody cannot load this checkout (${answer.cannotLoad})`);
  assert.deepEqual(answer, expected(process.pid));
});

test('kill with an unknown signal name is a RangeError; a pid that is not an integer a TypeError', () => {
  assert.throws(() => sys.kill(process.pid, 'SIGNOPE'), { name: 'RangeError', code: 'ERR_UNKNOWN_SIGNAL' });
  assert.throws(() => sys.kill(process.pid, 'sigterm'), { name: 'RangeError', code: 'ERR_UNKNOWN_SIGNAL' });
  assert.throws(() => sys.kill(process.pid, {}), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  for (const pid of ['123', 1.5, undefined, null]) {
    assert.throws(() => sys.kill(pid), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }, String(pid));
  }
  // 0 and negative pids address process groups: refused.
  for (const pid of [0, -1]) assert.throws(() => sys.kill(pid), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
});
