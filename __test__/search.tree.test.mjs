// Whole-tree operations: du, dedupe, sync, batchRename, and untar merging into an existing tree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nodeFs from 'node:fs';
import { join } from 'node:path';
import { xsys, scratch } from './helpers.mjs';
import { archive, entry, gzip } from './fixtures/tar-builder.mjs';

const { FileSystem } = xsys;

function setup(t, files = {}) {
  const root = scratch(t);
  for (const [name, data] of Object.entries(files)) {
    nodeFs.mkdirSync(join(root, name, '..'), { recursive: true });
    if (!name.endsWith('/')) nodeFs.writeFileSync(join(root, name), data);
  }
  return { root, fs: new FileSystem({ root }) };
}

const list = (dir) => nodeFs.readdirSync(dir, { recursive: true }).sort();

test('du of a single file reports it in its result and in its progress', async (t) => {
  const root = scratch(t);
  nodeFs.writeFileSync(join(root, 'one'), 'x'.repeat(1234));
  const fs = new FileSystem({ root });
  const reports = [];
  const r = await fs.du('one', { onProgress: (p) => reports.push(p) });
  assert.deepEqual({ size: r.size, file_count: r.file_count, dir_count: r.dir_count }, { size: 1234, file_count: 1, dir_count: 0 });
  assert.deepEqual(reports.at(-1), { files: 1, bytes: 1234 });
});

test('du sums sizes, counts hard links once and never follows links', async (t) => {
  const { root, fs } = setup(t, { 'd/a': 'x'.repeat(1000), 'd/e/b': 'yy' });
  nodeFs.linkSync(join(root, 'd/a'), join(root, 'd/hard'));
  nodeFs.symlinkSync('/usr', join(root, 'd/link'));
  const expected = { path: join(root, 'd'), size: 1000 + 2 + 4, file_count: 4, dir_count: 1 };
  assert.deepEqual(await fs.du('d'), expected);
  assert.deepEqual(fs.duSync('d'), expected);
  assert.deepEqual((await fs.du('d')).errors, []);
});

test('dedupe groups identical files by content, largest first; empty files and hard links are not duplicates', async (t) => {
  const big = Buffer.alloc(100_000, 7);
  const almost = Buffer.from(big);
  almost[almost.length - 1] = 8;
  const { root, fs } = setup(t, { a: big, 'sub/b': big, c: almost, e1: '', e2: '', s1: 'same', s2: 'same', solo: 'x' });
  nodeFs.linkSync(join(root, 'solo'), join(root, 'solo-link'));
  const groups = await fs.dedupe('.');
  assert.deepEqual(groups.map((g) => [g.size, g.paths.map((p) => p.slice(root.length + 1))]), [
    [100_000, ['a', 'sub/b']],
    [4, ['s1', 's2']],
  ]);
  assert.match(groups[0].hash, /^[0-9a-f]{64}$/);
  assert.equal(groups[0].hash, fs.hashSync('a'));
  assert.deepEqual(fs.dedupeSync('.'), groups);
});

test('sync mirrors a tree, keeps times, and a second run copies nothing', async (t) => {
  const { root, fs } = setup(t, { 'src/a': 'a', 'src/sub/b': 'bb', 'dest/old': 'stale' });
  nodeFs.symlinkSync('a', join(root, 'src/link'));
  const first = await fs.sync('src', 'dest');
  assert.deepEqual(first, { copied: ['a', 'link', 'sub/b'], created_dirs: ['sub'], deleted: [], unchanged: 0, bytes: 3 });
  assert.equal(nodeFs.statSync(join(root, 'dest/sub/b')).mtimeMs, nodeFs.statSync(join(root, 'src/sub/b')).mtimeMs);
  const second = await fs.sync('src', 'dest');
  assert.deepEqual(second, { copied: [], created_dirs: [], deleted: [], unchanged: 3, bytes: 0 });
  assert.equal(nodeFs.readFileSync(join(root, 'dest/old'), 'utf8'), 'stale', 'extras stay without delete');
});

