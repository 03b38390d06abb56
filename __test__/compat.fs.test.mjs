// The XyPriss drop-in runner, driven the way XyPriss's FSApi and PathApi drive it. The helpers
// below are written from the reference's description of XyPriss's TypeScript client
// (shared/reference/api-fs.md §3, §4, §8): each calls runSync with the same module, action,
// positional arguments and options, and derives its result the same way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nodeFs from 'node:fs';
import * as nodePath from 'node:path';
import { createHash } from 'node:crypto';
import { scratch, require } from './helpers.mjs';

const { XyPrissRunner, XyPrissError } = require('../compat.js');

/** A stand-in for XyPriss's FSApi/PathApi, as the reference describes them. */
function api(runner) {
  const r = (mod, action, args = [], options = {}) => runner.runSync(mod, action, args, options);
  const self = {
    $ls: (p, o = {}) => r('fs', 'ls', [p], o),
    $lsRecursive: (p, filter) => {
      const list = self.$ls(p, { recursive: true });
      if (list.length && typeof list[0] !== 'string') return [];
      return filter ? list.filter(filter) : list;
    },
    $lsDirs: (p) => {
      try { return self.$ls(p, { stats: true }).filter(([, s]) => s.is_dir).map(([n]) => n); } catch { return []; }
    },
    $lsFiles: (p) => {
      try { return self.$ls(p, { stats: true }).filter(([, s]) => s.is_file).map(([n]) => n); } catch { return []; }
    },
    $lsFullPath: (p) => {
      const base = self.$resolve(p);
      return self.$ls(p).map((name) => self.$join(base, name));
    },
    $read: (p, o = {}) => r('fs', 'read', [p], o),
    $readJson: (p) => JSON.parse(self.$read(p)),
    $readLines: (p) => self.$read(p).split(/\r?\n/),
    $write: (p, d, o = {}) => r('fs', 'write', [p, d], o),
    $writeJson: (p, data) => self.$write(p, JSON.stringify(data, null, 2)),
    $append: (p, d) => self.$write(p, d, { append: true }),
    $appendLine: (p, l) => self.$write(p, `${l}\n`, { append: true }),
    $exists: (p) => { try { return r('fs', 'check', [p]).exists; } catch { return false; } },
    $writeIfNotExists: (p, d) => {
      if (self.$exists(p)) return false;
      self.$write(p, d);
      return true;
    },
    $copy: (s, d) => r('fs', 'copy', [s, d]),
    $duplicate: (p, newName) => self.$copy(p, self.$join(self.$dirname(p), newName)),
    $move: (s, d) => r('fs', 'move', [s, d]),
    $rm: (p, o = {}) => r('fs', 'rm', [p], o),
    $rmIfExists: (p) => { if (self.$exists(p)) self.$rm(p, { force: true }); },
    $emptyDir: (p) => {
      if (self.$exists(p)) self.$rm(p, { force: true });
      r('fs', 'mkdir', [p]);
    },
    $mkdir: (p, o = {}) => r('fs', 'mkdir', [p], o),
    $ensureDir: (p) => self.$mkdir(p, { parents: true }),
    $touch: (p) => r('fs', 'touch', [p]),
    $stats: (p) => r('fs', 'stats', [p]),
    $isDir: (p) => { try { return self.$stats(p).is_dir === true; } catch { return false; } },
    $isFile: (p) => { try { return self.$stats(p).is_file === true; } catch { return false; } },
    $isSymlink: (p) => { try { return self.$stats(p).is_symlink === true; } catch { return false; } },
    $modifiedAt: (p) => new Date(self.$stats(p).modified * 1000),
    $isNewer: (a, b) => self.$modifiedAt(a) > self.$modifiedAt(b),
    $hash: (p) => r('fs', 'hash', [p]),
    $isSameContent: (a, b) => self.$hash(a) === self.$hash(b),
    $verify: (p, h) => r('fs', 'verify', [p, h])?.valid === true,
    $size: (p, o = {}) => { const res = r('fs', 'size', [p], o); return o.human ? res.formatted : res.bytes; },
    $sizeHuman: (p) => self.$size(p, { human: true }),
    $isEmpty: (p) => {
      try {
        if (self.$isFile(p)) return self.$size(p) === 0;
        if (self.$isDir(p)) return self.$ls(p).length === 0;
        return false;
      } catch { return false; }
    },
    $link: (src, dest) => r('fs', 'link', [src, dest]),
    $chmod: (p, mode) => r('fs', 'chmod', [p, mode]),
    $check: (p) => r('fs', 'check', [p]),
    $stream: (p, o = {}) => r('fs', 'stream', [p], o),
    $resolve: (...p) => r('path', 'resolve', p),
    $join: (...p) => r('path', 'join', p),
    $dirname: (p) => r('path', 'dirname', [p]),
    $basename: (p, suffix) => r('path', 'basename', suffix ? [p, suffix] : [p]),
    $extname: (p) => r('path', 'extname', [p]),
    $relative: (from, to) => r('path', 'relative', [from, to]),
    $normalize: (p) => r('path', 'normalize', [p]),
  };
  return self;
}

