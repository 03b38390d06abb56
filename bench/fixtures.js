'use strict';
// Benchmark data, created once and reused: a 20,000-file tree and large random files.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');

const base = path.join(process.env.XSYS_BENCH_DIR || os.tmpdir(), 'xsys-bench');

function dir(name) {
  const d = path.join(base, name);
  fs.mkdirSync(d, { recursive: true });
  return d;
}

/** `dirs` directories of `filesPerDir` one-byte files (default 20 × 1,000 = 20,000 files). */
function tree(name = 'tree-20k', dirs = 20, filesPerDir = 1000) {
  const root = path.join(base, name);
  const done = path.join(root, '.complete');
  if (fs.existsSync(done)) return root;
  fs.rmSync(root, { recursive: true, force: true });
  for (let d = 0; d < dirs; d++) {
    const sub = path.join(root, `dir${d}`);
    fs.mkdirSync(sub, { recursive: true });
    for (let f = 0; f < filesPerDir; f++) fs.writeFileSync(path.join(sub, `file${f}.txt`), 'x');
  }
  fs.writeFileSync(done, '');
  return root;
}

/** A file of `bytes` random bytes. */
function randomFile(name, bytes) {
  const file = path.join(dir('files'), name);
  if (fs.existsSync(file) && fs.statSync(file).size === bytes) return file;
  const fd = fs.openSync(file, 'w');
  const chunk = 8 * 1024 * 1024;
  for (let written = 0; written < bytes; written += chunk) {
    fs.writeSync(fd, crypto.randomBytes(Math.min(chunk, bytes - written)));
  }
  fs.closeSync(fd);
  return file;
}

module.exports = { base, dir, tree, randomFile };
