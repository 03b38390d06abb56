// Losing nothing: 40,000 files created by another process while JavaScript is blocked, or while
// the kernel's event queue overflows for real, are all reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { xsys, scratch } from './helpers.mjs';
import { record, ready } from './watch.helpers.mjs';

const { watch } = xsys;
const FILES = 40_000;
const GENEROUS = 180_000; // a shared 2-core CI machine creating 40,000 files

/** Another process creating `count` files in `dir`; resolves when it has exited. */
function createFiles(dir, count) {
  const child = spawn(process.execPath, ['-e', `
    const fs = require('fs');
    for (let i = 0; i < ${count}; i++) fs.writeFileSync(${JSON.stringify(dir)} + '/f' + i, 'x');
  `], { stdio: 'inherit' });
  return once(child, 'exit').then(([code]) => assert.equal(code, 0));
}

function blockFor(ms) {
  const until = Date.now() + ms;
  while (Date.now() < until); // the JS thread is busy: nothing is delivered meanwhile
}

function createdPaths(events) {
  return new Set(events.filter((e) => e.type === 'created').map((e) => e.path));
}

async function expectAll(rec, dir) {
  const expected = Array.from({ length: FILES }, (_, i) => join(dir, `f${i}`));
  await rec.until((es) => createdPaths(es).size >= FILES, `${FILES} created events`, GENEROUS);
  const seen = createdPaths(rec.events);
  assert.deepEqual(expected.filter((p) => !seen.has(p)), [], 'files never reported');
  assert.equal(seen.size, FILES);
  assert.deepEqual(rec.events.filter((e) => e.type === 'error'), []);
}

test('40,000 files created while the JS thread is blocked for 3 s are all reported', { timeout: GENEROUS + 60_000 }, async (t) => {
  const dir = scratch(t, 'xsys-flood-');
  const w = watch(dir, { debounce: 0 });
  t.after(() => w.close());
  const rec = record(w);
  await ready(w);
  const creating = createFiles(dir, FILES);
  blockFor(3000);
  await creating;
  await expectAll(rec, dir);
});

const maxQueued = Number(readFileSync('/proc/sys/fs/inotify/max_queued_events', 'utf8'));
const cannotOverflow = maxQueued >= FILES && `fs.inotify.max_queued_events (${maxQueued}) holds the whole flood: no overflow to recover from`;

test('a real kernel queue overflow is reported, and the rescan reports every file', { timeout: GENEROUS + 60_000, skip: cannotOverflow }, async (t) => {
  const dir = scratch(t, 'xsys-overflow-');
  const w = watch(dir, { debounce: 0 });
  t.after(() => w.close());
  const rec = record(w);
  await ready(w);
  // The kernel-event thread sleeps until the flood is over, so the kernel queue overflows.
  w.__stallBackend(600_000);
  const creating = createFiles(dir, FILES);
  blockFor(3000);
  await creating;
  w.__stallBackend(0);
  await rec.until((es) => es.some((e) => e.type === 'overflow'), 'the overflow event', GENEROUS);
  const overflow = rec.events.find((e) => e.type === 'overflow');
  assert.deepEqual([overflow.path, overflow.is_dir], [dir, true]);
  await expectAll(rec, dir);
});
