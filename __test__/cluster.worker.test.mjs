// The worker module: what it reads from the manager, what it leaves to its own children, and how
// it behaves in a process no Cluster started.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cluster, fixture, next } from './cluster.helpers.mjs';

const probe = fixture('probe-worker.js');
const workerModule = fileURLToPath(new URL('../worker.js', import.meta.url));

/** XYPRISS_* variables of this process (none, usually): a worker's children inherit them legitimately. */
const inherited = () => Object.keys(process.env).filter((k) => k.startsWith('XYPRISS_')).sort();

test("a Node process a worker spawns is not a worker: the manager's XYPRISS_* variables are gone from process.env", async (t) => {
  // With `listen`, the manager sets all five variables, XYPRISS_LISTEN_FD included.
  const c = cluster(t, { entry: probe, listen: { port: 0, host: '127.0.0.1' } });
  await c.start();
  const reply = next(c, 'message', (m) => m && m.self !== undefined);
  c.send(0, { cmd: 'child-env' });
  const [m] = await reply;
  assert.equal(m.error, undefined);
  assert.deepEqual(m.child, { isWorker: false, id: null, envKeys: inherited() });
  // The worker itself read them before they were removed.
  assert.deepEqual(m.self, { isWorker: true, id: 0, listenHandle: { fd: 3 }, envKeys: inherited() });
});

test('outside a cluster the worker module is inert: no worker, no id, send and listenHandle throw, no addon, no handle', () => {
  const script = `
    const w = require(process.argv[1]);
    const codeOf = (fn) => { try { fn(); return 'no error'; } catch (err) { return err.code; } };
    console.log(JSON.stringify({
      isWorker: w.isWorker,
      id: w.id,
      send: codeOf(() => w.send('hello')),
      listenHandle: codeOf(() => w.listenHandle()),
      ready: codeOf(() => w.ready()),
      addons: Object.keys(require.cache).filter((k) => k.endsWith('.node')),
    }));`;
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('XYPRISS_')));
  // A handle kept open would keep the process alive until the timeout kills it.
  const out = spawnSync(process.execPath, ['-e', script, workerModule], { env, encoding: 'utf8', timeout: 30_000 });
  assert.equal(out.error, undefined);
  assert.deepEqual({ status: out.status, signal: out.signal, stderr: out.stderr }, { status: 0, signal: null, stderr: '' });
  assert.deepEqual(JSON.parse(out.stdout), {
    isWorker: false,
    id: null,
    send: 'ERR_XSYS_NOT_A_WORKER',
    listenHandle: 'ERR_XSYS_NOT_A_WORKER',
    ready: 'no error',
    addons: [],
  });
});

test('a second copy of the worker module in a worker is the same worker (it does not lose the removed variables)', async (t) => {
  const c = cluster(t, { entry: fixture('probe-worker.js') });
  await c.start();
  const reply = next(c, 'message', (m) => m && m.same !== undefined);
  c.send(0, { cmd: 'again' });
  const [message] = await reply;
  assert.deepEqual(message, { same: true, isWorker: true, id: 0 });
});