function project(t) {
  const root = scratch(t);
  nodeFs.mkdirSync(nodePath.join(root, 'src/lib'), { recursive: true });
  nodeFs.writeFileSync(nodePath.join(root, 'src/index.ts'), 'export {};\n');
  nodeFs.writeFileSync(nodePath.join(root, 'src/lib/util.ts'), 'export const x = 1;\n');
  nodeFs.writeFileSync(nodePath.join(root, 'package.json'), '\ufeff{"name":"app"}');
  return { root, $: api(new XyPrissRunner(root)) };
}

test('the runner keeps the old constructor, runSync and getBinaryPath', (t) => {
  const { root } = project(t);
  const runner = new XyPrissRunner(root);
  assert.equal(runner.root, root);
  assert.equal(typeof runner.getBinaryPath(), 'string');
  assert.ok(nodeFs.existsSync(runner.getBinaryPath()));
});

test('failures throw XyPrissError naming module, action, path and code', (t) => {
  const { root, $ } = project(t);
  assert.throws(() => $.$read('missing.txt'), (err) => {
    assert.ok(err instanceof XyPrissError);
    assert.equal(err.name, 'XyPrissError');
    assert.equal(err.module, 'fs');
    assert.equal(err.action, 'read');
    assert.equal(err.code, 'ENOENT');
    assert.match(err.details, /ENOENT/);
    assert.ok(err.details.includes(nodePath.join(root, 'missing.txt')));
    assert.equal(err.message, `[XyPriss Error] fs.read failed: ${err.details}`);
    return true;
  });
  assert.throws(() => new XyPrissRunner(root).runSync('fs', 'frobnicate', []), XyPrissError);
});

test('listing helpers: $ls, $lsRecursive (absolute file paths), $lsDirs, $lsFiles, $lsFullPath, $isEmpty', (t) => {
  const { root, $ } = project(t);
  assert.deepEqual($.$ls('.').sort(), ['package.json', 'src']);
  assert.deepEqual($.$lsRecursive('src').sort(), [nodePath.join(root, 'src/index.ts'), nodePath.join(root, 'src/lib/util.ts')]);
  assert.deepEqual($.$lsRecursive('src', (p) => p.endsWith('util.ts')), [nodePath.join(root, 'src/lib/util.ts')]);
  assert.deepEqual($.$lsDirs('src'), ['lib']);
  assert.deepEqual($.$lsFiles('src'), ['index.ts']);
  assert.deepEqual($.$lsFullPath('src').sort(), [nodePath.join(root, 'src/index.ts'), nodePath.join(root, 'src/lib')]);
  $.$mkdir('empty');
  assert.equal($.$isEmpty('empty'), true);
  assert.equal($.$isEmpty('src'), false);
  assert.deepEqual($.$lsRecursive('empty'), [], 'an empty listing is [], never null');
});

