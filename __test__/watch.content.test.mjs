// watchContent(): a `change` event with a line diff whenever a watched file's content changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { xsys, scratch } from './helpers.mjs';
import { record, ready, sleep, QUIET_MS } from './watch.helpers.mjs';

const { watchContent, Watcher } = xsys;

async function watched(t, initial, options) {
  const root = scratch(t);
  const file = join(root, 'app.conf');
  fs.writeFileSync(file, initial);
  const w = watchContent(file, options);
  t.after(() => w.close());
  const rec = record(w);
  await ready(w);
  const changes = () => rec.events.filter((e) => e.type === 'change');
  const nth = (n) => rec.until((es) => es.filter((e) => e.type === 'change').length >= n, `change #${n}`).then(() => changes()[n - 1]);
  return { root, file, rec, changes, nth, w };
}

test('a change carries the path, both sizes and the added and removed lines with their numbers', async (t) => {
  const { file, nth, w } = await watched(t, 'port=80\nhost=a\n');
  assert.ok(w instanceof Watcher);
  fs.writeFileSync(file, 'port=8080\nhost=a\ndebug=true\n');
  const c = await nth(1);
  assert.deepEqual(Object.keys(c).sort(), ['diff', 'exists', 'path', 'previous_size', 'size', 'timestamp', 'type']);
  assert.deepEqual(
    { path: c.path, previous_size: c.previous_size, size: c.size, exists: c.exists },
    { path: file, previous_size: 15, size: 28, exists: true },
  );
  assert.deepEqual(c.diff, [
    { type: 'removed', line_number: 1, line: 'port=80' },
    { type: 'added', line_number: 1, line: 'port=8080' },
    { type: 'added', line_number: 3, line: 'debug=true' },
  ]);
});

test('successive changes are each diffed against the previous version', async (t) => {
  const { file, nth } = await watched(t, 'a\n');
  fs.writeFileSync(file, 'a\nb\n');
  assert.deepEqual((await nth(1)).diff, [{ type: 'added', line_number: 2, line: 'b' }]);
  fs.writeFileSync(file, 'b\n');
  assert.deepEqual((await nth(2)).diff, [{ type: 'removed', line_number: 1, line: 'a' }]);
});

test('touching or chmod-ing a file without changing its content reports nothing', async (t) => {
  const { file, changes } = await watched(t, 'same\n');
  const now = new Date();
  fs.utimesSync(file, now, now);
  fs.chmodSync(file, 0o600);
  fs.writeFileSync(file, 'same\n');
  await sleep(QUIET_MS + 200);
  assert.deepEqual(changes(), []);
});

test('an atomic save is one change, and the file stays watched', async (t) => {
  const { root, file, nth, changes } = await watched(t, 'v=1\n');
  for (let v = 2; v <= 3; v++) {
    fs.writeFileSync(join(root, '.app.conf.tmp'), `v=${v}\n`);
    fs.renameSync(join(root, '.app.conf.tmp'), file);
    const c = await nth(v - 1);
    assert.deepEqual(c.diff, [
      { type: 'removed', line_number: 1, line: `v=${v - 1}` },
      { type: 'added', line_number: 1, line: `v=${v}` },
    ]);
  }
  await sleep(QUIET_MS);
  assert.equal(changes().length, 2);
});

test('a deleted file is a change to nothing; once re-created it is diffed against empty', async (t) => {
  const { file, nth } = await watched(t, 'x\n');
  fs.rmSync(file);
  const gone = await nth(1);
  assert.deepEqual({ exists: gone.exists, size: gone.size, previous_size: gone.previous_size }, { exists: false, size: 0, previous_size: 2 });
  assert.deepEqual(gone.diff, [{ type: 'removed', line_number: 1, line: 'x' }]);
  fs.writeFileSync(file, 'y\n');
  const back = await nth(2);
  assert.equal(back.exists, true);
  assert.deepEqual(back.diff, [{ type: 'added', line_number: 1, line: 'y' }]);
});

test('binary files and files over maxBytes are reported without a diff', async (t) => {
  const bin = await watched(t, Buffer.from([1, 0, 2]));
  fs.writeFileSync(bin.file, Buffer.from([1, 0, 3, 4]));
  const b = await bin.nth(1);
  assert.deepEqual([b.diff, b.previous_size, b.size], [null, 3, 4]);

  const big = await watched(t, '0123456789\n', { maxBytes: 8 });
  fs.writeFileSync(big.file, '0123456789abc\n');
  const g = await big.nth(1);
  assert.deepEqual([g.diff, g.previous_size, g.size], [null, 11, 14]);
});

test('diff: false reports sizes only', async (t) => {
  const { file, nth } = await watched(t, 'a\n', { diff: false });
  fs.writeFileSync(file, 'abc\n');
  const c = await nth(1);
  assert.deepEqual([c.diff, c.previous_size, c.size], [null, 2, 4]);
});

test('several files are watched independently; siblings are not reported', async (t) => {
  const root = scratch(t);
  const a = join(root, 'a.txt');
  const b = join(root, 'b.txt');
  for (const f of [a, b, join(root, 'c.txt')]) fs.writeFileSync(f, '1\n');
  const w = watchContent([a, b]);
  t.after(() => w.close());
  const rec = record(w);
  await ready(w);
  fs.writeFileSync(join(root, 'c.txt'), '2\n');
  fs.writeFileSync(b, '2\n');
  await rec.until((es) => es.some((e) => e.type === 'change'), 'a change');
  await sleep(QUIET_MS);
  assert.deepEqual(rec.events.filter((e) => e.type === 'change').map((e) => e.path), [b]);
});

test('the async iterator yields change events', async (t) => {
  const { file, w } = await watched(t, 'a\n');
  setTimeout(() => fs.writeFileSync(file, 'b\n'), 50);
  for await (const e of w) {
    if (e.type === 'change') {
      assert.equal(e.path, file);
      break;
    }
  }
  assert.equal(w.closed, true);
});

test('a directory is refused with EISDIR, a missing file with ENOENT', (t) => {
  const root = scratch(t);
  assert.throws(() => watchContent(root), { code: 'EISDIR', path: root });
  assert.throws(() => watchContent(join(root, 'none')), { code: 'ENOENT' });
});
