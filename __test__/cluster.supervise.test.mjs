// Supervision: crashed, hung and bloated workers are replaced; crash loops back off and stop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { scratch } from './helpers.mjs';
import { Cluster, alive, cluster, fixture, next, record, sleep } from './cluster.helpers.mjs';

const echo = fixture('echo-worker.js');
const MIB = 1024 * 1024;

test('a crashed worker is replaced at once and keeps its id', async (t) => {
  const c = cluster(t, { entry: echo, workers: 2 });
  await c.start();
  const before = c.workers();
  const events = record(c, 'restart');
  const exit = next(c, 'exit');
  const ready = next(c, 'ready');
  c.send(1, { cmd: 'exit', code: 3 });
  assert.deepEqual(await exit, { id: 1, pid: before[1].pid, code: 3, signal: null, reason: 'crash' });
  const replacement = await ready;
  assert.equal(replacement.id, 1);
  assert.notEqual(replacement.pid, before[1].pid);
  assert.deepEqual(events, [{ id: 1, pid: before[1].pid, delay: 0, restarts: 1, reason: 'crash' }]);
  const after = c.workers();
  assert.equal(after[1].pid, replacement.pid);
  assert.equal(after[1].restarts, 1);
  assert.equal(after[1].state, 'ready');
  assert.deepEqual(after[0], { ...before[0], rss: after[0].rss, cpu: after[0].cpu, uptime: after[0].uptime }, 'worker 0 is untouched');
  assert.equal(alive(before[1].pid), false);
  const echoed = next(c, 'message');
  c.send(1, 'still there?');
  assert.equal((await echoed)[0], 'still there?');
});

test('a crash loop backs off exponentially, then the slot fails when the budget is spent', async (t) => {
  const dir = scratch(t);
  const flag = join(dir, 'crash');
  const c = cluster(t, {
    entry: fixture('crash-loop-worker.js'),
    env: { CRASH_FLAG: flag },
    restartDelay: 100,
    maxRestartDelay: 300,
    maxRestarts: 5,
    restartWindow: 60_000,
  });
  await c.start();
  const restarts = record(c, 'restart');
  const exits = record(c, 'exit');
  const failed = next(c, 'failed', undefined, 30_000);
  c.send(0, 'arm');
  assert.deepEqual(await failed, { id: 0, restarts: 5 });
  assert.deepEqual(restarts.map((r) => r.delay), [0, 100, 200, 300, 300], 'doubling from the second restart, capped');
  assert.equal(exits.length, 6, 'the armed worker and its five replacements');
  assert.ok(exits.every((e) => e.code === 1 && e.reason === 'crash'));
  // The replacements really waited: gaps between starts are at least the announced delays.
  const starts = readFileSync(`${flag}.starts`, 'utf8').trim().split('\n').map(Number);
  assert.equal(starts.length, 5);
  for (let i = 1; i < starts.length; i++) {
    assert.ok(starts[i] - starts[i - 1] >= restarts[i].delay - 5, `start ${i} came ${starts[i] - starts[i - 1]} ms after the previous one`);
  }
  const w = c.workers()[0];
  assert.equal(w.state, 'failed');
  assert.equal(w.pid, null);
  const onlineAfter = record(c, 'online');
  await sleep(700);
  assert.deepEqual(onlineAfter, [], 'a failed slot is not restarted');
  assert.throws(() => c.send(0, 'x'), { code: 'ERR_XSYS_NO_WORKER' });
});

test('a worker that stops sending heartbeats is killed and replaced', async (t) => {
  const c = cluster(t, { entry: echo, heartbeatInterval: 100, heartbeatTimeout: 1500 });
  await c.start();
  const [{ pid }] = c.workers();
  const exit = next(c, 'exit');
  const ready = next(c, 'ready');
  const started = Date.now();
  c.send(0, { cmd: 'hang' });
  assert.deepEqual(await exit, { id: 0, pid, code: null, signal: 'SIGKILL', reason: 'heartbeat' });
  // The last heartbeat came at most an interval (and some scheduling delay) before the hang.
  assert.ok(Date.now() - started >= 1000, 'not before the timeout');
  assert.notEqual((await ready).pid, pid);
});

test('a healthy worker is not taken for hung', async (t) => {
  const c = cluster(t, { entry: echo, heartbeatInterval: 50, heartbeatTimeout: 2000 });
  await c.start();
  const exits = record(c, 'exit');
  await sleep(4000);
  assert.deepEqual(exits, []);
});

test('a blocked manager event loop does not make a live worker look hung; its messages arrive afterwards, in order', async (t) => {
  const c = cluster(t, { entry: echo, heartbeatInterval: 50, heartbeatTimeout: 500 });
  await c.start();
  const exits = record(c, 'exit');
  const got = [];
  c.on('message', (m) => got.push(m.n));
  for (let n = 0; n < 100; n++) c.send(0, { n });
  await sleep(0);
  // Three heartbeat timeouts without a turn of the event loop.
  const until = Date.now() + 1500;
  while (Date.now() < until);
  await sleep(500);
  assert.deepEqual(exits, []);
  assert.deepEqual(got, Array.from({ length: 100 }, (_, n) => n));
});

test('a worker over maxMemory is replaced gracefully, the new one first', async (t) => {
  const c = cluster(t, { entry: echo, maxMemory: 200 * MIB, gcRatio: 0, sampleInterval: 100 });
  await c.start();
  const [{ pid }] = c.workers();
  const memory = next(c, 'memory');
  const ready = next(c, 'ready');
  const exit = next(c, 'exit');
  c.send(0, { cmd: 'grow', mb: 256 });
  const m = await memory;
  assert.equal(m.action, 'restart');
  assert.equal(m.pid, pid);
  assert.equal(m.limit, 200 * MIB);
  assert.ok(m.rss > 200 * MIB, `rss ${m.rss}`);
  const replacement = await ready;
  assert.notEqual(replacement.pid, pid);
  assert.deepEqual(await exit, { id: 0, pid, code: 0, signal: null, reason: 'memory' });
  assert.equal(c.workers()[0].pid, replacement.pid);
  assert.equal(c.workers()[0].restarts, 1);
});

