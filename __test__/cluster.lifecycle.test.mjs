// Starting and stopping: graceful shutdown with escalation, no orphans, argument checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import os from 'node:os';
import { createInterface } from 'node:readline';
import { Cluster, alive, cluster, fixture, next, record, sleep } from './cluster.helpers.mjs';

const echo = fixture('echo-worker.js');

test('stop() runs the graceful shutdown: servers close, hooks run, the worker exits 0', async (t) => {
  const c = cluster(t, { entry: fixture('graceful-worker.js'), workers: 2 });
  await c.start();
  const pids = c.workers().map((w) => w.pid);
  const byes = record(c, 'message');
  const exits = record(c, 'exit');
  await c.stop();
  assert.deepEqual(byes.map(([m]) => m).sort((a, b) => a.bye - b.bye), pids.sort((a, b) => a - b).map((pid) => ({ bye: pid, serverListening: false })));
  assert.equal(exits.length, 2);
  assert.ok(exits.every((e) => e.code === 0 && e.signal === null && e.reason === 'stop'));
  assert.ok(pids.every((pid) => !alive(pid)));
  assert.deepEqual(c.workers(), []);
});

test('a worker that does not finish its shutdown gets SIGTERM after the timeout', async (t) => {
  const c = cluster(t, { entry: fixture('stubborn-worker.js') });
  await c.start();
  const exit = next(c, 'exit');
  const started = Date.now();
  await c.stop({ timeout: 300 });
  const took = Date.now() - started;
  assert.deepEqual({ ...(await exit), pid: 0 }, { id: 0, pid: 0, code: null, signal: 'SIGTERM', reason: 'stop' });
  assert.ok(took >= 290 && took < 2000, `took ${took} ms`);
});

test('a worker that survives SIGTERM gets SIGKILL 2 s later', async (t) => {
  const c = cluster(t, { entry: fixture('stubborn-worker.js'), env: { IGNORE_SIGTERM: '1' } });
  await c.start();
  const ignored = next(c, 'message');
  const exit = next(c, 'exit');
  const started = Date.now();
  await c.stop({ timeout: 100 });
  const took = Date.now() - started;
  assert.equal((await ignored)[0], 'sigterm ignored');
  assert.equal((await exit).signal, 'SIGKILL');
  assert.ok(took >= 2000 && took < 6000, `took ${took} ms`);
});

