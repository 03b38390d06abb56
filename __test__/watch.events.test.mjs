// Every kind of event watch() reports, with its exact shape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { xsys, scratch } from './helpers.mjs';
import { record, ready, sleep, QUIET_MS } from './watch.helpers.mjs';

const { watch, Watcher } = xsys;

async function watching(t, options = {}) {
  const root = scratch(t, 'xsys-watch-');
  const w = watch(root, { debounce: 0, ...options });
  t.after(() => w.close());
  const rec = record(w);
  await ready(w);
  return { root, w, rec };
}

test('watch returns a Watcher that reports ready once, after the initial scan', async (t) => {
  const root = scratch(t);
  fs.writeFileSync(join(root, 'existing'), 'x');
  const w = watch(root);
  t.after(() => w.close());
  assert.ok(w instanceof Watcher);
  const rec = record(w);
  const [event] = await new Promise((resolve) => w.once('ready', (...args) => resolve(args)));
  assert.deepEqual(Object.keys(event).sort(), ['timestamp', 'type']);
  assert.equal(event.type, 'ready');
  assert.ok(Math.abs(event.timestamp - Date.now() / 1000) < 60, 'timestamp is unix seconds');
  await sleep(QUIET_MS);
  assert.deepEqual(rec.events.map((e) => e.type), ['ready'], 'existing entries are not reported');
});

test('a new file is one created event: type, absolute path, is_dir, unix timestamp', async (t) => {
  const { root, rec } = await watching(t);
  const before = Date.now() / 1000;
  fs.writeFileSync(join(root, 'a.txt'), 'hello');
  const events = await rec.event('created', join(root, 'a.txt'));
  const e = events.find((x) => x.type === 'created');
  assert.deepEqual(Object.keys(e).sort(), ['is_dir', 'path', 'timestamp', 'type']);
  assert.equal(e.is_dir, false);
  assert.ok(e.timestamp >= before - 1 && e.timestamp <= Date.now() / 1000 + 1, `${e.timestamp} is not now in unix seconds`);
  await sleep(QUIET_MS);
  assert.deepEqual(rec.changes().filter((c) => !c.startsWith('modified')), [`created ${join(root, 'a.txt')}`]);
});

test('writing to an existing file is reported as modified', async (t) => {
  const root = scratch(t);
  fs.writeFileSync(join(root, 'f'), 'one');
  const w = watch(root);
  t.after(() => w.close());
  const rec = record(w);
  await ready(w);
  fs.appendFileSync(join(root, 'f'), 'two');
  await rec.event('modified', join(root, 'f'));
  await sleep(QUIET_MS);
  assert.deepEqual(rec.changes(), [`modified ${join(root, 'f')}`]);
});

test('a permission change is reported as modified', async (t) => {
  const root = scratch(t);
  fs.writeFileSync(join(root, 'f'), 'x');
  const w = watch(root);
  t.after(() => w.close());
  const rec = record(w);
  await ready(w);
  fs.chmodSync(join(root, 'f'), 0o600);
  await rec.event('modified', join(root, 'f'));
  await sleep(QUIET_MS);
  assert.deepEqual(rec.changes(), [`modified ${join(root, 'f')}`]);
});

test('a deleted file is one deleted event', async (t) => {
  const root = scratch(t);
  fs.writeFileSync(join(root, 'f'), 'x');
  const w = watch(root, { debounce: 0 });
  t.after(() => w.close());
  const rec = record(w);
  await ready(w);
  fs.rmSync(join(root, 'f'));
  const events = await rec.event('deleted', join(root, 'f'));
  assert.equal(events.find((e) => e.type === 'deleted').is_dir, false);
  await sleep(QUIET_MS);
  assert.deepEqual(rec.changes(), [`deleted ${join(root, 'f')}`]);
});

test('a new directory tree is reported parent first, including what was written into it at once', async (t) => {
  const { root, rec } = await watching(t);
  fs.mkdirSync(join(root, 'a/b/c'), { recursive: true });
  fs.writeFileSync(join(root, 'a/b/c/f'), 'x');
  await rec.event('created', join(root, 'a/b/c/f'));
  await sleep(QUIET_MS);
  const created = rec.events.filter((e) => e.type === 'created');
  assert.deepEqual(created.map((e) => [e.path, e.is_dir]), [
    [join(root, 'a'), true],
    [join(root, 'a/b'), true],
    [join(root, 'a/b/c'), true],
    [join(root, 'a/b/c/f'), false],
  ]);
});

