// Messages between the manager and its workers: JSON and Buffers, both ways, in order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cluster, fixture, next, record } from './cluster.helpers.mjs';

const echo = fixture('echo-worker.js');

function replies(c, count) {
  return new Promise((resolve) => {
    const got = [];
    c.on('message', function on(message, from) {
      got.push([message, from.id]);
      if (got.length === count) {
        c.off('message', on);
        resolve(got);
      }
    });
  });
}

test('JSON messages reach the worker and its replies reach the manager, in order', async (t) => {
  const c = cluster(t, { entry: echo, workers: 2 });
  await c.start();
  const back = replies(c, 2000);
  for (let i = 0; i < 1000; i++) {
    c.send(0, { n: i, text: 'é€😀', nested: [i, { ok: true }] });
    c.send(1, { n: i, text: 'é€😀', nested: [i, { ok: true }] });
  }
  const got = await back;
  for (const id of [0, 1]) {
    const mine = got.filter(([, from]) => from === id).map(([m]) => m);
    assert.deepEqual(mine, Array.from({ length: 1000 }, (_, i) => ({ n: i, text: 'é€😀', nested: [i, { ok: true }] })));
  }
});

test('Buffers travel as bytes both ways, unchanged, and come back as Buffers', async (t) => {
  const c = cluster(t, { entry: echo });
  await c.start();
  const small = Buffer.from([0, 1, 2, 255, 0]);
  const large = Buffer.alloc(3 * 1024 * 1024);
  for (let i = 0; i < large.length; i++) large[i] = (i * 7) & 0xff;
  const back = replies(c, 3);
  c.send(0, small);
  c.send(0, large);
  c.send(0, new Uint16Array([0x4241]));
  const [[a], [b], [typed]] = await back;
  assert.ok(Buffer.isBuffer(a) && Buffer.isBuffer(b));
  assert.deepEqual(a, small);
  assert.ok(b.equals(large));
  assert.deepEqual(typed, Buffer.from([0x41, 0x42]));
});

test('a batch of JSON only and a batch mixing JSON and Buffers both arrive whole, in order, with their types', async (t) => {
  const c = cluster(t, { entry: echo });
  await c.start();
  // Sent in one turn, echoed by the worker in one turn: each batch reaches the manager in one read.
  const text = { s: 'naïve café ✓ 😀 \u0000 "quoted" \\ end', n: [1, 2.5, -3], nested: { ok: true, none: null } };
  const jsonOnly = [text, 'a string', 42, [1, [2]], { empty: '' }];
  let back = replies(c, jsonOnly.length);
  for (const m of jsonOnly) c.send(0, m);
  assert.deepEqual((await back).map(([m]) => m), jsonOnly);
  const mixed = [text, Buffer.from([1, 2, 3]), 'between', Buffer.alloc(0), { last: 1 }];
  back = replies(c, mixed.length);
  for (const m of mixed) c.send(0, m);
  const got = (await back).map(([m]) => m);
  assert.deepEqual(got.map((m) => Buffer.isBuffer(m)), mixed.map((m) => Buffer.isBuffer(m)));
  assert.deepEqual(got, mixed);
});

test('message senders are identified by worker id and pid', async (t) => {
  const c = cluster(t, { entry: echo, workers: 2 });
  await c.start();
  const pids = new Map(c.workers().map((w) => [w.id, w.pid]));
  const [, from] = await Promise.all([c.send(1, 'who'), next(c, 'message')]).then(([, m]) => m);
  assert.deepEqual(from, { id: 1, pid: pids.get(1) });
});

test('broadcast reaches every worker', async (t) => {
  const c = cluster(t, { entry: echo, workers: 3 });
  await c.start();
  const back = replies(c, 3);
  c.broadcast({ to: 'all' });
  const got = await back;
  assert.deepEqual(got.map(([, id]) => id).sort(), [0, 1, 2]);
  assert.ok(got.every(([m]) => m.to === 'all'));
});

test('a worker learns its id, arguments, environment and directory from the options', async (t) => {
  const cwd = fixture('');
  const c = cluster(t, {
    entry: echo,
    workers: 2,
    args: ['--flag', 'value'],
    execArgv: ['--max-old-space-size=64'],
    env: { XSYS_TEST_VAR: 'set', XSYS_NUMBER: 5 },
    cwd,
  });
  await c.start();
  const back = replies(c, 2);
  c.send(0, { cmd: 'env', name: 'XSYS_TEST_VAR' });
  c.send(1, { cmd: 'env', name: 'PATH' });
  const got = new Map((await back).map(([m, id]) => [id, m]));
  assert.equal(got.get(0).id, 0);
  assert.equal(got.get(1).id, 1);
  assert.equal(got.get(0).env, 'set');
  assert.equal(got.get(1).env, process.env.PATH, 'the manager environment is inherited');
  assert.deepEqual(got.get(0).argv, ['--flag', 'value']);
  assert.deepEqual(got.get(0).execArgv, ['--max-old-space-size=64']);
  assert.equal(got.get(0).cwd, cwd.replace(/\/$/, ''));
});

test('what a worker sends just before exiting arrives before its exit event', async (t) => {
  const c = cluster(t, { entry: echo, maxRestarts: 0 });
  await c.start();
  const messages = record(c, 'message');
  c.send(0, { cmd: 'send-then-exit', count: 500 });
  const exit = await next(c, 'exit');
  assert.equal(exit.code, 0);
  assert.equal(messages.length, 500);
  assert.deepEqual(messages.at(-1)[0], { last: 499 });
});

test('send to a worker that is not running throws ERR_XSYS_NO_WORKER', async (t) => {
  const c = cluster(t, { entry: echo });
  assert.throws(() => c.send(0, 'x'), { code: 'ERR_XSYS_NO_WORKER' });
  await c.start();
  assert.throws(() => c.send(7, 'x'), { code: 'ERR_XSYS_NO_WORKER' });
  assert.throws(() => c.send('0', 'x'), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => c.send(0, undefined), { code: 'ERR_INVALID_ARG_TYPE' });
});

test('messages larger than maxFrame are refused on both sides before they are sent', async (t) => {
  const c = cluster(t, { entry: echo, maxFrame: 1024 });
  await c.start();
  assert.throws(() => c.send(0, 'x'.repeat(2000)), { code: 'ERR_XSYS_FRAME_TOO_LARGE', name: 'RangeError' });
  // A frame of exactly maxFrame bytes (tag included) passes.
  const exact = next(c, 'message');
  c.send(0, Buffer.alloc(1023));
  assert.equal((await exact)[0].length, 1023);
  // The worker's client knows the limit too.
  const refused = next(c, 'message');
  c.send(0, { cmd: 'try-send', size: 1024 });
  assert.deepEqual((await refused)[0], { refused: 'ERR_XSYS_FRAME_TOO_LARGE' });
});

test('a throwing message listener is an uncaught exception; the messages after it still arrive', () => {
  const out = execFileSync(process.execPath, [fixture('throwing-listener-manager.js')], { encoding: 'utf8', timeout: 30_000 });
  assert.deepEqual(JSON.parse(out.trim().split('\n').pop()), { caught: ['listener failed on 1'], got: [0, 1, 2, 3, 4] });
});
