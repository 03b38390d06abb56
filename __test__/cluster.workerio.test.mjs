// The worker side's own I/O: frames read into one reused buffer, writes straight to the socket
// while nothing is queued and through the stream once the socket is full, and a throwing
// message listener that is the listener's failure, not the channel's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { cluster, fixture, next, record } from './cluster.helpers.mjs';

const require = createRequire(import.meta.url);
const { FrameReader, FrameWriter, TAG } = require('../lib/frame.js');
const flood = fixture('flood-worker.js');

test('FrameReader: frames split anywhere across pushes of one reused buffer decode intact', () => {
  const writer = new FrameWriter();
  const big = Buffer.alloc(200_000);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 255;
  writer.push({ a: 'é', n: [1, 2, 3] });
  writer.push(big);
  writer.pushControl(TAG.GC);
  writer.push('tail');
  const wire = Buffer.from(writer.take(false));
  const activate = Buffer.from([0, 0, 0, 5, TAG.ACTIVATE, 0, 0, 1, 2]);
  const stream = Buffer.concat([wire, activate]);
  for (const step of [1, 3, 4096, 65536, stream.length]) {
    const seen = [];
    const reader = new FrameReader(1 << 20, (tag, m) => seen.push([tag, m]));
    const reused = Buffer.alloc(step);
    for (let off = 0; off < stream.length; off += step) {
      const n = stream.copy(reused, 0, off, Math.min(stream.length, off + step));
      reader.push(reused.subarray(0, n), true);
      reused.fill(0xee); // what the next read would do to it
    }
    assert.deepEqual(seen.map(([tag]) => tag), [TAG.JSON, TAG.BINARY, TAG.GC, TAG.JSON, TAG.ACTIVATE], `step ${step}`);
    assert.deepEqual(seen[0][1], { a: 'é', n: [1, 2, 3] });
    assert.ok(seen[1][1].equals(big), `step ${step}: the Buffer is intact`);
    assert.equal(seen[3][1], 'tail');
    assert.equal(seen[4][1], 258, 'activate carries the worker id');
  }
});

test('a worker flooding a manager whose event loop is blocked: the socket fills, every Buffer still arrives once, in order, intact', { timeout: 120_000 }, async (t) => {
  const c = cluster(t, { entry: flood });
  await c.start();
  const COUNT = 200;
  const SIZE = 100_000;
  const got = [];
  const done = next(c, 'message', (m) => m && m.done !== undefined, 60_000);
  c.on('message', (m) => {
    if (Buffer.isBuffer(m)) got.push(m);
  });
  c.send(0, { flood: COUNT, size: SIZE });
  // Block this thread (the one that reads the channel) while the worker writes 20 MB.
  const until = Date.now() + 400;
  while (Date.now() < until);
  const [summary] = await done;
  assert.equal(summary.done, COUNT);
  assert.ok(summary.waits > 0, 'the worker had to wait for drain: the socket was full');
  assert.equal(got.length, COUNT);
  got.forEach((b, i) => {
    assert.equal(b.length, SIZE);
    assert.ok(b[0] === (i & 255) && b[SIZE - 1] === (i & 255) && b.every((x) => x === (i & 255)), `buffer ${i}`);
  });
});

test("a worker's throwing message listener is an uncaught exception of the worker, not a bad frame; the messages after it arrive", { timeout: 30_000 }, async (t) => {
  const c = cluster(t, { entry: flood });
  await c.start();
  const [{ pid }] = c.workers();
  const exits = record(c, 'exit');
  const replies = [];
  const all = new Promise((resolve, reject) => {
    c.on('message', (m) => {
      replies.push(m);
      if (replies.length === 3) resolve();
    });
    c.on('exit', (e) => reject(new Error(`the worker exited (${JSON.stringify(e)}) after ${JSON.stringify(replies)}`)));
  });
  // One turn: the three frames leave in one write and are read together.
  c.send(0, 'a');
  c.send(0, 'throw');
  c.send(0, 'b');
  await all;
  assert.deepEqual(replies, ['a', 'b', { uncaught: 'listener failed' }]);
  assert.deepEqual(exits, [], 'the worker lives on');
  assert.equal(c.workers()[0].pid, pid);
  const echoed = next(c, 'message', (m) => m === 'still here');
  c.send(0, 'still here');
  await echoed;
});
