// Resources come back: many start/stop cycles leak no descriptors or threads and leave no
// zombies. Alone in its file, so nothing else in this process opens or closes descriptors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { children, cluster, fixture, openFds, threads } from './cluster.helpers.mjs';

test('100 start/stop cycles leak no fds or threads and leave no child processes', { timeout: 600_000 }, async (t) => {
  const c = cluster(t, { entry: fixture('echo-worker.js'), workers: 2, listen: { port: 0, host: '127.0.0.1' } });
  // One warm-up cycle: napi's own runtime threads start on first use and stay.
  await c.start();
  await c.stop();
  const fds = openFds();
  const baseThreads = threads();
  for (let i = 0; i < 100; i++) {
    await c.start();
    c.send(i % 2, { cycle: i });
    await c.stop({ timeout: i % 10 === 0 ? 0 : 1000 });
  }
  assert.equal(openFds(), fds, 'open descriptors');
  assert.equal(threads(), baseThreads, 'threads');
  assert.deepEqual(children(), [], 'no child process, zombie or otherwise');
});

test('20 start/stop cycles with a spare, stopped while it boots and while it waits, leak nothing either', { timeout: 600_000 }, async (t) => {
  const c = cluster(t, { entry: fixture('echo-worker.js'), workers: 1, spares: 1 });
  await c.start();
  await c.stop();
  const fds = openFds();
  const baseThreads = threads();
  for (let i = 0; i < 20; i++) {
    await c.start();
    // Odd cycles wait for the spare (a second child); even ones stop while it may still boot.
    if (i % 2) while (children().filter((p) => p.state !== 'Z').length < 2) await new Promise((r) => setTimeout(r, 10));
    await c.stop({ timeout: i % 4 === 0 ? 0 : 1000 });
  }
  assert.equal(openFds(), fds, 'open descriptors');
  assert.equal(threads(), baseThreads, 'threads');
  assert.deepEqual(children(), [], 'no child process, zombie or otherwise');
});
