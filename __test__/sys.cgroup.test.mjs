// Containers: memory totals and the CPU count follow the cgroup limits, host values stay
// available. A real check: a child Node process is moved into new cgroups with a 256 MiB memory
// limit and half a CPU, then reports what sys sees. Needs root and a writable cgroup v1
// hierarchy (the machine this was written on); skipped, with the reason, elsewhere. The cgroup
// parsing itself is unit-tested on v1, v2 and container layouts in src/sys/limits_linux.rs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { readFileSync, writeFileSync, mkdirSync, rmdirSync, accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { isRoot } from './helpers.mjs';

const MEMORY_LIMIT = 256 * 1024 * 1024;

/** This process's directory in the v1 hierarchy carrying `controller`, or null. */
function v1Dir(controller) {
  const membership = readFileSync('/proc/self/cgroup', 'utf8')
    .split('\n')
    .map((line) => line.split(':'))
    .find((parts) => parts.length >= 3 && parts[1].split(',').includes(controller));
  if (!membership) return null;
  const mount = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' - '))
    .filter(([, right]) => right && right.startsWith('cgroup ') && right.split(' ')[2].split(',').includes(controller))
    .map(([left]) => left.split(' '))
    .find((fields) => fields[3] === '/');
  return mount ? join(mount[4], membership.slice(2).join(':')) : null;
}

function setupReason() {
  if (process.platform !== 'linux') return 'cgroups are Linux-only';
  if (!isRoot) return 'creating cgroups needs root';
  const memory = v1Dir('memory');
  const cpu = v1Dir('cpu');
  if (!memory || !cpu) return 'no cgroup v1 memory and cpu hierarchies mounted at their root (cgroup v2 needs delegation to set up)';
  try {
    accessSync(memory, constants.W_OK);
    accessSync(cpu, constants.W_OK);
  } catch {
    return 'the cgroup hierarchies are read-only here';
  }
  return null;
}

const skip = setupReason();

test('inside a cgroup with 256 MiB and half a CPU, memory() and info() report the limits and keep the host values', { skip: skip ?? false }, async (t) => {
  const memoryDir = join(v1Dir('memory'), `xsys-test-${process.pid}`);
  const cpuDir = join(v1Dir('cpu'), `xsys-test-${process.pid}`);
  mkdirSync(memoryDir);
  mkdirSync(cpuDir);
  t.after(async () => {
    // A cgroup can be removed once its last process has gone.
    for (const dir of [memoryDir, cpuDir]) {
      for (let i = 0; i < 50; i++) {
        try {
          rmdirSync(dir);
          break;
        } catch {
          await sleep(20);
        }
      }
    }
  });
  writeFileSync(join(memoryDir, 'memory.limit_in_bytes'), String(MEMORY_LIMIT));
  writeFileSync(join(cpuDir, 'cpu.cfs_period_us'), '100000');
  writeFileSync(join(cpuDir, 'cpu.cfs_quota_us'), '50000');

  // The child loads xypriss-sys only once it has been moved into the cgroups.
  const entry = JSON.stringify(fileURLToPath(new URL('../index.js', import.meta.url)));
  const child = spawn(process.execPath, ['-e', `
    process.stdin.once('data', () => {
      const { sys } = require(${entry});
      console.log(JSON.stringify({ memory: sys.memory(), info: sys.info(), hardware: sys.hardware() }));
      process.exit(0);
    });`], { stdio: ['pipe', 'pipe', 'inherit'] });
  await once(child, 'spawn');
  writeFileSync(join(memoryDir, 'cgroup.procs'), String(child.pid));
  writeFileSync(join(cpuDir, 'cgroup.procs'), String(child.pid));
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stdin.write('go\n');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0);
  const { memory, info, hardware } = JSON.parse(out);

  const hostTotal = os.totalmem();
  assert.equal(memory.limit, MEMORY_LIMIT);
  assert.equal(memory.total, MEMORY_LIMIT);
  assert.ok(memory.available > 0 && memory.available < MEMORY_LIMIT, `available ${memory.available}`);
  assert.equal(memory.used, memory.total - memory.available);
  assert.equal(memory.host_total, hostTotal);
  assert.equal(info.total_memory, MEMORY_LIMIT);
  assert.equal(hardware.total, MEMORY_LIMIT);

  assert.equal(info.cpu_quota, 0.5);
  assert.equal(info.cpu_count, 1);
  assert.equal(info.host_cpu_count, os.cpus().length);
});