test('reading and writing helpers: $readJson with a BOM, $readLines, $writeJson, $append, $appendLine, $writeIfNotExists', (t) => {
  const { root, $ } = project(t);
  assert.deepEqual($.$readJson('package.json'), { name: 'app' });
  $.$writeJson('out/data.json', { a: [1, 2] });
  assert.deepEqual(JSON.parse(nodeFs.readFileSync(nodePath.join(root, 'out/data.json'), 'utf8')), { a: [1, 2] });
  $.$write('log.txt', 'one\n');
  $.$appendLine('log.txt', 'two');
  $.$append('log.txt', 'three');
  assert.deepEqual($.$readLines('log.txt'), ['one', 'two', 'three']);
  assert.equal($.$writeIfNotExists('log.txt', 'x'), false);
  assert.equal($.$writeIfNotExists('new.txt', 'x'), true);
  assert.deepEqual($.$read('new.txt', { bytes: true }), [0x78]);
  const big = 'z'.repeat(300 * 1024);
  $.$write('big.txt', big);
  assert.equal($.$read('big.txt'), big, 'payloads over the old 128 KiB argv limit work');
  $.$write('dash.txt', '--append');
  assert.equal($.$read('dash.txt'), '--append', 'values starting with - are data, not flags');
});

test('copy, duplicate, move, rm helpers keep the old semantics with the bugs fixed', (t) => {
  const { root, $ } = project(t);
  $.$copy('src', 'backup');
  assert.ok(nodeFs.existsSync(nodePath.join(root, 'backup/lib/util.ts')));
  $.$copy('src', 'backup');
  assert.ok(nodeFs.existsSync(nodePath.join(root, 'backup/src/index.ts')), 'a directory copied onto a directory goes inside it, like cp -r');
  $.$duplicate('package.json', 'package.copy.json');
  assert.equal($.$isSameContent('package.json', 'package.copy.json'), true);
  $.$move('package.copy.json', 'moved/pkg.json');
  assert.equal($.$exists('moved/pkg.json'), true);
  $.$rm('backup');
  assert.equal($.$exists('backup'), false, 'rm removes whole directories, as the old tool did');
  $.$rmIfExists('backup');
  $.$rm('never-there', { force: true });
  assert.throws(() => $.$rm('never-there'), { code: 'ENOENT' });
  $.$emptyDir('moved');
  assert.deepEqual($.$ls('moved'), []);
  assert.throws(() => $.$rm('.'), { code: 'ERR_XSYS_IS_ROOT' }, 'the project root can no longer be deleted');
  assert.ok(nodeFs.existsSync(nodePath.join(root, 'src')));
});

test('mkdir always creates parents and accepts an existing directory', (t) => {
  const { root, $ } = project(t);
  $.$mkdir('a/b/c');
  $.$mkdir('a/b/c');
  $.$ensureDir('a/b/d');
  assert.ok(nodeFs.statSync(nodePath.join(root, 'a/b/d')).isDirectory());
});

test('stats helpers: $isDir, $isFile, $isSymlink (links are reported), $isNewer with fractional seconds', (t) => {
  const { root, $ } = project(t);
  assert.equal($.$isDir('src'), true);
  assert.equal($.$isFile('src/index.ts'), true);
  $.$link('src/index.ts', 'entry.ts');
  assert.equal($.$isSymlink('entry.ts'), true);
  assert.equal(nodeFs.readlinkSync(nodePath.join(root, 'entry.ts')), nodePath.join(root, 'src/index.ts'));
  const st = $.$stats('src/index.ts');
  assert.deepEqual(Object.keys(st), ['size', 'created', 'modified', 'accessed', 'is_dir', 'is_file', 'is_symlink', 'permissions', 'readonly']);
  assert.equal(st.permissions & ~0o7777, 0, 'permission bits only');
  const t0 = new Date('2024-01-01T00:00:00.100Z');
  const t1 = new Date('2024-01-01T00:00:00.600Z');
  nodeFs.utimesSync(nodePath.join(root, 'src/index.ts'), t0, t0);
  nodeFs.utimesSync(nodePath.join(root, 'src/lib/util.ts'), t1, t1);
  assert.equal($.$isNewer('src/lib/util.ts', 'src/index.ts'), true, 'changes within the same second still compare');
});

