// The shared port: every worker serves it, and neither a rolling reload nor a crash refuses or
// drops a connection, because the listening socket belongs to the manager.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { alive, children, cluster, fixture, next, sleep } from './cluster.helpers.mjs';

const server = fixture('http-worker.js');

function get(port) {
  return new Promise((resolve, reject) => {
    // A new connection per request (agent: false): each one has to be accepted by some worker.
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(body)) : reject(new Error(`status ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** `concurrency` clients requesting in a loop until `stop()`; bounded in count and time. */
function load(port, { concurrency = 8, maxRequests = 20_000, maxMs = 60_000 } = {}) {
  const stats = { ok: 0, failed: 0, errors: [], pids: new Set() };
  let running = true;
  const deadline = Date.now() + maxMs;
  const client = async () => {
    while (running && stats.ok + stats.failed < maxRequests && Date.now() < deadline) {
      try {
        stats.pids.add((await get(port)).pid);
        stats.ok += 1;
      } catch (err) {
        stats.failed += 1;
        stats.errors.push(err.code || err.message);
      }
    }
  };
  const done = Promise.all(Array.from({ length: concurrency }, client));
  return {
    stats,
    async stop() {
      running = false;
      await done;
      return stats;
    },
  };
}

test('every worker serves the shared port', async (t) => {
  const c = cluster(t, { entry: server, workers: 2, listen: { port: 0, host: '127.0.0.1' } });
  await c.start();
  const { port, address, family } = c.address();
  assert.equal(address, '127.0.0.1');
  assert.equal(family, 'IPv4');
  const pids = new Set(c.workers().map((w) => w.pid));
  const seen = new Set();
  for (let i = 0; i < 200 && seen.size < 2; i++) seen.add((await get(port)).pid);
  assert.deepEqual([...seen].sort(), [...pids].sort());
});

for (const spares of [0, 1]) {
test(`reload() under steady HTTP load replaces every worker with 0 failed requests (spares: ${spares})`, { timeout: 120_000 }, async (t) => {
  // Each answer takes 20 ms, so requests are in flight whenever an old worker is told to stop.
  const c = cluster(t, { entry: server, workers: 2, spares, env: { HTTP_DELAY_MS: 20 }, listen: { port: 0, host: '127.0.0.1' } });
  await c.start();
  // With a spare, the first slot is handed the spare once it waits (it is started after start()).
  const online = [];
  c.on('online', (w) => online.push(w.pid));
  if (spares) while (children().filter((p) => p.state !== 'Z').length < 3) await sleep(20);
  const waiting = children().map((p) => p.pid).filter((pid) => !c.workers().some((w) => w.pid === pid));
  const old = c.workers().map((w) => w.pid);
  const traffic = load(c.address().port);
  while (traffic.stats.ok < 100) await sleep(20);
  const during = traffic.stats.ok;
  await c.reload();
  const fresh = c.workers().map((w) => w.pid);
  const at = traffic.stats.ok;
  while (traffic.stats.ok < at + 100) await sleep(20);
  const stats = await traffic.stop();
  assert.deepEqual(stats.errors, []);
  assert.equal(stats.failed, 0);
  assert.ok(stats.ok > during + 100, `${stats.ok} requests served`);
  assert.ok(fresh.every((pid) => !old.includes(pid)), 'every worker was replaced');
  assert.ok(fresh.every((pid) => stats.pids.has(pid)), 'the new workers served');
  assert.ok(old.every((pid) => stats.pids.has(pid)), 'the old workers served');
  assert.deepEqual(c.workers().map((w) => w.state), ['ready', 'ready']);
  assert.equal(online.length, 2);
  if (spares) assert.deepEqual(waiting, [online[0]], 'the first slot got the spare');
});
}

test('a crashed worker refuses no connection: the socket outlives it', { timeout: 120_000 }, async (t) => {
  const c = cluster(t, { entry: server, workers: 1, listen: { port: 0, host: '127.0.0.1' } });
  await c.start();
  const [{ pid }] = c.workers();
  const traffic = load(c.address().port, { concurrency: 4 });
  while (traffic.stats.ok < 50) await sleep(20);
  const ready = next(c, 'ready');
  c.send(0, 'crash');
  const replacement = await ready;
  const at = traffic.stats.ok;
  while (traffic.stats.ok < at + 50) await sleep(20);
  const stats = await traffic.stop();
  assert.notEqual(replacement.pid, pid);
  assert.ok(stats.pids.has(replacement.pid));
  // Connections queued while no worker ran wait in the backlog; none is refused. Requests the
  // dying worker had accepted but not answered are lost with it (a crash is a crash).
  assert.ok(!stats.errors.includes('ECONNREFUSED'), stats.errors.join());
});

test('reload() of a failed slot starts it afresh', async (t) => {
  const c = cluster(t, { entry: server, workers: 1, maxRestarts: 0, listen: { port: 0, host: '127.0.0.1' } });
  await c.start();
  const failed = next(c, 'failed');
  c.send(0, 'crash');
  await failed;
  assert.equal(c.workers()[0].state, 'failed');
  await c.reload();
  assert.equal(c.workers()[0].state, 'ready');
  assert.equal(typeof (await get(c.address().port)).pid, 'number');
});

test('reload() replaces one slot at a time: new online < its ready < old exit < next slot online; never more than workers + 1 processes', async (t) => {
  const c = cluster(t, { entry: fixture('echo-worker.js'), workers: 3 });
  await c.start();
  const old = c.workers().map((w) => w.pid);
  const log = [];
  for (const kind of ['online', 'ready', 'exit']) c.on(kind, (e) => log.push({ kind, ...e }));
  await c.reload();
  const fresh = c.workers().map((w) => w.pid);
  // Everything reload() did happened before it resolved: three new processes, three old ones gone.
  assert.deepEqual(log.map((e) => [e.kind, e.id]), [0, 1, 2].flatMap((id) => [['online', id], ['ready', id], ['exit', id]]));
  const at = (kind, pid) => log.findIndex((e) => e.kind === kind && e.pid === pid);
  for (const id of [0, 1, 2]) {
    const order = [at('online', fresh[id]), at('ready', fresh[id]), at('exit', old[id])];
    if (id < 2) order.push(at('online', fresh[id + 1]));
    assert.ok(order.every((i, k) => i >= 0 && (k === 0 || i > order[k - 1])), `slot ${id}: ${JSON.stringify(log)}`);
  }
  for (const e of log.filter((e) => e.kind === 'exit')) {
    assert.deepEqual({ code: e.code, signal: e.signal, reason: e.reason }, { code: 0, signal: null, reason: 'reload' });
  }
  let live = old.length;
  let most = live;
  for (const e of log) {
    if (e.kind === 'online') most = Math.max(most, ++live);
    if (e.kind === 'exit') live -= 1;
  }
  assert.equal(live, 3);
  assert.ok(most <= 4, `${most} worker processes were alive at once`);
  assert.ok(fresh.every((pid) => !old.includes(pid) && alive(pid)));
  assert.ok(old.every((pid) => !alive(pid)));
});
