// find, findByExt, modifiedSince: entries chosen by name, type or time; absolute paths; the
// start directory itself is never a result.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nodeFs from 'node:fs';
import { join } from 'node:path';
import { xsys, scratch } from './helpers.mjs';

const { FileSystem } = xsys;

function tree(t) {
  const root = scratch(t);
  for (const d of ['src/deep', 'docs', 'pkg.tar.gz.d']) nodeFs.mkdirSync(join(root, d), { recursive: true });
  for (const f of ['a.tar.gz', 'b.gz', 'src/main.rs', 'src/deep/lib.rs', 'docs/x.md', 'README.md']) {
    nodeFs.writeFileSync(join(root, f), 'x');
  }
  nodeFs.symlinkSync('src', join(root, 'link-to-src'));
  return { root, fs: new FileSystem({ root }) };
}

const rel = (root, paths) => paths.map((p) => p.slice(root.length + 1)).sort();

test('find matches a regex against names, at any depth, returning absolute paths', async (t) => {
  const { root, fs } = tree(t);
  assert.deepEqual(rel(root, await fs.find('.', { pattern: '\\.rs$' })), ['src/deep/lib.rs', 'src/main.rs']);
  assert.deepEqual(rel(root, fs.findSync('.', { pattern: /\.RS$/i })), ['src/deep/lib.rs', 'src/main.rs']);
});

test('find matches a glob on names, or on relative paths when it has a slash', async (t) => {
  const { root, fs } = tree(t);
  assert.deepEqual(rel(root, await fs.find('.', { glob: '*.md' })), ['README.md', 'docs/x.md']);
  assert.deepEqual(rel(root, await fs.find('.', { glob: 'src/*.rs' })), ['src/main.rs']);
  assert.deepEqual(rel(root, await fs.find('.', { glob: 'src/**/*.rs' })), ['src/deep/lib.rs', 'src/main.rs']);
});

test('find filters by type and depth; links are reported, never followed', async (t) => {
  const { root, fs } = tree(t);
  assert.deepEqual(rel(root, await fs.find('.', { type: 'dir' })), ['docs', 'pkg.tar.gz.d', 'src', 'src/deep']);
  assert.deepEqual(rel(root, await fs.find('.', { type: 'symlink' })), ['link-to-src']);
  assert.deepEqual(rel(root, await fs.find('.', { type: 'file', maxDepth: 1 })), ['README.md', 'a.tar.gz', 'b.gz']);
  assert.ok(!(await fs.find('.')).some((p) => p.includes('link-to-src/')));
});

test('find with an invalid regex is a SyntaxError naming the pattern', async (t) => {
  const { fs } = tree(t);
  await assert.rejects(fs.find('.', { pattern: 'a(b' }), (err) => {
    assert.ok(err instanceof SyntaxError);
    assert.match(err.message, /'a\(b'/);
    return true;
  });
  assert.throws(() => fs.findSync('.', { pattern: '[' }), SyntaxError);
});

test('find rejects bad options before any work', async (t) => {
  const { fs } = tree(t);
  await assert.rejects(fs.find('.', { type: 'files' }), { code: 'ERR_INVALID_ARG_VALUE' });
  await assert.rejects(fs.find('.', { maxDepth: 0 }), { code: 'ERR_OUT_OF_RANGE' });
  await assert.rejects(fs.find(5), { code: 'ERR_INVALID_ARG_TYPE' });
  await assert.rejects(fs.find('missing'), { code: 'ENOENT' });
});

test('findByExt matches regular files by a one- or multi-part extension', async (t) => {
  const { root, fs } = tree(t);
  assert.deepEqual(rel(root, await fs.findByExt('.', 'tar.gz')), ['a.tar.gz']);
  assert.deepEqual(rel(root, fs.findByExtSync('.', '.gz')), ['a.tar.gz', 'b.gz']);
  assert.deepEqual(rel(root, await fs.findByExt('.', 'md')), ['README.md', 'docs/x.md']);
});

test('modifiedSince takes hours or a Date and compares strictly', async (t) => {
  const { root, fs } = tree(t);
  const old = new Date('2020-01-01T00:00:00Z');
  for (const f of nodeFs.readdirSync(root, { recursive: true })) nodeFs.utimesSync(join(root, f), old, old);
  nodeFs.utimesSync(join(root, 'docs/x.md'), new Date(), new Date());
  assert.deepEqual(rel(root, await fs.modifiedSince('.', 1)), ['docs/x.md']);
  assert.deepEqual(rel(root, fs.modifiedSinceSync('.', old)), ['docs/x.md']);
  assert.equal((await fs.modifiedSince('.', new Date(old.getTime() - 1))).length, 6);
  await assert.rejects(fs.modifiedSince('.', -1), { code: 'ERR_OUT_OF_RANGE' });
  // Beyond what a time can hold: since the beginning of time (once a panic), or since the end of it.
  assert.equal(fs.modifiedSinceSync('.', 3e15).length, 6);
  assert.equal((await fs.modifiedSince('.', Number.MAX_VALUE)).length, 6);
  assert.equal(fs.modifiedSinceSync('.', new Date(-8.64e15)).length, 6);
  assert.deepEqual(fs.modifiedSinceSync('.', new Date(8.64e15)), []);
});

test('search operations are confined to the root', async (t) => {
  const { fs } = tree(t);
  const OUT = { code: 'ERR_XSYS_OUTSIDE_ROOT' };
  await assert.rejects(fs.find('..'), OUT);
  await assert.rejects(fs.grep('/etc', 'root'), OUT);
  await assert.rejects(fs.du('../..'), OUT);
  await assert.rejects(fs.dedupe('/'), OUT);
  await assert.rejects(fs.sync('src', '../elsewhere'), OUT);
  await assert.rejects(fs.batchRename('..', 'x', 'y'), OUT);
  assert.throws(() => fs.findByExtSync('/tmp', 'md'), OUT);
});

test('followLinks walks through links to directories, reports loops, and stays confined', async (t) => {
  const { root, fs } = tree(t);
  nodeFs.symlinkSync('..', join(root, 'src/deep/loop'));
  nodeFs.symlinkSync('/usr', join(root, 'escape'));
  nodeFs.symlinkSync('missing', join(root, 'dangling'));
  const found = await fs.find('.', { pattern: '\\.rs$', followLinks: true });
  assert.deepEqual(rel(root, found), ['link-to-src/deep/lib.rs', 'link-to-src/main.rs', 'src/deep/lib.rs', 'src/main.rs']);
  const codes = found.errors.map((e) => `${e.code} ${e.path.slice(root.length + 1)}`).sort();
  assert.deepEqual(codes, ['ELOOP link-to-src/deep/loop', 'ELOOP src/deep/loop', 'ERR_XSYS_OUTSIDE_ROOT escape']);
  assert.deepEqual(rel(root, await fs.find('.', { type: 'symlink', followLinks: true })), ['dangling', 'escape'], 'links that cannot be followed stay links');
  const grepped = await fs.grep('.', 'x', { followLinks: true, literal: true });
  assert.ok(grepped.some((m) => m.file === join(root, 'link-to-src/main.rs')));
  const counts = ({ file_count, dir_count }) => ({ file_count, dir_count });
  assert.deepEqual(counts(await fs.du('.')), { file_count: 10, dir_count: 4 });
  // Followed: link-to-src and its deep/ are directories; both loop links are directories not entered.
  assert.deepEqual(counts(await fs.du('.', { followLinks: true })), { file_count: 10, dir_count: 8 });
});
