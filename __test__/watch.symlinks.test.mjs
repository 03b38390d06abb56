// Symbolic links inside the tree: entries by default, descended into with followSymlinks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { xsys, scratch } from './helpers.mjs';
import { record, ready, sleep, QUIET_MS, resources } from './watch.helpers.mjs';

const { watch } = xsys;

function layout(t) {
  const root = scratch(t);
  const outside = scratch(t);
  fs.symlinkSync(outside, join(root, 'link'));
  return { root, outside };
}

test('by default a link is an entry: its target is not watched', async (t) => {
  const { root, outside } = layout(t);
  const w = watch(root, { debounce: 0 });
  t.after(() => w.close());
  const rec = record(w);
  await ready(w);
  fs.writeFileSync(join(outside, 'inside-target'), 'x');
  fs.symlinkSync('/nonexistent', join(root, 'dangling'));
  const events = await rec.event('created', join(root, 'dangling'));
  assert.equal(events.find((e) => e.path === join(root, 'dangling')).is_dir, false);
  await sleep(QUIET_MS);
  assert.deepEqual(rec.changes(), [`created ${join(root, 'dangling')}`]);
});

test('with followSymlinks a linked directory is watched under the link path', async (t) => {
  const { root, outside } = layout(t);
  const w = watch(root, { debounce: 0, followSymlinks: true });
  t.after(() => w.close());
  const rec = record(w);
  await ready(w);
  fs.writeFileSync(join(outside, 'f'), 'x');
  await rec.event('created', join(root, 'link/f'));
});

test('with followSymlinks a link back to an ancestor is not followed round and round', async (t) => {
  const root = scratch(t);
  fs.mkdirSync(join(root, 'a/b'), { recursive: true });
  fs.symlinkSync(root, join(root, 'a/b/up'));
  fs.symlinkSync(join(root, 'a'), join(root, 'again'));
  const before = resources().inotifyWatches;
  const w = watch(root, { debounce: 0, followSymlinks: true });
  t.after(() => w.close());
  const rec = record(w);
  await ready(w);
  assert.equal(resources().inotifyWatches - before, 3, 'root, a, a/b: each directory once');
  fs.writeFileSync(join(root, 'a/b/f'), 'x');
  await rec.event('created', join(root, 'a/b/f'));
  await sleep(QUIET_MS);
  assert.deepEqual(rec.changes().filter((c) => !c.startsWith('modified')), [`created ${join(root, 'a/b/f')}`]);
});

test('with followSymlinks a link into the watched tree is reported as a link, not watched twice', async (t) => {
  const root = scratch(t);
  fs.mkdirSync(join(root, 'store/pkg'), { recursive: true });
  const w = watch(root, { debounce: 0, followSymlinks: true });
  t.after(() => w.close());
  const rec = record(w);
  await ready(w);
  const watches = resources().inotifyWatches;
  fs.symlinkSync(join(root, 'store/pkg'), join(root, 'pkg'));
  const events = await rec.event('created', join(root, 'pkg'));
  assert.equal(events.find((e) => e.path === join(root, 'pkg')).is_dir, false);
  assert.equal(resources().inotifyWatches, watches);
  fs.writeFileSync(join(root, 'store/pkg/index.js'), 'x');
  await rec.event('created', join(root, 'store/pkg/index.js'));
  await sleep(QUIET_MS);
  assert.ok(!rec.changes().some((c) => c.includes(`${join(root, 'pkg')}/`)), rec.changes().join('\n'));
});
