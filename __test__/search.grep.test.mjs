// grep: matching lines as XyPriss's SearchMatch ({file, line, content}), 1-based lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nodeFs from 'node:fs';
import { join } from 'node:path';
import { xsys, scratch } from './helpers.mjs';

const { FileSystem } = xsys;

function setup(t, files) {
  const root = scratch(t);
  for (const [name, data] of Object.entries(files)) {
    nodeFs.mkdirSync(join(root, name, '..'), { recursive: true });
    nodeFs.writeFileSync(join(root, name), data);
  }
  return { root, fs: new FileSystem({ root }) };
}

const rel = (root, matches) => matches.map((m) => ({ ...m, file: m.file.slice(root.length + 1) }));

test('grep returns every matching line with its file, 1-based number and text', async (t) => {
  const { root, fs } = setup(t, { 'a.txt': 'one\ntwo\r\nthree two\n', 'sub/b.txt': 'two' });
  assert.deepEqual(rel(root, await fs.grep('.', 'two')), [
    { file: 'a.txt', line: 2, content: 'two' },
    { file: 'a.txt', line: 3, content: 'three two' },
    { file: 'sub/b.txt', line: 1, content: 'two' },
  ]);
});

test('grep treats the pattern as a regex unless literal', async (t) => {
  const { root, fs } = setup(t, { 'a.txt': 'a.c\nabc\n' });
  assert.deepEqual(rel(root, fs.grepSync('.', 'a.c')).map((m) => m.line), [1, 2]);
  assert.deepEqual(rel(root, fs.grepSync('.', 'a.c', { literal: true })).map((m) => m.line), [1]);
  assert.deepEqual(rel(root, await fs.grep('.', 'ABC', { ignoreCase: true })).map((m) => m.line), [2]);
  assert.deepEqual(rel(root, await fs.grep('.', /^A/i)).map((m) => m.line), [1, 2]);
});

test('grep skips binary files and reads files that are not UTF-8 lossily', async (t) => {
  const { root, fs } = setup(t, { bin: Buffer.from('needle\0\x01'), latin: Buffer.from([0x6e, 0x65, 0x65, 0x64, 0x6c, 0x65, 0xe9]) });
  assert.deepEqual(rel(root, await fs.grep('.', 'needle')), [{ file: 'latin', line: 1, content: 'needle\ufffd' }]);
});

test('grep finds matches on very long lines', async (t) => {
  const long = 'x'.repeat(5 * 1024 * 1024) + 'needle';
  const { fs } = setup(t, { big: `short\n${long}\nend needle\n` });
  const found = await fs.grep('.', 'needle');
  assert.deepEqual(found.map((m) => [m.line, m.content.length]), [[2, long.length], [3, 10]]);
});

test('grep stops at maxResults', async (t) => {
  const { fs } = setup(t, { a: 'x\nx\nx\n', b: 'x\nx\n' });
  assert.equal((await fs.grep('.', 'x', { maxResults: 3 })).length, 3);
  assert.equal((await fs.grep('.', 'x', { maxResults: 0 })).length, 0);
});

test('grep honours .gitignore files when asked, and skips .git', async (t) => {
  const { root, fs } = setup(t, {
    '.gitignore': 'build/\n*.log\n',
    'build/out.txt': 'hit',
    'x.log': 'hit',
    'sub/.gitignore': '!keep.log\n',
    'sub/keep.log': 'hit',
    '.git/config': 'hit',
    'src.txt': 'hit',
  });
  assert.deepEqual(rel(root, await fs.grep('.', 'hit', { gitignore: true })).map((m) => m.file), ['src.txt', 'sub/keep.log']);
  assert.equal((await fs.grep('.', 'hit')).length, 5, 'everything is searched by default, .git included');
});

test('grep searches a single file when given one', async (t) => {
  const { root, fs } = setup(t, { 'a.txt': 'hit\n', 'b.txt': 'hit\n' });
  assert.deepEqual(rel(root, await fs.grep('a.txt', 'hit')), [{ file: 'a.txt', line: 1, content: 'hit' }]);
});

test('grep with an invalid regex is a SyntaxError naming the pattern, sync and async', async (t) => {
  const { fs } = setup(t, { a: 'x' });
  await assert.rejects(fs.grep('.', '(unclosed'), (err) => err instanceof SyntaxError && /'\(unclosed'/.test(err.message));
  assert.throws(() => fs.grepSync('.', 'x{2,1}'), (err) => err instanceof SyntaxError && /'x\{2,1\}'/.test(err.message));
});
