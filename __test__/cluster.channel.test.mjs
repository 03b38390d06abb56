// The control channel itself: a socketpair nobody else can reach, and backpressure from a worker
// that stops reading through to 'drain', with nothing lost or reordered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratch } from './helpers.mjs';
import { cluster, fixture, next, sleep } from './cluster.helpers.mjs';

const probe = fixture('probe-worker.js');
const linuxOnly = process.platform !== 'linux' && 'reads /proc/<pid>/fd and /proc/net/unix (Linux only)';

/** Unix sockets by inode, from /proc/net/unix: `{ type, state, path }` (path '' when unbound). */
function unixSockets() {
  const sockets = new Map();
  for (const line of readFileSync('/proc/net/unix', 'utf8').trim().split('\n').slice(1)) {
    // Num RefCount Protocol Flags Type St Inode [Path]
    const [, , , , type, state, inode, ...path] = line.trim().split(/\s+/);
    sockets.set(inode, { type, state, path: path.join(' ') });
  }
  return sockets;
}

/** Socket inodes open in process `pid`, by fd. */
function socketFds(pid) {
  const out = new Map();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) out.set(Number(fd), m[1]);
    } catch {
      // Closed while we looked.
    }
  }
  return out;
}

test('the channel is a connected unix stream socket at fd 4 with no filesystem path, and no socket of the worker has one', { skip: linuxOnly }, async (t) => {
  const c = cluster(t, { entry: probe });
  await c.start();
  const [{ pid }] = c.workers();
  const fds = socketFds(pid);
  const unix = unixSockets();
  assert.ok(fds.has(4), `fd 4 of the worker is a socket (${[...fds.keys()]})`);
  // SOCK_STREAM is type 0001, SS_CONNECTED state 03.
  assert.deepEqual(unix.get(fds.get(4)), { type: '0001', state: '03', path: '' });
  const bound = [...fds].filter(([, inode]) => unix.get(inode)?.path).map(([fd, inode]) => `fd ${fd}: ${unix.get(inode).path}`);
  assert.deepEqual(bound, []);
});

const CHUNK = 64 * 1024;
const MAX_SENT = 64 * 1024 * 1024;

/** A 64 KiB Buffer that starts with its sequence number; every byte depends on it. */
function chunk(seq) {
  const buf = Buffer.alloc(CHUNK);
  for (let i = 4; i < CHUNK; i++) buf[i] = (i * 31 + seq) & 0xff;
  buf.writeUInt32BE(seq, 0);
  return buf;
}

/** A cluster whose worker 0 is busy, reading nothing, until `release()`; and its echoes. */
async function blockedWorker(t) {
  const flag = join(scratch(t), 'release');
  // The blocked worker sends no heartbeat; the test, not the supervisor, decides when it ends.
  const c = cluster(t, { entry: probe, heartbeatTimeout: 0 });
  await c.start();
  const blocking = next(c, 'message', (m) => m && m.blocking);
  c.send(0, { cmd: 'block', until: flag });
  await blocking;
  const echoes = [];
  c.on('message', (m) => Buffer.isBuffer(m) && echoes.push(m));
  return { c, echoes, release: () => writeFileSync(flag, '') };
}

async function allEchoed(echoes, sent) {
  const deadline = Date.now() + 60_000;
  while (echoes.length < sent.length && Date.now() < deadline) await sleep(20);
  assert.deepEqual(echoes.map((b) => b.readUInt32BE(0)), sent.map((_, i) => i), 'every Buffer came back once, in order');
  for (const [i, buf] of echoes.entries()) assert.ok(buf.equals(sent[i]), `echo ${i} is byte-identical`);
}

test('backpressure: send() returns false while the worker reads nothing, drain follows, every Buffer comes back in order', async (t) => {
  const { c, echoes, release } = await blockedWorker(t);
  const sent = [];
  let below = true;
  while (below && sent.length * CHUNK < MAX_SENT) {
    sent.push(chunk(sent.length));
    below = c.send(0, sent.at(-1));
    // Let the send be flushed (a queued microtask) before the next one.
    await null;
  }
  assert.equal(below, false, `send() still returned true after ${sent.length} × 64 KiB`);
  // Nothing can drain before the worker reads again.
  const drained = next(c, 'drain');
  release();
  assert.deepEqual(await drained, { id: 0 });
  sent.push(chunk(sent.length));
  assert.equal(c.send(0, sent.at(-1)), true, 'after drain, send() accepts again');
  await allEchoed(echoes, sent);
});

test('backpressure: a synchronous send() loop sees false within 16 MiB', async (t) => {
  const { c, echoes, release } = await blockedWorker(t);
  const sent = [];
  let below = true;
  while (below && sent.length * CHUNK < 16 * 1024 * 1024) {
    sent.push(chunk(sent.length));
    below = c.send(0, sent.at(-1));
  }
  assert.equal(below, false, `send() still returned true after ${sent.length} × 64 KiB`);
  const drained = next(c, 'drain');
  release();
  assert.deepEqual(await drained, { id: 0 });
  await allEchoed(echoes, sent);
});

test("backpressure: a worker that dies with a full queue releases it: 'drain' follows its 'exit', and its replacement takes sends again", async (t) => {
  // The blocked worker is killed below: nothing to release.
  const { c } = await blockedWorker(t);
  let sent = 0;
  while (c.send(0, chunk(sent)) && sent < 256) sent++;
  assert.ok(sent < 256, 'the queue filled up');
  const [{ pid }] = c.workers();
  const order = [];
  c.on('exit', () => order.push('exit'));
  c.on('drain', () => order.push('drain'));
  const drained = next(c, 'drain');
  const ready = next(c, 'ready');
  process.kill(pid, 'SIGKILL');
  assert.deepEqual(await drained, { id: 0 });
  assert.deepEqual(order, ['exit', 'drain']);
  await ready;
  const echoed = next(c, 'message', (m) => m && m.after === 'restart');
  assert.equal(c.send(0, { after: 'restart' }), true, 'sends to the new worker are not held back');
  await echoed;
});