test('sync with delete removes extras; dryRun reports without changing anything', async (t) => {
  const { root, fs } = setup(t, { 'src/a': 'a', 'dest/old': 'stale', 'dest/olddir/x': 'x' });
  const dry = fs.syncSync('src', 'dest', { delete: true, dryRun: true });
  assert.deepEqual(dry, { copied: ['a'], created_dirs: [], deleted: ['old', 'olddir'], unchanged: 0, bytes: 1 });
  assert.deepEqual(list(join(root, 'dest')), ['old', 'olddir', 'olddir/x']);
  await fs.sync('src', 'dest', { delete: true });
  assert.deepEqual(list(join(root, 'dest')), ['a']);
});

test('sync copies a changed file again and replaces an entry of another kind', async (t) => {
  const { root, fs } = setup(t, { 'src/a': 'a', 'src/d/x': 'x', 'dest/d': 'a file where a directory goes' });
  await fs.sync('src', 'dest');
  nodeFs.writeFileSync(join(root, 'src/a'), 'changed');
  assert.deepEqual((await fs.sync('src', 'dest')).copied, ['a']);
  assert.equal(nodeFs.readFileSync(join(root, 'dest/a'), 'utf8'), 'changed');
  assert.equal(nodeFs.readFileSync(join(root, 'dest/d/x'), 'utf8'), 'x');
});

test('sync refuses a destination inside the source', async (t) => {
  const { fs } = setup(t, { 'src/a': 'a' });
  await assert.rejects(fs.sync('src', 'src/backup'), { code: 'EINVAL' });
});

test('batchRename renames matching entries, directories included, and returns the plan', async (t) => {
  const { root, fs } = setup(t, { 'img_dir/img_1.png': '1', 'img_2.png': '2', 'other.txt': 'o' });
  const plan = await fs.batchRename('.', '^img_', 'photo-');
  assert.deepEqual(
    plan.map((c) => [c.old_path.slice(root.length + 1), c.new_path.slice(root.length + 1)]),
    [
      ['img_2.png', 'photo-2.png'],
      ['img_dir', 'photo-dir'],
      ['img_dir/img_1.png', 'photo-dir/photo-1.png'],
    ],
  );
  assert.deepEqual(list(root), ['other.txt', 'photo-2.png', 'photo-dir', 'photo-dir/photo-1.png']);
});

test('batchRename supports capture groups and dry runs', async (t) => {
  const { root, fs } = setup(t, { 'a-1.txt': '', 'b-2.txt': '' });
  const plan = fs.batchRenameSync('.', '^(\\w)-(\\d)', '$2-$1', { dryRun: true });
  assert.deepEqual(plan.map((c) => c.new_path.slice(root.length + 1)), ['1-a.txt', '2-b.txt']);
  assert.deepEqual(list(root), ['a-1.txt', 'b-2.txt']);
});

test('batchRename refuses collisions with existing entries and with each other, changing nothing', async (t) => {
  const { root, fs } = setup(t, { a1: '', a2: '', b1: '' });
  await assert.rejects(fs.batchRename('.', '^a', 'b'), { code: 'EEXIST' });
  await assert.rejects(fs.batchRename('.', '\\d$', ''), { code: 'EEXIST' });
  assert.deepEqual(list(root), ['a1', 'a2', 'b1']);
});

test('batchRename undoes what it did when a step fails', async (t) => {
  const { root, fs } = setup(t, { 'dir/za': '', x_b: '' });
  // dir/za -> dir/a is done first (deepest first); x_b -> 300 x's then fails (ENAMETOOLONG),
  // so the first rename must be undone.
  const replacement = '$1'.repeat(300) + '$2';
  await assert.rejects(fs.batchRename('.', '^(x)_b$|^z(a)$', replacement), (err) => {
    assert.equal(err.code, 'ENAMETOOLONG');
    assert.match(err.hint, /undone/);
    return true;
  });
  assert.deepEqual(list(root), ['dir', 'dir/za', 'x_b']);
});

