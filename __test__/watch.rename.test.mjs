// Renames inside the watched tree are one `renamed` event with both paths; renames across its
// border are a deletion or a creation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { xsys, scratch } from './helpers.mjs';
import { record, ready, sleep, QUIET_MS } from './watch.helpers.mjs';

const { watch } = xsys;

async function tree(t, options = {}) {
  const outside = scratch(t);
  const root = scratch(t);
  fs.mkdirSync(join(root, 'a'));
  fs.mkdirSync(join(root, 'b'));
  fs.writeFileSync(join(root, 'a/file.txt'), 'x');
  const w = watch(root, { debounce: 0, ...options });
  t.after(() => w.close());
  const rec = record(w);
  await ready(w);
  return { root, outside, rec };
}

test('a rename within a directory is one renamed event with from and to', async (t) => {
  const { root, rec } = await tree(t);
  fs.renameSync(join(root, 'a/file.txt'), join(root, 'a/renamed.txt'));
  const events = await rec.event('renamed', join(root, 'a/renamed.txt'));
  const e = events.find((x) => x.type === 'renamed');
  assert.deepEqual(Object.keys(e).sort(), ['from', 'is_dir', 'path', 'timestamp', 'to', 'type']);
  assert.deepEqual([e.from, e.to, e.path, e.is_dir], [join(root, 'a/file.txt'), join(root, 'a/renamed.txt'), join(root, 'a/renamed.txt'), false]);
  await sleep(QUIET_MS);
  assert.deepEqual(rec.changes(), [`renamed ${join(root, 'a/file.txt')} -> ${join(root, 'a/renamed.txt')}`]);
});

test('a rename across directories is one renamed event', async (t) => {
  const { root, rec } = await tree(t);
  fs.renameSync(join(root, 'a/file.txt'), join(root, 'b/file.txt'));
  await rec.event('renamed', join(root, 'b/file.txt'));
  await sleep(QUIET_MS);
  assert.deepEqual(rec.changes(), [`renamed ${join(root, 'a/file.txt')} -> ${join(root, 'b/file.txt')}`]);
});

test('a renamed directory is one event, and what happens inside it is reported under its new path', async (t) => {
  const { root, rec } = await tree(t);
  fs.renameSync(join(root, 'a'), join(root, 'c'));
  const events = await rec.event('renamed', join(root, 'c'));
  assert.equal(events.find((e) => e.type === 'renamed').is_dir, true);
  fs.writeFileSync(join(root, 'c/new.txt'), 'x');
  fs.rmSync(join(root, 'c/file.txt'));
  await rec.event('created', join(root, 'c/new.txt'));
  await rec.event('deleted', join(root, 'c/file.txt'));
  await sleep(QUIET_MS);
  assert.ok(!rec.changes().some((c) => c.includes(`${join(root, 'a')}/`)), rec.changes().join('\n'));
});

test('moving an entry out of the tree is a deletion, moving one in is a creation with its contents', async (t) => {
  const { root, outside, rec } = await tree(t);
  fs.renameSync(join(root, 'a/file.txt'), join(outside, 'gone.txt'));
  await rec.event('deleted', join(root, 'a/file.txt'));
  fs.mkdirSync(join(outside, 'pkg/lib'), { recursive: true });
  fs.writeFileSync(join(outside, 'pkg/lib/index.js'), 'x');
  fs.renameSync(join(outside, 'pkg'), join(root, 'pkg'));
  await rec.event('created', join(root, 'pkg/lib/index.js'));
  await sleep(QUIET_MS);
  assert.deepEqual(rec.changes(), [
    `deleted ${join(root, 'a/file.txt')}`,
    `created ${join(root, 'pkg')}`,
    `created ${join(root, 'pkg/lib')}`,
    `created ${join(root, 'pkg/lib/index.js')}`,
  ]);
  // The moved-in directories are watched.
  fs.writeFileSync(join(root, 'pkg/lib/more.js'), 'x');
  await rec.event('created', join(root, 'pkg/lib/more.js'));
});

test('200 renames in a row are all reported as renames, none as a deletion and a creation', async (t) => {
  const { root, rec } = await tree(t);
  for (let i = 0; i < 100; i++) fs.writeFileSync(join(root, 'a', `f${i}`), `${i}`);
  await rec.until((es) => es.filter((e) => e.type === 'created').length === 100, '100 files');
  await sleep(QUIET_MS);
  rec.clear();
  for (let i = 0; i < 100; i++) {
    fs.renameSync(join(root, 'a', `f${i}`), join(root, 'a', `g${i}`)); // same directory
    fs.renameSync(join(root, 'a', `g${i}`), join(root, 'b', `g${i}`)); // across directories
  }
  // Renames read in the same batch may be merged (f -> g -> b/g as f -> b/g): follow the chains.
  const destination = (es, from) => {
    let at = from;
    for (const e of es) if (e.type === 'renamed' && e.from === at) at = e.to;
    return at;
  };
  const allArrived = (es) => Array.from({ length: 100 }, (_, i) => i).every((i) => destination(es, join(root, 'a', `f${i}`)) === join(root, 'b', `g${i}`));
  await rec.until(allArrived, 'every file at its final path');
  await sleep(QUIET_MS);
  assert.deepEqual(rec.changes().filter((c) => !c.startsWith('renamed')), []);
});

test('with a debounce window, chained renames collapse into one', async (t) => {
  const { root, rec } = await tree(t, { debounce: 300 });
  fs.renameSync(join(root, 'a/file.txt'), join(root, 'a/step.txt'));
  fs.renameSync(join(root, 'a/step.txt'), join(root, 'b/final.txt'));
  await rec.event('renamed', join(root, 'b/final.txt'));
  await sleep(QUIET_MS);
  assert.deepEqual(rec.changes(), [`renamed ${join(root, 'a/file.txt')} -> ${join(root, 'b/final.txt')}`]);
});
