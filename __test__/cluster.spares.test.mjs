// Spares (the `spares` option): processes booted ahead of need, handed a slot when one needs a
// new process. A spare must be indistinguishable from a worker started cold, must cost nothing
// when it is not used, and must never outlive the cluster.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { scratch } from './helpers.mjs';
import { Cluster, alive, children, cluster, fixture, next, record, sleep } from './cluster.helpers.mjs';

const whoami = fixture('whoami-worker.js');
const linuxOnly = process.platform !== 'linux' && 'reads /proc';
const listen = { port: 0, host: '127.0.0.1' };

/** Live child processes of this test that are not workers of `c`: its spares. */
function sparesOf(c) {
  const workers = new Set(c.workers().map((w) => w.pid));
  return children()
    .filter((p) => p.state !== 'Z' && !workers.has(p.pid))
    .map((p) => p.pid);
}

async function until(what, fn, ms = 20_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** The pids of `count` spares of `c`, once they are all there. */
const waitingSpares = (c, count) => until(`${count} spare(s)`, () => {
  const s = sparesOf(c);
  return s.length === count && s;
});

function ask(c, id, message) {
  const reply = next(c, 'message', (m, from) => from.id === id && m && m.pid !== undefined);
  c.send(id, message);
  return reply.then(([m]) => m);
}

test('a crashed worker is replaced by the waiting spare, which then looks exactly like a worker started cold', { skip: linuxOnly }, async (t) => {
  const cwd = fixture('');
  const options = { entry: whoami, workers: 2, spares: 1, listen, args: ['--flag', 'value'], execArgv: ['--max-old-space-size=64'], env: { XSYS_TEST_VAR: 'set' }, cwd };
  const c = cluster(t, options);
  const online = record(c, 'online');
  await c.start();
  const [spare] = await waitingSpares(c, 1);
  assert.equal(online.length, 2, 'a waiting spare is not a worker: no online event');
  assert.equal(c.workers().length, 2);

  const before = c.workers()[1];
  const exit = next(c, 'exit');
  const ready = next(c, 'ready');
  c.send(1, { cmd: 'exit', code: 3 });
  assert.deepEqual(await exit, { id: 1, pid: before.pid, code: 3, signal: null, reason: 'crash' });
  assert.deepEqual(await ready, { id: 1, pid: spare }, 'slot 1 got the spare');
  assert.deepEqual(online.at(-1), { id: 1, pid: spare });
  assert.equal(c.workers()[1].pid, spare);
  assert.equal(c.workers()[1].restarts, 1);

  const cold = await ask(c, 0, { cmd: 'whoami', name: 'XSYS_TEST_VAR' });
  const warm = await ask(c, 1, { cmd: 'whoami', name: 'XSYS_TEST_VAR' });
  assert.equal(warm.id, 1);
  assert.equal(warm.pid, spare);
  assert.equal(warm.main, true, 'the entry is the main module');
  assert.deepEqual(warm.argv, [whoami, '--flag', 'value'], 'process.argv is the entry and its arguments');
  const { id: _a, pid: _b, ...coldRest } = cold;
  const { id: _c, pid: _d, ...warmRest } = warm;
  assert.deepEqual(warmRest, coldRest, 'everything else a worker sees is the same as for a cold start');

  // Another spare takes its place once the cluster is settled.
  const [again] = await waitingSpares(c, 1);
  assert.notEqual(again, spare);
});

test('a spare enters the cwd option again when it is handed a slot: a symlink moved by a deploy meanwhile is followed', { skip: linuxOnly }, async (t) => {
  const dir = scratch(t);
  const [v1, v2, current] = ['v1', 'v2', 'current'].map((n) => join(dir, n));
  mkdirSync(v1);
  mkdirSync(v2);
  symlinkSync(v1, current);
  const c = cluster(t, { entry: whoami, spares: 1, listen, cwd: current });
  await c.start();
  assert.equal((await ask(c, 0, { cmd: 'whoami' })).cwd, realpathSync(v1));
  const [spare] = await waitingSpares(c, 1);
  // The deploy: `current` now points at v2.
  rmSync(current);
  symlinkSync(v2, current);
  const ready = next(c, 'ready');
  c.send(0, { cmd: 'exit' });
  assert.equal((await ready).pid, spare);
  assert.equal((await ask(c, 0, { cmd: 'whoami' })).cwd, realpathSync(v2), 'as a worker started now would');
});

test('an ES module entry run by a spare is still an ES module', { skip: linuxOnly }, async (t) => {
  const entry = fixture('whoami-worker.mjs');
  const c = cluster(t, { entry, spares: 1, args: ['a'] });
  await c.start();
  const [spare] = await waitingSpares(c, 1);
  const ready = next(c, 'ready');
  c.send(0, { cmd: 'exit' });
  assert.equal((await ready).pid, spare);
  const m = await ask(c, 0, 'hi');
  assert.deepEqual(m, { id: 0, pid: spare, esm: true, url: `file://${entry}`, argv: [entry, 'a'], m: 'hi' });
});

test('reload() hands the first slot to the waiting spare, and reloads the rest cold', { skip: linuxOnly }, async (t) => {
  const c = cluster(t, { entry: whoami, workers: 2, spares: 1, listen });
  await c.start();
  const [spare] = await waitingSpares(c, 1);
  const online = record(c, 'online');
  await c.reload();
  assert.equal(online.length, 2);
  assert.deepEqual(online[0], { id: 0, pid: spare });
  assert.notEqual(online[1].pid, spare);
  assert.deepEqual(c.workers().map((w) => w.pid), online.map((o) => o.pid));
  await waitingSpares(c, 1);
});

test('a worker over maxMemory is replaced by the waiting spare, the new one first', { skip: linuxOnly }, async (t) => {
  const MIB = 1024 * 1024;
  const c = cluster(t, { entry: fixture('echo-worker.js'), spares: 1, maxMemory: 200 * MIB, gcRatio: 0, sampleInterval: 100 });
  await c.start();
  const [{ pid }] = c.workers();
  const [spare] = await waitingSpares(c, 1);
  const ready = next(c, 'ready');
  const exit = next(c, 'exit');
  c.send(0, { cmd: 'grow', mb: 256 });
  assert.deepEqual(await ready, { id: 0, pid: spare }, 'the spare took over');
  assert.deepEqual(await exit, { id: 0, pid, code: 0, signal: null, reason: 'memory' });
  assert.equal(c.workers()[0].pid, spare);
  await waitingSpares(c, 1);
});

test('spares are stopped with the cluster, and their exits are not worker exits', { skip: linuxOnly }, async (t) => {
  const c = new Cluster({ entry: whoami, workers: 2, spares: 2 });
  t.after(() => c.stop({ timeout: 0 }));
  await c.start();
  const spares = await waitingSpares(c, 2);
  const exits = record(c, 'exit');
  await c.stop();
  assert.deepEqual(exits.map((e) => e.id).sort(), [0, 1]);
  assert.ok(spares.every((pid) => !alive(pid)));
  assert.deepEqual(children(), [], 'no process is left, not even a zombie');
});

test('a spare that dies while it waits is replaced quietly', { skip: linuxOnly }, async (t) => {
  const c = cluster(t, { entry: whoami, spares: 1 });
  await c.start();
  const [spare] = await waitingSpares(c, 1);
  const events = [...['exit', 'restart', 'error', 'online'].map((e) => record(c, e))];
  process.kill(spare, 'SIGKILL');
  const [replacement] = await until('a new spare', () => {
    const s = sparesOf(c);
    return s.length === 1 && s[0] !== spare && s;
  });
  assert.ok(replacement);
  assert.deepEqual(events, [[], [], [], []], 'no event: it never was a worker');
  assert.equal(c.workers()[0].restarts, 0);
});

for (const entry of ['whoami-worker.js', 'whoami-worker.mjs']) {
  test(`messages sent from the 'online' listener reach the replacement, also a spare handed the slot while it boots (${entry})`, { skip: linuxOnly }, async (t) => {
    for (const spares of [0, 1]) {
      for (let round = 0; round < 3; round++) {
        const c = new Cluster({ entry: fixture(entry), spares, readyTimeout: 10_000 });
        try {
          await c.start();
          // No wait: the spare started after start() may still be booting when it gets the slot.
          const first = c.workers()[0].pid;
          const replies = [];
          c.on('message', (m) => m && m.pid !== first && replies.push(m));
          c.on('online', ({ id, pid }) => {
            if (pid === first) return;
            c.send(id, 'one');
            c.send(id, 'two');
          });
          c.send(0, { cmd: 'exit' });
          await until(`both echoes (spares: ${spares}, round ${round})`, () => replies.length >= 2, 15_000);
          assert.deepEqual(replies.map((r) => (typeof r === 'string' ? r : r.m)), ['one', 'two']);
        } finally {
          await c.stop({ timeout: 0 });
        }
      }
    }
  });
}

test('a spare handed a slot before its main script registered (the worker module loaded by an --import preload) still runs the entry', { skip: linuxOnly }, async (t) => {
  const c = cluster(t, { entry: whoami, spares: 1, listen, execArgv: ['--import', fixture('preload-worker.mjs')] });
  await c.start();
  const exits = record(c, 'exit');
  const first = c.workers()[0].pid;
  const ready = next(c, 'ready', (w) => w.pid !== first);
  c.send(0, { cmd: 'exit' });
  const w = await ready;
  assert.equal((await ask(c, 0, { cmd: 'whoami' })).pid, w.pid);
  assert.deepEqual(exits.map((e) => e.reason), ['crash'], 'only the worker that was told to exit');
});

test('what a preload sends while the spare waits arrives once it has a slot, under that slot', { skip: linuxOnly }, async (t) => {
  const c = cluster(t, { entry: whoami, spares: 1, listen, execArgv: ['-r', fixture('preload-send.js')] });
  const announced = [];
  c.on('message', (m, from) => m && m.preload && announced.push({ ...from, sent: m.preload }));
  await c.start();
  const [spare] = await waitingSpares(c, 1);
  await sleep(300);
  const cold = c.workers()[0].pid;
  assert.deepEqual(announced, [{ id: 0, pid: cold, sent: cold }], 'nothing from the waiting spare yet');
  const ready = next(c, 'ready', (w) => w.pid === spare);
  c.send(0, { cmd: 'exit' });
  await ready;
  await until('the spare announcement', () => announced.length === 2);
  assert.deepEqual(announced[1], { id: 0, pid: spare, sent: spare });
});

test('spares that keep failing are given up with ERR_XSYS_SPARE_FAILED, and the workers carry on', { skip: linuxOnly }, async (t) => {
  const c = cluster(t, {
    entry: whoami,
    spares: 1,
    listen,
    execArgv: ['-r', fixture('no-spares.js')],
    maxRestarts: 2,
    restartDelay: 20,
  });
  const error = next(c, 'error');
  await c.start();
  const err = await error;
  assert.equal(err.code, 'ERR_XSYS_SPARE_FAILED');
  assert.match(err.message, /spare processes kept failing \(pid \d+ exited with exit code 7\)/);
  await sleep(300);
  assert.deepEqual(sparesOf(c), [], 'no further spare is started');
  assert.deepEqual(await ask(c, 0, { cmd: 'whoami' }).then((m) => m.id), 0, 'the worker serves');
});

test('reload() gives spares that were given up a fresh start', { skip: linuxOnly }, async (t) => {
  const flag = join(scratch(t), 'no-spares');
  writeFileSync(flag, '');
  const c = cluster(t, {
    entry: whoami,
    spares: 1,
    listen,
    execArgv: ['-r', fixture('no-spares.js')],
    env: { NO_SPARES_FLAG: flag },
    maxRestarts: 2,
    restartDelay: 20,
  });
  const error = next(c, 'error');
  await c.start();
  assert.equal((await error).code, 'ERR_XSYS_SPARE_FAILED');
  rmSync(flag);
  await c.reload();
  await waitingSpares(c, 1);
});

test("a spare's ready timeout starts when it is handed a slot", { skip: linuxOnly }, async (t) => {
  const flag = join(scratch(t), 'ready-once');
  const c = cluster(t, { entry: whoami, spares: 1, readyTimeout: 1500, listen, env: { READY_ONCE_FLAG: flag } });
  await c.start();
  // The spare waits far longer than the ready timeout without being killed for it.
  const [spare] = await waitingSpares(c, 1);
  await sleep(2000);
  assert.deepEqual(sparesOf(c), [spare]);
  const hung = next(c, 'exit', (e) => e.pid === spare);
  const activated = Date.now();
  c.send(0, { cmd: 'exit' });
  const e = await hung;
  assert.equal(e.reason, 'ready-timeout', 'the activated spare never said ready');
  assert.ok(Date.now() - activated >= 1400, 'it had the whole timeout from its activation');
});

test('the spares option is checked like Node checks arguments', () => {
  assert.throws(() => new Cluster({ entry: whoami, spares: -1 }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => new Cluster({ entry: whoami, spares: 1.5 }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => new Cluster({ entry: whoami, spares: '1' }), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => new Cluster({ entry: whoami, spares: 1, exec: '/bin/sh' }), {
    name: 'TypeError',
    code: 'ERR_INVALID_ARG_VALUE',
    message: /spares needs Node/,
  });
  assert.doesNotThrow(() => new Cluster({ entry: whoami, spares: 0, exec: '/bin/sh' }));
});