test('sync compares size and modification time: same size and time is unchanged, a new time alone is copied', async (t) => {
  const { root, fs } = setup(t, { 'src/a': 'old content' });
  await fs.sync('src', 'dest');
  const at = (s) => new Date(s * 1000);
  const mtime = (p) => Math.floor(nodeFs.statSync(join(root, p)).mtimeMs / 1000);
  // Different bytes, same size, same time as the copy: by the documented rule, nothing to do.
  nodeFs.writeFileSync(join(root, 'src/a'), 'new content');
  nodeFs.utimesSync(join(root, 'src/a'), at(1_600_000_000), at(1_600_000_000));
  nodeFs.utimesSync(join(root, 'dest/a'), at(1_600_000_000), at(1_600_000_000));
  assert.deepEqual(await fs.sync('src', 'dest'), { copied: [], created_dirs: [], deleted: [], unchanged: 1, bytes: 0 });
  assert.equal(nodeFs.readFileSync(join(root, 'dest/a'), 'utf8'), 'old content');
  // Only the time differs now: copied, and the copy takes the source's time.
  nodeFs.utimesSync(join(root, 'src/a'), at(1_600_000_100), at(1_600_000_100));
  assert.deepEqual(await fs.sync('src', 'dest'), { copied: ['a'], created_dirs: [], deleted: [], unchanged: 0, bytes: 11 });
  assert.equal(nodeFs.readFileSync(join(root, 'dest/a'), 'utf8'), 'new content');
  assert.equal(mtime('dest/a'), 1_600_000_100);
  assert.equal(mtime('dest/a'), mtime('src/a'));
});

test('dedupe hashes the first 16 KiB of same-size files before reading them whole', async (t) => {
  const big = Buffer.alloc(8 << 20, 'z');
  const other = Buffer.from(big);
  other[0] = 0x41; // same size, different first byte: told apart by the prefix hash
  const { fs } = setup(t, { big1: big, big2: other, s1: 'small', s2: 'small' });
  const seen = [];
  const groups = await fs.dedupe('.', { onProgress: (p) => seen.push(p) });
  assert.deepEqual(groups.map((g) => [g.size, g.paths.map((p) => p.slice(fs.root.length + 1))]), [[5, ['s1', 's2']]]);
  // Progress counts the bytes hashed: 16 KiB of each big file, and the small files whole (they
  // are no larger than the prefix). Reading the big files in full would add 16 MiB.
  assert.deepEqual(seen.at(-1), { files: 4, bytes: 2 * 16 * 1024 + 2 * 5 });
});

test('a truncated archive extracted over an existing destination leaves it exactly as it was', async (t) => {
  const { root, fs } = setup(t, { 'dest/a': 'before', 'dest/d/keep': 'kept' });
  const snapshot = () =>
    Object.fromEntries(
      list(join(root, 'dest')).map((p) => {
        const st = nodeFs.statSync(join(root, 'dest', p));
        return [p, { ino: st.ino, mode: st.mode, mtimeMs: st.mtimeMs, data: st.isFile() ? nodeFs.readFileSync(join(root, 'dest', p), 'utf8') : null }];
      }),
    );
  const before = snapshot();
  const head = Buffer.concat([entry({ name: 'a', data: 'after' }), entry({ name: 'd/', type: '5', mode: 0o755 })]);
  const whole = archive(head, entry({ name: 'd/x', data: Buffer.alloc(4096, 'x') }));
  // Cut inside d/x's data: its header (512 bytes) and 1000 of its 4096 bytes are there.
  nodeFs.writeFileSync(join(root, 'cut.tar'), whole.subarray(0, head.length + 512 + 1000));
  const gz = gzip(whole);
  // A gzip stream missing its last 4 bytes (the length): every entry is readable, the trailer is not.
  nodeFs.writeFileSync(join(root, 'cut.tgz'), gz.subarray(0, gz.length - 4));
  for (const name of ['cut.tar', 'cut.tgz']) {
    await assert.rejects(fs.untar(name, 'dest'), (err) => {
      assert.equal(err.code, 'ERR_XSYS_CORRUPT_ARCHIVE', name);
      assert.equal(err.path, join(root, name));
      return true;
    });
    assert.deepEqual(snapshot(), before, `${name}: the destination is unchanged`);
    assert.deepEqual(nodeFs.readdirSync(join(root, 'dest')).filter((n) => n.startsWith('.xsys-untar-')), []);
  }
  // The same archive whole does extract (so the refusal above is about the truncation).
  nodeFs.writeFileSync(join(root, 'whole.tar'), whole);
  await fs.untar('whole.tar', 'dest');
  assert.deepEqual(list(join(root, 'dest')), ['a', 'd', 'd/keep', 'd/x']);
  assert.equal(nodeFs.readFileSync(join(root, 'dest/a'), 'utf8'), 'after');
});
