// A hostile or broken worker: garbage and oversize frames close its channel only. The manager
// and the other workers carry on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cluster, fixture, next, record, sleep } from './cluster.helpers.mjs';

const echo = fixture('echo-worker.js');

/** Keeps workers `ids` busy echoing messages; returns the count each has answered. */
function keepBusy(c, ids) {
  const answered = new Map(ids.map((id) => [id, 0]));
  c.on('message', (m, from) => {
    if (!answered.has(from.id) || !m || m.ping === undefined) return;
    answered.set(from.id, answered.get(from.id) + 1);
    c.send(from.id, { ping: m.ping + 1 });
  });
  for (const id of ids) c.send(id, { ping: 0 });
  return answered;
}

async function hostileFrame(t, bytes, code) {
  const c = cluster(t, { entry: echo, workers: 3 });
  await c.start();
  const before = c.workers();
  const errors = record(c, 'error');
  const exits = record(c, 'exit');
  const answered = keepBusy(c, [1, 2]);
  await sleep(200);
  const replaced = next(c, 'ready', (w) => w.id === 0);
  const counts = [...answered.values()];
  c.send(0, { cmd: 'raw', base64: bytes.toString('base64') });
  const fresh = await replaced;
  await sleep(300);
  assert.equal(errors.length, 1);
  assert.equal(errors[0].code, code);
  assert.equal(errors[0].id, 0);
  assert.equal(errors[0].pid, before[0].pid);
  assert.match(errors[0].message, /worker 0 \(pid \d+\) sent a bad frame/);
  assert.deepEqual(exits.map((e) => [e.id, e.pid, e.reason]), [[0, before[0].pid, 'channel']]);
  assert.notEqual(fresh.pid, before[0].pid);
  const after = c.workers();
  assert.deepEqual(after.slice(1).map((w) => [w.pid, w.state]), before.slice(1).map((w) => [w.pid, 'ready']));
  for (const [i, id] of [1, 2].entries()) assert.ok(answered.get(id) > counts[i] + 10, `worker ${id} kept answering`);
  const echoed = next(c, 'message', (m) => m === 'hello again');
  c.send(0, 'hello again');
  await echoed;
}

const frame = (len, tag, body = Buffer.alloc(0)) => {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(len);
  head[4] = tag;
  return Buffer.concat([head, body]);
};

test('an oversize frame header closes that worker channel with ERR_XSYS_FRAME_TOO_LARGE; others carry on', async (t) => {
  // 1 GiB announced: refused from the header alone, nothing is buffered.
  await hostileFrame(t, frame(2 ** 30, 0x02), 'ERR_XSYS_FRAME_TOO_LARGE');
});

test('garbage bytes close that worker channel with ERR_XSYS_FRAME_MALFORMED; others carry on', async (t) => {
  await hostileFrame(t, frame(3, 0x7f, Buffer.from('zz')), 'ERR_XSYS_FRAME_MALFORMED');
});

test('invalid JSON closes that worker channel; others carry on', async (t) => {
  await hostileFrame(t, frame(6, 0x01, Buffer.from('{nope')), 'ERR_XSYS_FRAME_MALFORMED');
});

test('without an error listener a bad frame is a warning, not a crash of the manager', async (t) => {
  const c = cluster(t, { entry: echo });
  await c.start();
  const warning = new Promise((resolve) => process.once('warning', resolve));
  c.send(0, { cmd: 'raw', base64: frame(0, 0).toString('base64') });
  const w = await warning;
  assert.equal(w.code, 'ERR_XSYS_FRAME_MALFORMED');
  assert.match(w.message, /empty frame/);
  await next(c, 'ready');
});

test('a manager-to-worker frame type coming from a worker is refused too', async (t) => {
  await hostileFrame(t, frame(1, 0x21), 'ERR_XSYS_FRAME_MALFORMED');
});

test('an activate frame (manager to spare) coming from a worker is refused', async (t) => {
  await hostileFrame(t, frame(5, 0x22, Buffer.from([0, 0, 0, 1])), 'ERR_XSYS_FRAME_MALFORMED');
});
