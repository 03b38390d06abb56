// sys: info, cpu, memory, hardware, quick and health agree with the kernel's own view.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { xsys } from './helpers.mjs';

const { sys } = xsys;
const linux = process.platform === 'linux';

/** /proc/meminfo in bytes. */
function meminfo() {
  const out = {};
  for (const line of readFileSync('/proc/meminfo', 'utf8').split('\n')) {
    const m = /^(\w+):\s+(\d+) kB$/.exec(line);
    if (m) out[m[1]] = Number(m[2]) * 1024;
  }
  return out;
}

function within(actual, expected, tolerance, what) {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs ${expected} (±${tolerance})`);
}

test('memory() agrees with /proc/meminfo within 1%', { skip: !linux && 'reads /proc/meminfo' }, () => {
  const before = meminfo();
  const m = sys.memory();
  const after = meminfo();
  const onePercent = before.MemTotal / 100;
  assert.equal(m.host_total, before.MemTotal);
  within(m.host_available, (before.MemAvailable + after.MemAvailable) / 2, onePercent, 'host_available');
  assert.equal(m.host_used, m.host_total - m.host_available);
  assert.equal(m.swap_total, before.SwapTotal);
  within(m.swap_free, before.SwapFree, before.SwapTotal / 100, 'swap_free');
  if (m.limit === null) {
    assert.equal(m.total, before.MemTotal);
    within(m.available, before.MemAvailable, onePercent, 'available');
    within(m.free, before.MemFree, onePercent, 'free');
  } else {
    assert.equal(m.total, Math.min(m.limit, before.MemTotal));
  }
});

test('memory() is consistent: used = total − available, percentages of the totals', () => {
  const m = sys.memory();
  assert.equal(m.used, m.total - m.available);
  assert.ok(m.available <= m.total && m.free <= m.available);
  within(m.usage_percent, (m.used / m.total) * 100, 1e-9, 'usage_percent');
  assert.equal(m.swap_used, m.swap_total - m.swap_free);
  assert.equal(m.swap_percent, m.swap_total ? (m.swap_used / m.swap_total) * 100 : 0);
});

test('the CPU count is os.availableParallelism() when no cgroup CPU quota is set', () => {
  const info = sys.info();
  if (info.cpu_quota === null) {
    assert.equal(info.cpu_count, os.availableParallelism());
  } else {
    // Node 20's libuv ignores quotas; ours caps the affinity count by the quota.
    assert.equal(info.cpu_count, Math.min(os.availableParallelism(), Math.max(1, Math.floor(info.cpu_quota))));
  }
  assert.equal(info.host_cpu_count, os.cpus().length);
});

test('cpu() answers at once, even the first time, with one value per core', () => {
  const started = performance.now();
  const u = sys.cpu();
  // The original slept 200 ms per call to measure usage.
  assert.ok(performance.now() - started < 150, `cpu() took ${performance.now() - started} ms`);
  assert.equal(u.per_core.length, os.cpus().length);
  assert.ok([u.overall, ...u.per_core].every((v) => v >= 0 && v <= 100));
  assert.equal(Number.isInteger(u.timestamp), true);
  within(u.timestamp, Date.now() / 1000, 2, 'timestamp');
});

test('cpu() usage is measured over the time since the previous sample', async () => {
  sys.cpu();
  await sleep(250);
  const until = performance.now() + 500;
  while (performance.now() < until); // keep one core busy for the whole window
  const u = sys.cpu();
  const oneCoreShare = 100 / os.cpus().length;
  assert.ok(u.overall >= oneCoreShare / 2, `overall ${u.overall}% while one of ${os.cpus().length} cores spun`);
  within(u.overall, u.per_core.reduce((a, b) => a + b, 0) / u.per_core.length, 1e-9, 'overall is the mean of the cores');
});

test('cpu({cores: true}) lists every logical CPU as "CPU <i>" with the model os.cpus() reports', () => {
  const cores = sys.cpu({ cores: true });
  const nodeCpus = os.cpus();
  assert.equal(cores.length, nodeCpus.length);
  cores.forEach((c, i) => {
    assert.equal(c.name, `CPU ${i}`);
    assert.equal(c.core_count, nodeCpus.length);
    assert.ok(c.usage >= 0 && c.usage <= 100);
    if (linux) assert.equal(c.brand, nodeCpus[i].model.trim());
  });
});

test('info() describes this host as node:os does', () => {
  const info = sys.info();
  assert.equal(info.hostname, os.hostname());
  assert.equal(info.kernel_version, os.release());
  assert.equal(info.architecture, { x64: 'x86_64', arm64: 'aarch64' }[process.arch] ?? info.architecture);
  within(info.uptime, os.uptime(), 2, 'uptime');
  within(info.boot_time, Date.now() / 1000 - os.uptime(), 2, 'boot_time');
  const [one, five, fifteen] = os.loadavg();
  within(info.load_average.one, one, 0.5, 'load one');
  within(info.load_average.five, five, 0.5, 'load five');
  within(info.load_average.fifteen, fifteen, 0.5, 'load fifteen');
  assert.equal(info.cpu_brand, os.cpus()[0].model.trim());
  const m = sys.memory();
  assert.equal(info.total_memory, m.total);
  assert.equal(info.total_swap, m.swap_total);
});

test('hardware() merges memory() and info() with the keys of XyPriss $hardware', () => {
  const hw = sys.hardware();
  const keys = Object.keys(hw);
  const expected = [
    'total', 'available', 'used', 'free', 'usage_percent', 'swap_total', 'swap_used', 'swap_free', 'swap_percent',
    'hostname', 'os_name', 'os_version', 'os_edition', 'kernel_version', 'cpu_count', 'cpu_brand', 'cpu_vendor',
    'cpu_frequency', 'uptime', 'boot_time', 'load_average', 'arch',
  ];
  for (const k of expected) assert.ok(keys.includes(k), `missing ${k}`);
  const order = expected.map((k) => keys.indexOf(k));
  assert.deepEqual(order, [...order].sort((a, b) => a - b), 'memory fields first, then info, then arch');
  for (const gone of ['total_memory', 'used_memory', 'available_memory', 'total_swap', 'used_swap', 'architecture']) {
    assert.equal(gone in hw, false, gone);
  }
  assert.equal(hw.arch, sys.info().architecture);
});

test('quick() is one object with the four text lines of the original', () => {
  const q = sys.quick();
  assert.equal(q.hostname, os.hostname());
  assert.equal(q.cpu_count, sys.info().cpu_count);
  within(q.memory_percent, (q.memory_used / q.memory_total) * 100, 1e-9, 'memory_percent');
  const lines = q.text.trimEnd().split('\n');
  assert.deepEqual(lines.map((l) => l.split(':')[0]), ['OS', 'CPU', 'RAM', 'Uptime']);
  assert.equal(lines[0], `OS: ${q.os}`);
});

test('health() scores 0–100 from its checks without overflowing', () => {
  const h = sys.health();
  const { memory, cpu, load, swap } = h.checks;
  assert.ok(Number.isInteger(h.score) && h.score >= 0 && h.score <= 100);
  assert.equal(h.score, Math.round((memory.score + cpu.score + load.score) / 3));
  assert.equal(h.healthy, memory.ok && cpu.ok && load.ok && swap.ok);
  within(memory.value, sys.memory().usage_percent, 1, 'memory check');
  within(load.value, os.loadavg()[0] / sys.info().cpu_count, 0.5, 'load per CPU');
  for (const c of [memory, cpu, load, swap]) assert.ok(c.score >= 0 && c.score <= 100);
});
