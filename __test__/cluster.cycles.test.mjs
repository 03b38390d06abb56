// Resources come back: many start/stop cycles leak no descriptors or threads and leave no
// zombies. Alone in its file, so nothing else in this process opens or closes descriptors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { children, fixture, cluster, openFds, threads, sleep } from './cluster.helpers.mjs';

/**
 * `count` cycles of start, `during(i)`, stop with `timeout(i)`; afterwards descriptors and
 * threads are back where they were and no child is left.
 */
async function cycles(c, count, { during = () => {}, timeout }) {
  // One warm-up cycle: napi's own runtime threads start on first use and stay.
  await c.start();
  await c.stop();
  const fds = openFds();
  const baseThreads = threads();
  for (let i = 0; i < count; i++) {
    await c.start();
    await during(i);
    await c.stop({ timeout: timeout(i) });
  }
  assert.equal(openFds(), fds, 'open descriptors');
  assert.equal(threads(), baseThreads, 'threads');
  assert.deepEqual(children(), [], 'no child process, zombie or otherwise');
}

test('100 start/stop cycles leak no fds or threads and leave no child processes', { timeout: 600_000 }, async (t) => {
  const c = cluster(t, { entry: fixture('echo-worker.js'), workers: 2, listen: { port: 0, host: '127.0.0.1' } });
  await cycles(c, 100, {
    during: (i) => c.send(i % 2, { cycle: i }),
    timeout: (i) => (i % 10 === 0 ? 0 : 1000),
  });
});

test('20 start/stop cycles with a spare, stopped while it boots and while it waits, leak nothing either', { timeout: 600_000 }, async (t) => {
  const c = cluster(t, { entry: fixture('echo-worker.js'), workers: 1, spares: 1 });
  await cycles(c, 20, {
    // Odd cycles wait for the spare (a second child); even ones stop while it may still boot.
    during: async (i) => {
      if (i % 2) while (children().filter((p) => p.state !== 'Z').length < 2) await sleep(10);
    },
    timeout: (i) => (i % 4 === 0 ? 0 : 1000),
  });
});