test('when the manager is killed with SIGKILL, no worker is left after 1 s', async () => {
  const manager = spawn(process.execPath, [fixture('manager.js'), '3'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const [line] = await Promise.race([
      once(createInterface({ input: manager.stdout }), 'line'),
      sleep(30_000).then(() => [null]),
    ]);
    assert.ok(line, 'the manager printed its workers');
    const pids = JSON.parse(line);
    assert.equal(pids.length, 3);
    assert.ok(pids.every(alive));
    manager.kill('SIGKILL');
    await once(manager, 'exit');
    await sleep(1000);
    assert.deepEqual(pids.filter(alive), []);
  } finally {
    manager.kill('SIGKILL');
  }
});

test('start() twice is refused; reload() and send() need a running cluster; stop() is idempotent', async (t) => {
  const c = cluster(t, { entry: echo });
  await assert.rejects(c.reload(), { code: 'ERR_XSYS_NOT_RUNNING' });
  await c.stop();
  const started = c.start();
  await assert.rejects(c.start(), { code: 'ERR_XSYS_ALREADY_STARTED' });
  await started;
  await Promise.all([c.stop(), c.stop()]);
  await c.stop();
  await c.start();
  assert.equal(c.workers()[0].state, 'ready', 'a stopped cluster can start again');
});

test('stop() during start() rejects the pending start with ERR_XSYS_CLUSTER_STOPPED', async (t) => {
  const c = cluster(t, { entry: echo, workers: 2 });
  const starting = c.start();
  const stopped = c.stop({ timeout: 0 });
  await assert.rejects(starting, { code: 'ERR_XSYS_CLUSTER_STOPPED' });
  await stopped;
});

test('a port in use makes start() reject with EADDRINUSE and spawns nothing', async (t) => {
  const a = cluster(t, { entry: fixture('http-worker.js'), listen: { port: 0, host: '127.0.0.1' } });
  await a.start();
  const b = cluster(t, { entry: fixture('http-worker.js'), listen: { port: a.address().port, host: '127.0.0.1' } });
  const online = record(b, 'online');
  await assert.rejects(b.start(), { code: 'EADDRINUSE', syscall: 'bind' });
  assert.deepEqual(online, []);
});

test('a missing executable makes start() reject with ENOENT, with errno, syscall and path like a Node system error', async (t) => {
  const c = cluster(t, { entry: echo, exec: '/nonexistent/node' });
  const errors = [];
  c.on('error', (err) => errors.push(err));
  const expected = { code: 'ENOENT', errno: os.constants.errno.ENOENT * -1, syscall: 'spawn', path: '/nonexistent/node' };
  await assert.rejects(c.start(), { ...expected, message: /spawn '\/nonexistent\/node'/ });
  assert.ok(errors.length > 0, "the failed spawn is also an 'error' event");
  for (const err of errors) assert.deepEqual({ code: err.code, errno: err.errno, syscall: err.syscall, path: err.path }, expected);
});

test('options are checked like Node checks arguments', () => {
  assert.throws(() => new Cluster(), { code: 'ERR_INVALID_ARG_TYPE', message: /"options.entry"/ });
  assert.throws(() => new Cluster({ entry: echo, workers: 0 }), { code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => new Cluster({ entry: echo, workers: 'many' }), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => new Cluster({ entry: echo, args: [1] }), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => new Cluster({ entry: echo, env: { A: {} } }), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => new Cluster({ entry: echo, listen: { port: 70000 } }), { code: 'ERR_OUT_OF_RANGE', message: /options.listen.port/ });
  assert.throws(() => new Cluster({ entry: echo, listen: {} }), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => new Cluster({ entry: echo, gcRatio: 2 }), { code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => new Cluster({ entry: echo, heartbeatTimeout: -1 }), { code: 'ERR_OUT_OF_RANGE' });
});

test('a cluster keeps Node alive while it runs and lets it exit once stopped', async () => {
  const script = `
    const { Cluster } = require('xypriss-sys');
    const c = new Cluster({ entry: ${JSON.stringify(echo)} });
    c.start().then(() => setTimeout(() => c.stop().then(() => console.log('stopped')), 300));`;
  const child = spawn(process.execPath, ['-e', script], { cwd: fixture('..'), stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const [code] = await Promise.race([once(child, 'exit'), sleep(30_000).then(() => ['timeout'])]);
  child.kill('SIGKILL');
  assert.equal(code, 0);
  assert.equal(out.trim(), 'stopped');
});

test("a worker's stdout and stderr are the manager's (silent: false), and only fds 0-4 reach it", async () => {
  // Run from a manager process of its own, which also holds a descriptor without close-on-exec
  // (fd 7, as a shell or a parent may leave one): it must not reach the worker.
  const run = (mode) => new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fixture('stdio-manager.js'), mode], { stdio: ['ignore', 'pipe', 'pipe', 'ignore', 'ignore', 'ignore', 'ignore', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
  const loud = await run('loud');
  assert.equal(loud.code, 0, loud.err);
  assert.match(loud.out, /^stdout of worker 0$/m);
  assert.match(loud.err, /^stderr of worker 0$/m);
  const { fds, leaked } = JSON.parse(loud.out.split('\n').find((l) => l.startsWith('{')));
  if (process.platform === 'linux') {
    assert.match(fds[4], /^socket:/, 'the channel is fd 4');
    assert.match(leaked, /^(pipe|socket):/);
    const same = Object.entries(fds).filter(([, what]) => what === leaked);
    assert.deepEqual(same, [], "the manager's fd 7 reached the worker");
  }
  const silent = await run('silent');
  assert.equal(silent.code, 0, silent.err);
  assert.doesNotMatch(silent.out, /of worker/);
  assert.doesNotMatch(silent.err, /of worker/);
});
