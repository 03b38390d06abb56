// The drop-in runner's search, archive and tree actions, called the way XyPriss's FSApi and
// SysApi call them (shared/reference/api-fs.md §3, §5, §6, §8): option-style arguments where
// the client sends flags, and the old reply shapes with the bugs fixed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nodeFs from 'node:fs';
import { join } from 'node:path';
import { scratch, require } from './helpers.mjs';

const { XyPrissRunner } = require('../compat.js');

function api(runner) {
  const r = (mod, action, args = [], options = {}) => runner.runSync(mod, action, args, options);
  return {
    $findByPattern: (dir, pattern) => r('search', 'find', [dir], { pattern }),
    $findByExt: (dir, ext) => r('search', 'find', [dir], { pattern: `.*\\.${ext.replace(/^\./, '')}$` }),
    $find: (p, pattern) => r('search', 'find', [p], { pattern }),
    $findModifiedSince: (dir, hours) => r('search', 'modified', [dir], { hours }),
    $searchInFiles: (dir, pattern) => r('search', 'grep', [dir, pattern]),
    $batchRename: (path, pattern, replacement, dryRun = false) => r('search', 'rename', [path], { pattern, replacement, dryRun }),
    $compress: (src, dest) => r('archive', 'compress', [], { src, dest }),
    $decompress: (src, dest) => r('archive', 'decompress', [], { src, dest }),
    $tar: (dir, output) => r('archive', 'tar', [], { dir, output }),
    $untar: (archive, dest) => r('archive', 'untar', [], { archive, dest }),
    $du: (p) => r('fs', 'du', [p]),
    $sync: (src, dest) => r('fs', 'sync', [src, dest]),
    $dedupe: (p) => r('fs', 'dedupe', [p]),
  };
}

function project(t) {
  const root = scratch(t);
  nodeFs.mkdirSync(join(root, 'src/lib'), { recursive: true });
  nodeFs.writeFileSync(join(root, 'src/index.ts'), 'import { x } from "./lib/util";\nconsole.log(x);\n');
  nodeFs.writeFileSync(join(root, 'src/lib/util.ts'), 'export const x = 1;\n');
  nodeFs.writeFileSync(join(root, 'src/lib/copy.ts'), 'export const x = 1;\n');
  nodeFs.writeFileSync(join(root, 'notes.tar.gz'), 'not really');
  return { root, $: api(new XyPrissRunner(root)) };
}

test('find, findByExt and findModifiedSince answer absolute paths', (t) => {
  const { root, $ } = project(t);
  assert.deepEqual($.$findByPattern('src', 'util').sort(), [join(root, 'src/lib/util.ts')]);
  assert.deepEqual($.$find('.', '^lib$'), [join(root, 'src/lib')]);
  assert.deepEqual($.$findByExt('src', 'ts').sort(), ['src/index.ts', 'src/lib/copy.ts', 'src/lib/util.ts'].map((p) => join(root, p)));
  assert.deepEqual($.$findByExt('.', '.tar.gz'), [join(root, 'notes.tar.gz')]);
  assert.equal($.$findModifiedSince('src', 1).length, 3);
  assert.deepEqual($.$findModifiedSince('src', 0), []);
});

test('grep answers the old mapping of absolute path to matching lines', (t) => {
  const { root, $ } = project(t);
  assert.deepEqual($.$searchInFiles('src', 'export const'), {
    [join(root, 'src/lib/copy.ts')]: ['export const x = 1;'],
    [join(root, 'src/lib/util.ts')]: ['export const x = 1;'],
  });
  assert.deepEqual($.$searchInFiles('src', 'nothing matches this'), {});
  assert.throws(() => $.$searchInFiles('src', '('), (err) => err.name === 'XyPrissError' && /\(/.test(err.details));
});

test('batchRename takes the options XyPriss sends and answers the plan', (t) => {
  const { root, $ } = project(t);
  const plan = $.$batchRename('src/lib', '\\.ts$', '.mts', true);
  assert.deepEqual(plan.map((c) => c.new_path).sort(), [join(root, 'src/lib/copy.mts'), join(root, 'src/lib/util.mts')]);
  assert.ok(nodeFs.existsSync(join(root, 'src/lib/util.ts')), 'a dry run renames nothing');
  $.$batchRename('src/lib', '\\.ts$', '.mts');
  assert.deepEqual(nodeFs.readdirSync(join(root, 'src/lib')).sort(), ['copy.mts', 'util.mts']);
});

test('archives: compress/decompress and tar/untar round-trip with option-style arguments', (t) => {
  const { root, $ } = project(t);
  $.$compress('src/index.ts', 'index.ts.gz');
  $.$decompress('index.ts.gz', 'index.copy.ts');
  assert.equal(nodeFs.readFileSync(join(root, 'index.copy.ts'), 'utf8'), nodeFs.readFileSync(join(root, 'src/index.ts'), 'utf8'));
  $.$tar('src', 'src.tar');
  $.$untar('src.tar', 'restored');
  assert.equal(nodeFs.readFileSync(join(root, 'restored/lib/util.ts'), 'utf8'), 'export const x = 1;\n');
});

test('du, sync (a real mirror) and dedupe', (t) => {
  const { root, $ } = project(t);
  const du = $.$du('src');
  assert.equal(du.path, join(root, 'src'));
  assert.equal(du.file_count, 3);
  $.$sync('src', 'mirror');
  assert.equal(nodeFs.readFileSync(join(root, 'mirror/lib/util.ts'), 'utf8'), 'export const x = 1;\n');
  const groups = $.$dedupe('src');
  assert.equal(groups.length, 1);
  assert.deepEqual(groups[0].paths.sort(), [join(root, 'src/lib/copy.ts'), join(root, 'src/lib/util.ts')]);
});