test('files created later in a new directory are reported (it is watched)', async (t) => {
  const { root, rec } = await watching(t);
  fs.mkdirSync(join(root, 'd'));
  await rec.event('created', join(root, 'd'));
  await sleep(100);
  fs.writeFileSync(join(root, 'd/later'), 'x');
  await rec.event('created', join(root, 'd/later'));
});

test('a removed tree is reported deepest first', async (t) => {
  const root = scratch(t);
  fs.mkdirSync(join(root, 'a/b'), { recursive: true });
  fs.writeFileSync(join(root, 'a/b/f'), 'x');
  const w = watch(root, { debounce: 0 });
  t.after(() => w.close());
  const rec = record(w);
  await ready(w);
  fs.rmSync(join(root, 'a'), { recursive: true });
  await rec.event('deleted', join(root, 'a'));
  await sleep(QUIET_MS);
  assert.deepEqual(rec.changes(), [
    `deleted ${join(root, 'a/b/f')}`,
    `deleted ${join(root, 'a/b')}`,
    `deleted ${join(root, 'a')}`,
  ]);
});

test('repeated writes within the debounce window are one event', async (t) => {
  const root = scratch(t);
  fs.writeFileSync(join(root, 'f'), '');
  const w = watch(root, { debounce: 300 });
  t.after(() => w.close());
  const rec = record(w);
  await ready(w);
  for (let i = 0; i < 10; i++) fs.appendFileSync(join(root, 'f'), `${i}\n`);
  await rec.event('modified', join(root, 'f'));
  await sleep(QUIET_MS);
  assert.deepEqual(rec.changes(), [`modified ${join(root, 'f')}`]);
});

test('a file created and deleted within the window is not reported at all', async (t) => {
  const root = scratch(t);
  const w = watch(root, { debounce: 300 });
  t.after(() => w.close());
  const rec = record(w);
  await ready(w);
  fs.writeFileSync(join(root, 'brief'), 'x');
  fs.rmSync(join(root, 'brief'));
  fs.writeFileSync(join(root, 'marker'), 'x');
  await rec.event('created', join(root, 'marker'));
  await sleep(QUIET_MS);
  assert.deepEqual(rec.changes(), [`created ${join(root, 'marker')}`]);
});

test('recursive: false reports direct entries only', async (t) => {
  const root = scratch(t);
  fs.mkdirSync(join(root, 'sub'));
  const w = watch(root, { recursive: false, debounce: 0 });
  t.after(() => w.close());
  const rec = record(w);
  await ready(w);
  fs.writeFileSync(join(root, 'sub/deep'), 'x');
  fs.mkdirSync(join(root, 'newdir'));
  fs.writeFileSync(join(root, 'newdir/deeper'), 'x');
  fs.writeFileSync(join(root, 'top'), 'x');
  await rec.event('created', join(root, 'top'));
  await sleep(QUIET_MS);
  assert.deepEqual(rec.changes().filter((c) => !c.startsWith('modified')), [
    `created ${join(root, 'newdir')}`,
    `created ${join(root, 'top')}`,
  ]);
});

test('several paths can be watched at once, files and directories', async (t) => {
  const a = scratch(t);
  const b = scratch(t);
  fs.writeFileSync(join(b, 'one.txt'), '1');
  fs.writeFileSync(join(b, 'other.txt'), '1');
  const w = watch([a, join(b, 'one.txt')], { debounce: 0 });
  t.after(() => w.close());
  const rec = record(w);
  await ready(w);
  fs.writeFileSync(join(b, 'other.txt'), '2');
  fs.writeFileSync(join(a, 'x'), 'x');
  fs.writeFileSync(join(b, 'one.txt'), '2');
  await rec.event('modified', join(b, 'one.txt'));
  await rec.event('created', join(a, 'x'));
  await sleep(QUIET_MS);
  assert.ok(!rec.changes().some((c) => c.includes('other.txt')), 'a sibling of a watched file is not reported');
});

