// sys spawns no child process, ever: the tool it replaces was a process per call, and
// systeminformation spawns lscpu, ps and df. Two independent checks — the sources, and the kernel's
// own account of this process's children — and a control proving the second one can fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import { once } from 'node:events';
import { xsys, native } from './helpers.mjs';

const { sys } = xsys;
const root = fileURLToPath(new URL('..', import.meta.url));
const linux = process.platform === 'linux';

function sysSources() {
  const rust = readdirSync(`${root}/src/sys`).map((f) => `src/sys/${f}`).concat('src/bindings/sys.rs');
  return [...rust, 'lib/sys.js', 'lib/monitor.js'].map((file) => [file, readFileSync(`${root}/${file}`, 'utf8')]);
}

test('no sys source can start a process', () => {
  const rust = [/\bCommand::new\b/, /\bprocess::Command\b/, /\blibc::(fork|vfork|exec\w*|system|popen|posix_spawn\w*|clone)\b/, /\bposix_spawn/];
  const js = [/child_process/, /\b(spawn|spawnSync|exec|execSync|execFile|execFileSync|fork)\s*\(/, /process\.binding/];
  const sources = sysSources();
  assert.ok(sources.length >= 20, `only ${sources.length} files scanned: is the scan broken?`);
  for (const [file, text] of sources) {
    for (const pattern of file.endsWith('.rs') ? rust : js) {
      assert.doesNotMatch(text, pattern, `${file} matches ${pattern}`);
    }
  }
});

test('calling every sys operation starts no child process', { skip: !linux && 'counts children with getrusage' }, async () => {
  // RUSAGE_CHILDREN's maximum RSS stays 0 until a child of this process has run and been
  // reaped, whichever thread (JS, tokio workers, monitor threads) started it.
  assert.equal(native.__testChildrenMaxRss(), 0, 'this test process has had no child yet');

  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    sys.info();
    sys.cpu();
    sys.cpu({ cores: true });
    sys.memory();
    sys.hardware();
    sys.quick();
    sys.health();
    sys.user();
    sys.paths();
    sys.env();
    sys.env('PATH');
    sys.network();
    sys.network('lo');
    sys.kill(process.pid, 0);
    for (const call of [sys.disksSync, sys.tempSync, sys.batterySync, sys.portsSync, sys.processesSync]) call();
    await Promise.all([sys.disks(), sys.disks('/'), sys.temp(), sys.battery(), sys.ports()]);
    await sys.processes();
    await sys.processes({ all: true });
    await sys.processes({ pid: process.pid });
    await sys.processes({ topCpu: 5 });
    sys.processesSync({ topMem: 5 });
    for await (const _ of sys.monitor({ interval: 10, duration: 50 }));
    for await (const _ of sys.monitorProcess(process.pid, { interval: 10, duration: 50 }));
  } finally {
    server.close();
  }

  assert.equal(native.__testChildrenMaxRss(), 0, 'a child process ran');
  // Nor is one still running or left unreaped.
  const children = (await sys.processes({ all: true, fields: ['pid', 'parent_pid'] })).filter((p) => p.parent_pid === process.pid);
  assert.deepEqual(children, []);
});

test('control: the child-process check sees a child when there is one', { skip: !linux && 'counts children with getrusage' }, () => {
  const run = spawnSync(process.execPath, ['-e', '0']);
  assert.equal(run.status, 0);
  assert.ok(native.__testChildrenMaxRss() > 0);
});
