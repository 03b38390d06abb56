// Atomic writes: a process killed in the middle of a large write leaves the old content
// intact. The control (atomic: false) shows the same kill does damage without it, so the test
// can fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nodeFs from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { scratch, require } from './helpers.mjs';

const OLD = 'the old content\n';
const SIZE = 768 * 1024 * 1024;

/** Start a child writing SIZE bytes to root/target; resolve once `started(root)` says so. */
async function killMidWrite(root, atomic, started) {
  const script = `
    const { FileSystem } = require(${JSON.stringify(require.resolve('../index.js'))});
    const data = Buffer.alloc(${SIZE}, 0x61);
    process.stdout.write('ready\\n');
    new FileSystem({ root: ${JSON.stringify(root)} }).writeSync('target', data, { atomic: ${atomic} });
    process.stdout.write('finished\\n');`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const deadline = Date.now() + 20_000;
  while (!started(root)) {
    if (Date.now() > deadline) throw new Error(`the write never started (child said: ${out})`);
    await sleep(2);
  }
  child.kill('SIGKILL');
  const { signal } = await exited;
  return { signal, finished: out.includes('finished') };
}

const tempFiles = (root) => nodeFs.readdirSync(root).filter((n) => n.endsWith('.xsys-tmp'));

test('a process killed during an atomic write leaves the old content intact', async (t) => {
  const root = scratch(t);
  nodeFs.writeFileSync(join(root, 'target'), OLD);
  const partialTemp = (dir) => tempFiles(dir).some((n) => nodeFs.statSync(join(dir, n)).size > 0);
  const { signal, finished } = await killMidWrite(root, true, partialTemp);
  assert.equal(signal, 'SIGKILL');
  assert.equal(finished, false, 'killed before the write finished');
  assert.equal(nodeFs.readFileSync(join(root, 'target'), 'utf8'), OLD);
});

test('control: without atomic, the same kill leaves a damaged file', async (t) => {
  const root = scratch(t);
  nodeFs.writeFileSync(join(root, 'target'), OLD);
  const overwriting = (dir) => {
    const data = nodeFs.readFileSync(join(dir, 'target'));
    return data.length > 0 && data[0] === 0x61;
  };
  const { finished } = await killMidWrite(root, false, overwriting);
  assert.equal(finished, false);
  const after = nodeFs.statSync(join(root, 'target')).size;
  assert.ok(after < SIZE, `truncated mid-write (${after} of ${SIZE} bytes)`);
  assert.notEqual(nodeFs.readFileSync(join(root, 'target'), 'utf8').slice(0, OLD.length), OLD);
});
