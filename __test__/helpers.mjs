// Shared helpers for the node:test suites.
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const require = createRequire(import.meta.url);
export const xsys = require('../index.js');
export const native = require('../binding.js');

/** A fresh real (symlink-free) temporary directory, removed after the test. */
export function scratch(t, prefix = 'xsys-') {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
