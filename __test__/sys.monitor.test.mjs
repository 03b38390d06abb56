// sys monitors: snapshots from a background thread, clean close, no leaks, Node exits by itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { xsys } from './helpers.mjs';

const { sys } = xsys;
const linux = process.platform === 'linux';
const entry = JSON.stringify(fileURLToPath(new URL('../index.js', import.meta.url)));
const SNAPSHOT_FIELDS = ['timestamp', 'timestamp_ms', 'cpu_usage', 'memory_used', 'memory_total', 'process_count'];

function snapshots(monitor, count) {
  return new Promise((resolve, reject) => {
    const got = [];
    monitor.on('error', reject);
    monitor.on('snapshot', (s) => {
      got.push(s);
      if (got.length === count) resolve(got);
    });
  });
}

test('a monitor delivers system snapshots with XyPriss fields, then closes cleanly', async () => {
  const m = sys.monitor({ interval: 50 });
  const [first, second, third] = await snapshots(m, 3);
  for (const s of [first, second, third]) {
    assert.deepEqual(Object.keys(s), SNAPSHOT_FIELDS);
    assert.ok(s.cpu_usage >= 0 && s.cpu_usage <= 100);
    assert.ok(s.memory_used > 0 && s.memory_used <= s.memory_total);
    assert.ok(s.process_count > 1);
    assert.equal(s.timestamp, Math.floor(s.timestamp_ms / 1000));
  }
  assert.ok(first.timestamp_ms < second.timestamp_ms && second.timestamp_ms < third.timestamp_ms);
  const closed = once(m, 'close');
  m.close();
  assert.equal(m.closed, true);
  await closed;
  m.close(); // idempotent
});

test('a monitor is an async iterator; leaving the loop closes it', async () => {
  const m = sys.monitor({ interval: 20 });
  let n = 0;
  for await (const s of m) {
    assert.equal(typeof s.cpu_usage, 'number');
    if (++n === 3) break;
  }
  assert.equal(m.closed, true);
});

test('duration ends a monitor by itself, after its ticks', async () => {
  const m = sys.monitor({ interval: 50, duration: 220 });
  const started = performance.now();
  const got = [];
  for await (const s of m) got.push(s);
  const elapsed = performance.now() - started;
  // Ticks at 50, 100, 150, 200 ms; a tick missed on a busy machine is skipped, not caught up.
  assert.ok(got.length >= 1 && got.length <= 4, `${got.length} snapshots`);
  assert.ok(elapsed >= 200, `ended after ${elapsed} ms`);
  assert.equal(m.closed, true);
});

test('monitorProcess follows one process and emits exit, then close, when it goes away', async () => {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  await once(child, 'spawn');
  const m = sys.monitorProcess(child.pid, { interval: 30 });
  const exit = once(m, 'exit');
  const close = once(m, 'close');
  const [snapshot] = await snapshots(m, 1);
  assert.equal(snapshot.pid, child.pid);
  assert.equal(snapshot.parent_pid, process.pid);
  assert.deepEqual(Object.keys(snapshot).slice(-2), ['timestamp', 'timestamp_ms']);
  assert.ok(snapshot.memory > 0);
  child.kill('SIGKILL');
  const [info] = await exit;
  assert.equal(info.pid, child.pid);
  assert.ok(Math.abs(info.timestamp - Date.now() / 1000) < 5);
  await close;
  assert.equal(m.closed, true);
});

test('monitorProcess of a pid that does not exist emits exit at its first tick', async () => {
  const m = sys.monitorProcess(2 ** 31 - 1, { interval: 10 });
  let snapshots = 0;
  m.on('snapshot', () => snapshots++);
  const [info] = await once(m, 'exit');
  assert.equal(info.pid, 2 ** 31 - 1);
  await once(m, 'close');
  assert.equal(snapshots, 0);
});

test('close() returns at once, even in the middle of a day-long interval', () => {
  const m = sys.monitor({ interval: 2 ** 31 - 1 });
  const started = performance.now();
  m.close();
  // The thread waits on a condition variable, so stopping it does not wait out the interval.
  assert.ok(performance.now() - started < 100, `close took ${performance.now() - started} ms`);
});

test('100 monitors opened and closed leave threads and file descriptors as they were', { skip: !linux && 'counts /proc/self' }, async () => {
  const count = (dir) => readdirSync(dir).length;
  const warm = sys.monitor({ interval: 10 });
  await snapshots(warm, 1);
  warm.close();
  await sleep(50);
  const threads = count('/proc/self/task');
  const fds = count('/proc/self/fd');
  const monitors = Array.from({ length: 100 }, (_, i) => (i % 2 ? sys.monitor({ interval: 10 }) : sys.monitorProcess(process.pid, { interval: 10 })));
  assert.ok(count('/proc/self/task') >= threads + 100, 'each monitor runs a thread');
  await Promise.all(monitors.slice(0, 10).map((m) => snapshots(m, 1)));
  await Promise.all(monitors.map((m) => {
    const closed = once(m, 'close');
    m.close();
    return closed;
  }));
  assert.equal(count('/proc/self/task'), threads);
  assert.equal(count('/proc/self/fd'), fds);
});

function runScript(script, timeout = 10_000) {
  const started = Date.now();
  const run = spawnSync(process.execPath, ['-e', `const { sys } = require(${entry});\n${script}`], { encoding: 'utf8', timeout });
  return { ...run, elapsed: Date.now() - started };
}

test('a monitor with persistent: false does not keep Node alive', () => {
  const run = runScript(`
    const m = sys.monitor({ interval: 20, persistent: false });
    m.on('snapshot', () => {});
    setTimeout(() => console.log('done'), 100);`);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout.trim(), 'done');
  assert.ok(run.elapsed < 5000);
});

test('a persistent monitor keeps Node alive until its duration ends, then Node exits by itself', () => {
  const run = runScript(`
    const m = sys.monitor({ interval: 50, duration: 300 });
    let n = 0;
    m.on('snapshot', () => n++);
    m.on('close', () => console.log('closed', n > 0));`);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout.trim(), 'closed true');
  assert.ok(run.elapsed >= 300);
});

test('a persistent monitor without a duration lets Node exit once closed', () => {
  const run = runScript(`
    const m = sys.monitorProcess(process.pid, { interval: 20 });
    m.once('snapshot', (s) => { console.log(s.pid === process.pid); m.close(); });`);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout.trim(), 'true');
});

test('bad monitor options are TypeErrors and RangeErrors', () => {
  assert.throws(() => sys.monitor({ interval: 5 }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => sys.monitor({ interval: 2 ** 31 }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => sys.monitor({ interval: '100' }), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => sys.monitor({ duration: -1 }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => sys.monitor({ persistent: 'yes' }), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => sys.monitor(5), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => sys.monitorProcess('1'), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => sys.monitorProcess(0), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
});