test('above the pressure ratio workers are asked to collect garbage', async (t) => {
  const c = cluster(t, { entry: echo, execArgv: ['--expose-gc'], maxMemory: 400 * MIB, gcRatio: 0.25, sampleInterval: 100 });
  await c.start();
  const memory = next(c, 'memory');
  const gc = next(c, 'message', (m) => m && m.gc !== undefined);
  c.send(0, { cmd: 'grow', mb: 128 });
  const m = await memory;
  assert.equal(m.action, 'gc');
  assert.ok(m.rss > 100 * MIB && m.rss <= 400 * MIB, `rss ${m.rss}`);
  assert.deepEqual((await gc)[0], { gc: 'function' }, 'the worker ran global.gc');
  assert.equal(c.workers()[0].restarts, 0);
});

test('workers() reports pid, state, restarts, rss in bytes, cpu in percent and uptime in seconds', async (t) => {
  const c = cluster(t, { entry: echo, workers: 2, sampleInterval: 100 });
  await c.start();
  await sleep(400);
  const rows = c.workers();
  assert.equal(rows.length, 2);
  for (const [i, w] of rows.entries()) {
    assert.deepEqual(Object.keys(w), ['id', 'pid', 'state', 'restarts', 'rss', 'cpu', 'uptime']);
    assert.equal(w.id, i);
    assert.ok(alive(w.pid));
    assert.equal(w.state, 'ready');
    assert.equal(w.restarts, 0);
    assert.ok(w.rss > 10 * MIB && w.rss < 500 * MIB, `rss ${w.rss}`);
    assert.ok(w.cpu >= 0 && w.cpu <= 100, `cpu ${w.cpu}`);
    assert.ok(w.uptime > 0.3 && w.uptime < 60, `uptime ${w.uptime}`);
  }
});

test("workers: 'auto' starts one worker per available CPU", async (t) => {
  const c = cluster(t, { entry: echo, workers: 'auto' });
  await c.start();
  assert.equal(c.workers().length, Cluster.availableParallelism());
});

const taskset = process.platform === 'linux' && spawnSync('taskset', ['-c', '0', 'true']).status === 0;

test("workers: 'auto' follows the CPUs the manager may use (one under taskset -c 0)", { skip: !taskset && 'needs taskset(1) on Linux' }, () => {
  const script = `
    const os = require('node:os');
    const { Cluster } = require(${JSON.stringify(fileURLToPath(new URL('../index.js', import.meta.url)))});
    const c = new Cluster({ entry: ${JSON.stringify(echo)}, workers: 'auto' });
    c.start().then(async () => {
      console.log(JSON.stringify({ auto: Cluster.availableParallelism(), node: os.availableParallelism(), workers: c.workers().length }));
      await c.stop({ timeout: 1000 });
    });`;
  const run = spawnSync('taskset', ['-c', '0', process.execPath, '-e', script], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), { auto: 1, node: 1, workers: 1 });
});

test('start() rejects when a worker exits before it is ready, and nothing is left running', async (t) => {
  const dir = scratch(t);
  const flag = join(dir, 'crash');
  writeFileSync(flag, '');
  const c = cluster(t, { entry: fixture('crash-loop-worker.js'), env: { CRASH_FLAG: flag }, workers: 2 });
  const exits = record(c, 'exit');
  await assert.rejects(c.start(), { code: 'ERR_XSYS_WORKER_EXIT', message: /exited before it was ready \(exit code 1\)/ });
  assert.deepEqual(c.workers(), []);
  assert.ok(exits.length >= 1);
  assert.ok(existsSync(`${flag}.starts`));
});

test('a worker that never says ready is killed after readyTimeout and start() rejects', async (t) => {
  const c = cluster(t, { entry: fixture('idle-worker.js'), readyTimeout: 500 });
  const exit = next(c, 'exit');
  await assert.rejects(c.start(), { code: 'ERR_XSYS_WORKER_EXIT', message: /killed by SIGKILL/ });
  assert.deepEqual(await exit, { id: 0, pid: (await exit).pid, code: null, signal: 'SIGKILL', reason: 'ready-timeout' });
});

test('a reload whose new worker dies before it is ready rejects and leaves the old worker serving', async (t) => {
  const dir = scratch(t);
  const flag = join(dir, 'crash');
  const c = cluster(t, { entry: fixture('crash-loop-worker.js'), env: { CRASH_FLAG: flag }, workers: 2 });
  await c.start();
  const before = c.workers();
  writeFileSync(flag, '');
  await assert.rejects(c.reload(), { code: 'ERR_XSYS_WORKER_EXIT', message: /replacement for worker 0 .* exited before it was ready/ });
  const after = c.workers();
  assert.deepEqual(after.map((w) => [w.pid, w.state]), before.map((w) => [w.pid, 'ready']));
  assert.ok(after.every((w) => alive(w.pid)));
});

test('when exit is emitted, workers() no longer shows the dead process', async (t) => {
  const c = cluster(t, { entry: echo });
  await c.start();
  const [{ pid }] = c.workers();
  const seen = new Promise((resolve) => c.once('exit', () => resolve(c.workers()[0])));
  c.send(0, { cmd: 'exit', code: 2 });
  const row = await seen;
  assert.notEqual(row.pid, pid);
  assert.notEqual(row.state, 'ready');
});
