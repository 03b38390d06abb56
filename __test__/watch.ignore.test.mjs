// Ignore patterns and .gitignore files: ignored paths are not reported, ignored directories not
// even watched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { xsys, scratch } from './helpers.mjs';
import { record, ready, sleep, QUIET_MS, resources } from './watch.helpers.mjs';

const { watch } = xsys;

function project(t) {
  const root = scratch(t);
  for (const d of ['src', 'node_modules/pkg', 'dist', '.git/objects']) fs.mkdirSync(join(root, d), { recursive: true });
  return root;
}

async function open(t, root, options) {
  const w = watch(root, { debounce: 0, ...options });
  t.after(() => w.close());
  const rec = record(w);
  await ready(w);
  return rec;
}

test('ignored names and patterns are not reported; the rest is', async (t) => {
  const root = project(t);
  const rec = await open(t, root, { ignore: ['node_modules', '*.log', '/dist'] });
  fs.writeFileSync(join(root, 'node_modules/pkg/index.js'), 'x');
  fs.writeFileSync(join(root, 'src/debug.log'), 'x');
  fs.writeFileSync(join(root, 'dist/bundle.js'), 'x');
  fs.mkdirSync(join(root, 'src/dist'));
  fs.writeFileSync(join(root, 'src/app.js'), 'x');
  await rec.event('created', join(root, 'src/app.js'));
  await sleep(QUIET_MS);
  assert.deepEqual(rec.changes().filter((c) => !c.startsWith('modified')), [
    `created ${join(root, 'src/dist')}`, // `/dist` is anchored to the root
    `created ${join(root, 'src/app.js')}`,
  ]);
});

test('a single pattern may be given as a string; negations re-include', async (t) => {
  const root = project(t);
  const rec = await open(t, root, { ignore: ['*.tmp', '!keep.tmp'] });
  fs.writeFileSync(join(root, 'a.tmp'), 'x');
  fs.writeFileSync(join(root, 'keep.tmp'), 'x');
  await rec.event('created', join(root, 'keep.tmp'));
  await sleep(QUIET_MS);
  assert.ok(!rec.changes().some((c) => c.includes('a.tmp')));
  const single = await open(t, root, { ignore: '*.md' });
  fs.writeFileSync(join(root, 'README.md'), 'x');
  fs.writeFileSync(join(root, 'x.txt'), 'x');
  await single.event('created', join(root, 'x.txt'));
  await sleep(QUIET_MS);
  assert.ok(!single.changes().some((c) => c.includes('README.md')));
});

test('ignored directories get no kernel watch', async (t) => {
  const root = project(t);
  const before = resources().inotifyWatches;
  const w = watch(root, { ignore: ['node_modules', '.git'] });
  t.after(() => w.close());
  await ready(w);
  // root, src, dist; not node_modules, node_modules/pkg, .git, .git/objects
  assert.equal(resources().inotifyWatches - before, 3);
});

test('.gitignore files are honoured when asked, nested ones too, and .git is ignored', async (t) => {
  const root = project(t);
  fs.writeFileSync(join(root, '.gitignore'), 'node_modules/\n*.gen.js\n');
  fs.writeFileSync(join(root, 'src/.gitignore'), '!keep.gen.js\nlocal/\n');
  const rec = await open(t, root, { gitignore: true });
  fs.writeFileSync(join(root, 'node_modules/pkg/x.js'), 'x');
  fs.writeFileSync(join(root, '.git/objects/ab'), 'x');
  fs.writeFileSync(join(root, 'src/a.gen.js'), 'x');
  fs.mkdirSync(join(root, 'src/local'));
  fs.writeFileSync(join(root, 'src/keep.gen.js'), 'x');
  fs.writeFileSync(join(root, 'src/main.js'), 'x');
  await rec.event('created', join(root, 'src/main.js'));
  await sleep(QUIET_MS);
  assert.deepEqual(rec.changes().filter((c) => !c.startsWith('modified')), [
    `created ${join(root, 'src/keep.gen.js')}`,
    `created ${join(root, 'src/main.js')}`,
  ]);
});

test('without gitignore: true, .gitignore files are not consulted', async (t) => {
  const root = project(t);
  fs.writeFileSync(join(root, '.gitignore'), '*.gen.js\n');
  const rec = await open(t, root, {});
  fs.writeFileSync(join(root, 'src/a.gen.js'), 'x');
  await rec.event('created', join(root, 'src/a.gen.js'));
});

test('editing .gitignore changes what is reported from then on', async (t) => {
  const root = project(t);
  const rec = await open(t, root, { gitignore: true });
  fs.writeFileSync(join(root, '.gitignore'), '*.cache\n');
  await rec.event('created', join(root, '.gitignore'));
  await sleep(200);
  fs.writeFileSync(join(root, 'src/x.cache'), 'x');
  fs.writeFileSync(join(root, 'src/y.js'), 'x');
  await rec.event('created', join(root, 'src/y.js'));
  await sleep(QUIET_MS);
  assert.ok(!rec.changes().some((c) => c.includes('x.cache')), rec.changes().join('\n'));
});

test('an invalid pattern is a TypeError before anything is watched', (t) => {
  const root = project(t);
  assert.throws(() => watch(root, { ignore: ['a{b'] }), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
  assert.throws(() => watch(root, { ignore: [3] }), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
});