test('hash, verify (case-insensitive), size, check and chmod replies', (t) => {
  const { root, $ } = project(t);
  const digest = createHash('sha256').update(nodeFs.readFileSync(nodePath.join(root, 'src/index.ts'))).digest('hex');
  assert.equal($.$hash('src/index.ts'), digest);
  assert.equal($.$verify('src/index.ts', digest.toUpperCase()), true);
  assert.equal($.$verify('src/index.ts', 'nothex'), false);
  assert.equal($.$size('src/index.ts'), 11);
  assert.equal($.$sizeHuman('src'), '31 B');
  assert.deepEqual($.$check('src/index.ts'), { exists: true, readable: true, writable: true });
  $.$chmod('src/index.ts', '600');
  assert.equal(nodeFs.statSync(nodePath.join(root, 'src/index.ts')).mode & 0o777, 0o600);
});

test('$stream returns a Readable instead of blocking, hex when asked', async (t) => {
  const { $ } = project(t);
  const chunks = [];
  for await (const c of $.$stream('src/index.ts', { chunkSize: 4 })) chunks.push(c);
  assert.equal(Buffer.concat(chunks).toString(), 'export {};\n');
  let hex = '';
  for await (const c of $.$stream('src/index.ts', { hex: true })) hex += c;
  assert.equal(hex, Buffer.from('export {};\n').toString('hex'));
});

test('path actions follow node:path, resolved against the root', (t) => {
  const { root, $ } = project(t);
  assert.equal($.$resolve('src', '../lib'), nodePath.join(root, 'lib'));
  assert.equal($.$resolve(), root);
  assert.equal($.$join('a', '../b', 'c'), 'b/c');
  assert.equal($.$join(), '.');
  assert.equal($.$dirname('file.txt'), '.');
  assert.equal($.$dirname('/'), '/');
  assert.equal($.$basename('/a/b.txt', '.txt'), 'b');
  assert.equal($.$basename('/a/.txt', '.txt'), nodePath.basename('/a/.txt', '.txt'));
  assert.equal($.$extname('.gitignore'), '');
  assert.equal($.$extname('a.tar.gz'), '.gz');
  assert.equal($.$relative('src', 'src/lib/util.ts'), 'lib/util.ts');
  assert.equal($.$normalize('../../a//b/./c/'), '../../a/b/c/');
});

test('the runner is unconfined by default, like the old tool, and confines on request', (t) => {
  const { root } = project(t);
  const outside = nodePath.join(nodePath.dirname(root), `${nodePath.basename(root)}-outside.txt`);
  nodeFs.writeFileSync(outside, 'outside');
  t.after(() => nodeFs.rmSync(outside, { force: true }));
  const rel = `../${nodePath.basename(outside)}`;
  assert.equal(new XyPrissRunner(root).runSync('fs', 'read', [rel]), 'outside');
  assert.throws(() => new XyPrissRunner(root, { confine: true }).runSync('fs', 'read', [rel]), { code: 'ERR_XSYS_OUTSIDE_ROOT' });
});

test('$watch and $watchContent return watchers that deliver events and close after the duration', async (t) => {
  const { root } = project(t);
  const runner = new XyPrissRunner(root);
  const watcher = runner.runSync('fs', 'watch', ['src'], { duration: 30 });
  await new Promise((resolve) => watcher.once('ready', resolve));
  nodeFs.writeFileSync(nodePath.join(root, 'src/new.ts'), 'x');
  const created = await new Promise((resolve) => watcher.on('created', (e) => e.path.endsWith('new.ts') && resolve(e)));
  assert.equal(created.path, nodePath.join(root, 'src/new.ts'));
  await watcher.close();

  const content = runner.runSync('fs', 'watch-content', ['src/index.ts'], { duration: 0.8 });
  await new Promise((resolve) => content.once('ready', resolve));
  nodeFs.writeFileSync(nodePath.join(root, 'src/index.ts'), 'export {};\nexport const y = 2;\n');
  const change = await new Promise((resolve) => content.once('change', resolve));
  assert.deepEqual(change.diff, [{ type: 'added', line_number: 2, line: 'export const y = 2;' }]);
  await new Promise((resolve) => content.once('close', resolve));
});
