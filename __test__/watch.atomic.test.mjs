// Atomic saves: editors write a temporary file and rename it over the original. That must read as
// exactly one `modified` for the file, and a watch on the file itself must survive it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { xsys, scratch } from './helpers.mjs';
import { record, ready, sleep, QUIET_MS } from './watch.helpers.mjs';

const { watch } = xsys;

function atomicSave(file, content, tmpName = `.${file.split('/').pop()}.swp`) {
  const tmp = join(file, '..', tmpName);
  fs.writeFileSync(tmp, content);
  fs.renameSync(tmp, file);
}

async function setup(t, options) {
  const root = scratch(t);
  const file = join(root, 'config.json');
  fs.writeFileSync(file, '{"v":0}');
  const w = watch(options.file ? file : root, options);
  t.after(() => w.close());
  const rec = record(w);
  await ready(w);
  return { root, file, rec };
}

const forFile = (rec, file) => rec.changes().filter((c) => c.includes(file));

test('an atomic save (temp file renamed over the original) is exactly one modified, and nothing else', async (t) => {
  const { file, rec } = await setup(t, {});
  atomicSave(file, '{"v":1}');
  await rec.event('modified', file);
  await sleep(QUIET_MS);
  assert.deepEqual(rec.changes(), [`modified ${file}`]);
});

test('with debounce 0 an atomic save is still exactly one modified for the file', async (t) => {
  const { file, rec } = await setup(t, { debounce: 0 });
  atomicSave(file, '{"v":1}');
  await rec.event('modified', file);
  await sleep(QUIET_MS);
  assert.deepEqual(forFile(rec, file), [`modified ${file}`]);
  // The temporary file may be seen coming and going, never as the file itself.
  assert.ok(rec.changes().every((c) => c === `modified ${file}` || c.includes('.config.json.swp')), rec.changes().join('\n'));
});

test('mv of an existing file over the watched one is exactly one modified for it', async (t) => {
  const root = scratch(t);
  const file = join(root, 'f');
  fs.writeFileSync(file, 'old');
  fs.writeFileSync(join(root, 'prepared'), 'new');
  const w = watch(root, { debounce: 0 });
  t.after(() => w.close());
  const rec = record(w);
  await ready(w);
  fs.renameSync(join(root, 'prepared'), file);
  await rec.event('modified', file);
  await sleep(QUIET_MS);
  assert.deepEqual(rec.changes(), [`deleted ${join(root, 'prepared')}`, `modified ${file}`]);
});

test('a watch on a single file survives repeated atomic saves', async (t) => {
  const { file, rec } = await setup(t, { file: true, debounce: 0 });
  for (let i = 1; i <= 3; i++) {
    atomicSave(file, `{"v":${i}}`);
    await rec.until((es) => es.filter((e) => e.type === 'modified').length === i, `save #${i}`);
  }
  await sleep(QUIET_MS);
  assert.deepEqual(rec.changes(), [`modified ${file}`, `modified ${file}`, `modified ${file}`]);
});

test('a watched file that is deleted and re-created is reported both times and still watched', async (t) => {
  const { file, rec } = await setup(t, { file: true });
  fs.rmSync(file);
  await rec.event('deleted', file);
  fs.writeFileSync(file, 'back');
  await rec.event('created', file);
  fs.appendFileSync(file, ' again');
  await rec.event('modified', file);
  await sleep(QUIET_MS);
  assert.deepEqual(rec.changes(), [`deleted ${file}`, `created ${file}`, `modified ${file}`]);
});

test('a watched file whose directory is deleted and re-created is found again', async (t) => {
  const root = scratch(t);
  const dir = join(root, 'conf');
  const file = join(dir, 'app.json');
  fs.mkdirSync(dir);
  fs.writeFileSync(file, '1');
  const w = watch(file, { debounce: 0 });
  t.after(() => w.close());
  const rec = record(w);
  await ready(w);
  fs.rmSync(dir, { recursive: true });
  await rec.event('deleted', file);
  fs.mkdirSync(dir);
  fs.writeFileSync(file, '2');
  await rec.event('created', file);
  fs.appendFileSync(file, '3');
  await rec.event('modified', file);
});
