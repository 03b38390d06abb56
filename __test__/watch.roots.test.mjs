// The watched paths themselves: missing at start, deleted, moved away, re-created.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { xsys, scratch } from './helpers.mjs';
import { record, ready, sleep, QUIET_MS, resources } from './watch.helpers.mjs';

const { watch } = xsys;

test('watching a path that does not exist throws ENOENT like node:fs', (t) => {
  const root = scratch(t);
  const missing = join(root, 'nope');
  assert.throws(() => watch(missing), { code: 'ENOENT', syscall: 'stat', path: missing, errno: -2 });
  assert.throws(() => watch([root, missing]), { code: 'ENOENT', path: missing });
});

test('a watched directory deleted and re-created is reported, and watched again', async (t) => {
  const parent = scratch(t);
  const root = join(parent, 'project');
  fs.mkdirSync(join(root, 'src'), { recursive: true });
  fs.writeFileSync(join(root, 'src/a.js'), 'x');
  const w = watch(root, { debounce: 0 });
  t.after(() => w.close());
  const rec = record(w);
  await ready(w);

  fs.rmSync(root, { recursive: true });
  await rec.event('deleted', root);
  assert.deepEqual(rec.changes(), [`deleted ${join(root, 'src/a.js')}`, `deleted ${join(root, 'src')}`, `deleted ${root}`]);
  rec.clear();

  fs.mkdirSync(join(root, 'src'), { recursive: true });
  fs.writeFileSync(join(root, 'src/b.js'), 'x');
  await rec.event('created', join(root, 'src/b.js'));
  assert.equal(rec.changes()[0], `created ${root}`);
  rec.clear();

  // Watched again, subdirectories included.
  fs.writeFileSync(join(root, 'src/c.js'), 'x');
  await rec.event('created', join(root, 'src/c.js'));
});

test('a watched directory whose parents are deleted too is found again when they come back', async (t) => {
  const top = scratch(t);
  const root = join(top, 'a/b/watched');
  fs.mkdirSync(root, { recursive: true });
  const w = watch(root, { debounce: 0 });
  t.after(() => w.close());
  const rec = record(w);
  await ready(w);
  fs.rmSync(join(top, 'a'), { recursive: true });
  await rec.event('deleted', root);
  await sleep(100);
  fs.mkdirSync(root, { recursive: true });
  await rec.event('created', root);
  fs.writeFileSync(join(root, 'f'), 'x');
  await rec.event('created', join(root, 'f'));
});

test('a watched directory moved away is reported deleted, and its new place is not watched', async (t) => {
  const parent = scratch(t);
  const root = join(parent, 'w');
  fs.mkdirSync(root);
  fs.writeFileSync(join(root, 'f'), 'x');
  const w = watch(root, { debounce: 0 });
  t.after(() => w.close());
  const rec = record(w);
  await ready(w);
  fs.renameSync(root, join(parent, 'elsewhere'));
  await rec.event('deleted', root);
  fs.writeFileSync(join(parent, 'elsewhere/g'), 'x');
  fs.mkdirSync(root);
  fs.writeFileSync(join(root, 'h'), 'x');
  await rec.event('created', join(root, 'h'));
  await sleep(QUIET_MS);
  assert.ok(!rec.changes().some((c) => c.includes('elsewhere')), rec.changes().join('\n'));
});

test('while a watched directory is missing only its nearest existing ancestor is watched', async (t) => {
  const top = scratch(t);
  const root = join(top, 'gone/watched');
  fs.mkdirSync(join(root, 'x/y'), { recursive: true });
  const baseline = resources().inotifyWatches;
  const w = watch(root, { debounce: 0 });
  t.after(() => w.close());
  const rec = record(w);
  await ready(w);
  assert.equal(resources().inotifyWatches - baseline, 3, 'watched, x, x/y');
  fs.rmSync(join(top, 'gone'), { recursive: true });
  await rec.event('deleted', root);
  await sleep(100);
  assert.equal(resources().inotifyWatches - baseline, 1, 'only the ancestor that still exists');
  await w.close();
  assert.equal(resources().inotifyWatches, baseline);
});

test('a path given twice, or inside another watched path, is reported once', async (t) => {
  const root = scratch(t);
  fs.mkdirSync(join(root, 'sub'));
  const w = watch([root, root, join(root, 'sub')], { debounce: 0 });
  t.after(() => w.close());
  const rec = record(w);
  await ready(w);
  fs.writeFileSync(join(root, 'sub/f'), 'x');
  await rec.event('created', join(root, 'sub/f'));
  await sleep(QUIET_MS);
  assert.deepEqual(rec.changes().filter((c) => c.startsWith('created')), [`created ${join(root, 'sub/f')}`]);
});

test('relative paths and file: URLs are resolved; events carry absolute paths', async (t) => {
  const root = scratch(t);
  const w = watch(new URL(`file://${root}`), { debounce: 0 });
  t.after(() => w.close());
  const rec = record(w);
  await ready(w);
  fs.writeFileSync(join(root, 'f'), 'x');
  await rec.event('created', join(root, 'f'));
});
