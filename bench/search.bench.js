'use strict';
// Search and whole-tree operations: grep against ripgrep and a plain Node loop, find against
// fast-glob, copy of 20,000 small files against fs.promises.cp.
const nodeFs = require('node:fs');
const path = require('node:path');
const { spawnSync, execFile } = require('node:child_process');
const fg = require('fast-glob');
const { fs: xfs } = require('..');
const { compare } = require('./harness.js');
const fixtures = require('./fixtures.js');
const { corpus, textFile, treeBytes, freshDestinations } = require('./corpus.js');

/** ripgrep, installed by scripts/bench-setup.sh when possible; null (with the reason printed) otherwise. */
function ripgrep() {
  const setup = spawnSync('bash', [path.join(__dirname, '..', 'scripts', 'bench-setup.sh')], { encoding: 'utf8' });
  if (setup.status !== 0) {
    console.log(`\nripgrep skipped: ${setup.stderr.trim() || 'bench-setup.sh failed'}`);
    return null;
  }
  return spawnSync('rg', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0];
}

/** grep the way a plain Node program would: walk, read each file, split lines, test each. */
function nodeGrep(root, re) {
  const out = [];
  const search = (file) => {
    const lines = nodeFs.readFileSync(file, 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) if (re.test(lines[i])) out.push({ file, line: i + 1, content: lines[i] });
  };
  if (nodeFs.statSync(root).isFile()) {
    search(root);
    return out;
  }
  for (const rel of nodeFs.readdirSync(root, { recursive: true })) {
    const file = path.join(root, rel);
    if (nodeFs.statSync(file).isFile()) search(file);
  }
  return out;
}

function rgGrep(root, args) {
  return new Promise((resolve, reject) => {
    execFile('rg', ['--no-ignore', '--hidden', '--no-heading', '--with-filename', '--line-number', ...args, root], { maxBuffer: 1 << 30 }, (err, stdout) => {
      if (err && err.code !== 1) return reject(err);
      resolve(stdout);
    });
  });
}

const key = (m) => `${m.file}:${m.line}:${m.content}`;
const matchesOf = (value, name) => {
  if (name.startsWith('ripgrep')) {
    return value.split('\n').filter(Boolean).map((l) => {
      const [file, line, ...rest] = l.split(':');
      return `${file}:${line}:${rest.join(':')}`;
    }).sort();
  }
  return value.map(key).sort();
};

async function run() {
  const root = corpus();
  const bytes = treeBytes(root);
  const rg = ripgrep();
  console.log(`\nCorpus: ${root}, ${(bytes / 2 ** 20).toFixed(1)} MiB of source-like text in 2,048 files${rg ? `; ${rg}` : ''}`);

  const big = textFile('text-128m.txt', 128 << 20);
  const bigBytes = nodeFs.statSync(big).size;
  const inputs = [
    [`${(bytes / 2 ** 20).toFixed(0)} MiB in 2,048 files`, root, bytes],
    [`one ${(bigBytes / 2 ** 20).toFixed(0)} MiB file`, big, bigBytes],
  ];
  for (const [where, target, size] of inputs) {
    for (const [what, pattern, literal, re, rgArgs] of [
      ['literal', 'NEEDLE_7', true, /NEEDLE_7/, ['-F', 'NEEDLE_7']],
      ['regex', 'NEEDLE_[0-9]+7\\b', false, /NEEDLE_[0-9]+7\b/, ['NEEDLE_[0-9]+7\\b']],
    ]) {
      const contenders = {
        'xypriss-sys grep': () => xfs.grep(target, pattern, { literal }),
        'plain Node loop (readFileSync + split + RegExp)': () => nodeGrep(target, re),
      };
      if (rg) contenders['ripgrep (rg, one process per search)'] = () => rgGrep(target, rgArgs);
      await compare({ title: `grep, ${what} pattern, ${where}`, contenders, answer: matchesOf, bytes: size, time: 3000 });
    }
  }

  const tree = fixtures.tree();
  const rel = (list) => list.map((p) => path.relative(tree, p)).sort();
  await compare({
    title: 'find *.txt among 20,000 files in 20 directories (async)',
    contenders: {
      "xypriss-sys find({ glob: '*.txt' })": () => xfs.find(tree, { glob: '*.txt' }),
      "fast-glob('**/*.txt')": () => fg('**/*.txt', { cwd: tree, absolute: true, dot: true }),
    },
    answer: rel,
  });

  // Each copy goes to a new directory.
  const { fresh, cleanup } = freshDestinations(path.join(fixtures.base, 'copy-dest'));
  const listing = (dir) => nodeFs.readdirSync(dir, { recursive: true }).sort();
  await compare({
    title: 'copy a tree of 20,000 one-byte files to a new directory (async)',
    contenders: {
      'xypriss-sys copy': async () => {
        const to = fresh('ours');
        await xfs.copy(tree, to);
        return () => listing(to);
      },
      'fs.promises.cp (recursive)': async () => {
        const to = fresh('node');
        await nodeFs.promises.cp(tree, to, { recursive: true });
        return () => listing(to);
      },
    },
    answer: (list) => list(),
    time: 5000,
    iterations: 5,
  });
  cleanup();
}

module.exports = { run };
