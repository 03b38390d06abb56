// What a watcher holds: one kernel watch per directory, never per file; and after close()
// nothing at all: no watch, descriptor, thread or inotify instance, nothing keeping Node alive.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { xsys, scratch, require } from './helpers.mjs';
import { ready, resources, settled, steady } from './watch.helpers.mjs';

const { watch } = xsys;
const entry = require.resolve('../index.js');
const helpers = new URL('./watch.helpers.mjs', import.meta.url).href;

/** Run an ES module script in a fresh Node; it must exit by itself. */
function runScript(source, timeout = 120_000) {
  const started = Date.now();
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', source], { encoding: 'utf8', timeout });
  return { ...run, ms: Date.now() - started };
}

test('kernel watches equal the number of directories, none per file', async (t) => {
  const root = scratch(t);
  for (let d = 0; d < 5; d++) {
    fs.mkdirSync(join(root, `d${d}/inner`), { recursive: true });
    for (let f = 0; f < 50; f++) fs.writeFileSync(join(root, `d${d}/f${f}`), 'x');
  }
  await (await ready(watch(root))).close(); // start the thread pools the addon keeps
  const before = await steady();
  const w = watch(root);
  await ready(w);
  assert.equal(resources().inotifyWatches - before.inotifyWatches, 11, 'root + 5 + 5 inner directories');
  assert.equal(resources().inotifyInstances - before.inotifyInstances, 1);
  await w.close();
  assert.deepEqual(await settled(before), before);
});

test('100 watchers opened and closed leak nothing, and the script exits by itself', (t) => {
  const root = scratch(t);
  fs.mkdirSync(join(root, 'a/b'), { recursive: true });
  const run = runScript(`
    import { createRequire } from 'node:module';
    import { resources, settled, steady } from ${JSON.stringify(helpers)};
    const { watch } = createRequire(import.meta.url)(${JSON.stringify(entry)});
    const { once } = await import('node:events');
    // Load everything once (the addon, tokio's and rayon's pools) so the baseline is steady.
    const warm = watch(${JSON.stringify(root)});
    await once(warm, 'ready');
    await warm.close();
    const baseline = await steady();
    for (let round = 0; round < 4; round++) {
      const open = Array.from({ length: 25 }, () => watch(${JSON.stringify(root)}));
      await Promise.all(open.map((w) => once(w, 'ready')));
      await Promise.all(open.map((w) => w.close()));
    }
    const all = Array.from({ length: 100 }, () => watch(${JSON.stringify(root)}, { persistent: true }));
    await Promise.all(all.map((w) => once(w, 'ready')));
    const during = resources();
    await Promise.all(all.map((w) => w.close()));
    console.log(JSON.stringify({ baseline, during, after: await settled(baseline) }));
  `);
  assert.equal(run.status, 0, run.stderr);
  const { baseline, during, after } = JSON.parse(run.stdout);
  assert.equal(during.inotifyInstances - baseline.inotifyInstances, 100);
  assert.equal(during.inotifyWatches - baseline.inotifyWatches, 300);
  assert.deepEqual(after, baseline);
});

test('an open persistent watcher keeps Node alive until it is closed', (t) => {
  const root = scratch(t);
  const run = runScript(`
    import { createRequire } from 'node:module';
    const { watch } = createRequire(import.meta.url)(${JSON.stringify(entry)});
    const w = watch(${JSON.stringify(root)});
    w.on('ready', () => setTimeout(() => { console.log('closing'); w.close(); }, 500));
    w.on('close', () => console.log('closed'));
  `);
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(run.stdout.trim().split('\n'), ['closing', 'closed']);
});

test('persistent: false and unref() do not keep Node alive', (t) => {
  const root = scratch(t);
  for (const open of ['watch(root, { persistent: false })', 'watch(root).unref()']) {
    const run = runScript(`
      import { createRequire } from 'node:module';
      const { watch } = createRequire(import.meta.url)(${JSON.stringify(entry)});
      const root = ${JSON.stringify(root)};
      const w = ${open};
      w.on('ready', () => console.log('ready'));
    `, 20_000);
    assert.equal(run.status, 0, `${open}: ${run.stderr}`);
    assert.ok(run.ms < 15_000, `${open} kept Node alive for ${run.ms} ms`);
  }
});
