'use strict';
// Filesystem core: per-call cost, recursive listing, hashing.
const nodeFs = require('node:fs');
const crypto = require('node:crypto');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const fg = require('fast-glob');
const { fs: xfs } = require('..');
const { compare } = require('./harness.js');
const fixtures = require('./fixtures.js');

async function run() {
  // 1. Per-call cost of a stat: in-process vs node:fs vs one process per call (the design
  //    being replaced; `stat` is the most trivial binary that can answer the same question).
  const file = path.join(fixtures.tree(), 'dir0', 'file0.txt');
  await compare({
    title: 'stats of one file (per call)',
    contenders: {
      'xypriss-sys statsSync': () => xfs.statsSync(file),
      'node:fs statSync': () => nodeFs.statSync(file),
      'execFileSync(stat) per call': () => execFileSync('stat', ['-c', '%s %F', file], { encoding: 'utf8' }),
    },
    answer: (v, name) => {
      if (name.startsWith('execFileSync')) return { size: Number(v.split(' ')[0]), file: v.includes('regular') };
      if (name.startsWith('node')) return { size: v.size, file: v.isFile() };
      return { size: v.size, file: v.is_file };
    },
  });

  // 2. Recursive listing of a 20,000-file tree.
  const root = fixtures.tree();
  const sorted = (list) => [...list].sort();
  await compare({
    title: 'recursive listing, 20,000 files in 20 directories (sync)',
    contenders: {
      'xypriss-sys lsSync': () => xfs.lsSync(root, { recursive: true }),
      'node:fs readdirSync recursive': () => nodeFs.readdirSync(root, { recursive: true }),
      'fast-glob sync': () => fg.sync('**', { cwd: root, onlyFiles: false, dot: true }),
    },
    answer: sorted,
  });
  await compare({
    title: 'recursive listing, 20,000 files in 20 directories (async)',
    contenders: {
      'xypriss-sys ls': () => xfs.ls(root, { recursive: true }),
      'node:fs.promises readdir recursive': () => nodeFs.promises.readdir(root, { recursive: true }),
      'fast-glob async': () => fg('**', { cwd: root, onlyFiles: false, dot: true }),
    },
    answer: sorted,
  });

  // 3. SHA-256 of a 256 MiB file.
  const size = 256 * 1024 * 1024;
  const big = fixtures.randomFile('random-256m', size);
  const nodeStream = (chunk) => () =>
    new Promise((resolve, reject) => {
      const h = crypto.createHash('sha256');
      nodeFs.createReadStream(big, { highWaterMark: chunk })
        .on('data', (d) => h.update(d))
        .on('end', () => resolve(h.digest('hex')))
        .on('error', reject);
    });
  await compare({
    title: 'sha256 of a 256 MiB file',
    bytes: size,
    time: 4000,
    iterations: 5,
    contenders: {
      'xypriss-sys hash': () => xfs.hash(big),
      'xypriss-sys hashSync': () => xfs.hashSync(big),
      'node:crypto stream (64 KiB chunks)': nodeStream(64 * 1024),
      'node:crypto stream (1 MiB chunks)': nodeStream(1024 * 1024),
    },
  });
}

module.exports = { run };