test('all and the async iterator see every event; the iterator ends at close', async (t) => {
  const root = scratch(t);
  const w = watch(root, { debounce: 0 });
  const all = [];
  w.on('all', (e) => all.push(e.type));
  const seen = [];
  const done = (async () => {
    for await (const e of w) {
      seen.push(e.type);
      if (e.type === 'ready') fs.writeFileSync(join(root, 'f'), 'x');
      if (e.type === 'created') setImmediate(() => w.close());
    }
  })();
  await done;
  assert.equal(w.closed, true);
  assert.deepEqual(seen.slice(0, 2), ['ready', 'created']);
  assert.deepEqual(all.slice(0, 2), ['ready', 'created']);
});

test('leaving a for-await loop closes the watcher', async (t) => {
  const root = scratch(t);
  const w = watch(root);
  t.after(() => w.close());
  let closes = 0;
  w.on('close', () => closes++);
  for await (const e of w) {
    if (e.type === 'ready') break;
  }
  await w.close();
  assert.equal(closes, 1);
});

test('close resolves, emits close once, and nothing is reported afterwards', async (t) => {
  const root = scratch(t);
  const w = watch(root, { debounce: 0 });
  const rec = record(w);
  let closes = 0;
  w.on('close', () => closes++);
  await ready(w);
  const closing = w.close();
  assert.equal(w.close(), closing, 'close() is idempotent');
  fs.writeFileSync(join(root, 'after'), 'x');
  await closing;
  await sleep(QUIET_MS);
  assert.equal(closes, 1);
  assert.deepEqual(rec.changes(), []);
});

test('a throwing listener is an uncaught exception and does not cost other events their delivery', async (t) => {
  const root = scratch(t);
  const script = `
    const { watch } = require(${JSON.stringify(new URL('../index.js', import.meta.url).pathname)});
    const fs = require('fs');
    const out = [];
    process.on('uncaughtException', (e) => out.push('uncaught ' + e.message));
    const w = watch(${JSON.stringify(root)}, { debounce: 0 });
    w.once('created', () => { throw new Error('listener bug'); });
    w.on('all', (e) => {
      if (e.type === 'ready') { fs.writeFileSync(${JSON.stringify(join(root, 'a'))}, ''); fs.writeFileSync(${JSON.stringify(join(root, 'b'))}, ''); }
      if (e.type === 'created') out.push(e.path);
      if (e.path === ${JSON.stringify(join(root, 'b'))}) setTimeout(() => w.close().then(() => console.log(JSON.stringify(out))), 50);
    });`;
  const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout).sort(), [join(root, 'a'), join(root, 'b'), 'uncaught listener bug'].sort());
});

const asRoot = process.getuid?.() === 0;
const noSetpriv = asRoot && spawnSync('setpriv', ['--version']).status !== 0 && 'running as root without setpriv: permissions cannot be denied';

test('an unreadable directory inside the tree is an error event; the rest is watched', { skip: noSetpriv }, async (t) => {
  const root = scratch(t);
  fs.mkdirSync(join(root, 'locked'));
  fs.chmodSync(join(root, 'locked'), 0o000);
  fs.chmodSync(root, 0o777);
  // root bypasses permissions: run the watcher as an unprivileged user then.
  const script = `
    const { watch } = require(${JSON.stringify(new URL('../index.js', import.meta.url).pathname)});
    const fs = require('fs');
    const w = watch(${JSON.stringify(root)}, { debounce: 0 });
    const out = [];
    w.on('error', (e) => out.push(['error', e.code, e.path]));
    w.on('ready', () => fs.writeFileSync(${JSON.stringify(join(root, 'ok'))}, 'x'));
    w.on('created', (e) => { out.push(['created', e.path]); w.close().then(() => console.log(JSON.stringify(out))); });`;
  const cmd = asRoot ? ['setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', script]] : [process.execPath, ['-e', script]];
  const run = spawnSync(cmd[0], cmd[1], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(run.status, 0, run.stderr);
  const out = JSON.parse(run.stdout);
  assert.deepEqual(out, [
    ['error', 'EACCES', join(root, 'locked')],
    ['created', join(root, 'ok')],
  ]);
});

test('a panic on the watcher\'s thread is an ERR_XSYS_PANIC error event, and close() still works', async (t) => {
  const root = scratch(t);
  const w = watch(root);
  const rec = record(w);
  await ready(w);
  w.__panicEngine();
  const events = await rec.until((es) => es.some((e) => e.type === 'error'), 'the error event');
  const { error } = events.find((e) => e.type === 'error');
  assert.equal(error.code, 'ERR_XSYS_PANIC');
  assert.match(error.message, /deliberate panic/);
  await w.close();
  assert.equal(w.closed, true);
});
