// The `xsys` command line: every command of the old tool (listed here from the reference,
// shared/reference/api-fs.md §3–6 and api-sys.md §2, not from our own command table) appears
// in the help and works with --json; exit codes are 0 ok, 1 error, 2 usage.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, spawn } from 'node:child_process';
import * as nodeFs from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scratch } from './helpers.mjs';
import { children } from './cluster.helpers.mjs';

const BIN = fileURLToPath(new URL('../bin/xsys.js', import.meta.url));

function xsys(args, { cwd, input } = {}) {
  const run = spawnSync(process.execPath, [BIN, ...args], { cwd, input, encoding: 'utf8', timeout: 60_000 });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

const OLD_COMMANDS = {
  fs: ['ls', 'read', 'write', 'copy', 'move', 'rm', 'mkdir', 'touch', 'stats', 'hash', 'verify', 'size', 'link', 'check', 'chmod', 'du', 'sync', 'dedupe', 'watch', 'watch-content', 'stream'],
  path: ['resolve', 'join', 'dirname', 'basename', 'extname', 'relative', 'normalize'],
  search: ['find', 'ext', 'modified', 'grep', 'rename'],
  archive: ['compress', 'decompress', 'tar', 'untar'],
  sys: ['info', 'cpu', 'memory', 'disks', 'network', 'processes', 'temp', 'health', 'env', 'paths', 'user', 'kill', 'quick', 'ports', 'battery'],
  monitor: ['system', 'process'],
};

test('xsys --help lists every group, and each group lists every command of the old tool', () => {
  const top = xsys(['--help']);
  assert.equal(top.code, 0);
  for (const group of [...Object.keys(OLD_COMMANDS), 'cluster']) assert.match(top.out, new RegExp(`^  ${group} `, 'm'), group);
  for (const [group, commands] of Object.entries(OLD_COMMANDS)) {
    const help = xsys([group, '--help']);
    assert.equal(help.code, 0, group);
    for (const command of commands) assert.match(help.out, new RegExp(`^  ${command}\\b`, 'm'), `${group} ${command}`);
  }
  assert.match(xsys(['cluster', '--help']).out, /^ {2}start\b/m);
});

test('exit codes: 0 for success, 1 for an error, 2 for a usage error', (t) => {
  const dir = scratch(t);
  assert.equal(xsys(['--root', dir, 'fs', 'ls']).code, 0);
  const missing = xsys(['--root', dir, 'fs', 'read', 'missing.txt']);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /ENOENT/);
  const json = xsys(['--root', dir, '--json', 'fs', 'read', 'missing.txt']);
  assert.deepEqual(Object.keys(JSON.parse(json.err)).sort(), ['code', 'message', 'status']);
  assert.equal(JSON.parse(json.err).code, 'ENOENT');
  for (const bad of [['nope'], ['fs', 'nope'], ['fs', 'read'], ['fs', 'ls', '--bogus'], ['fs', 'read', 'a', 'b'], ['sys', 'processes', '--pid', 'x']]) {
    const run = xsys(bad);
    assert.equal(run.code, 2, bad.join(' '));
    assert.match(run.err, /^xsys: /);
  }
});

test('-- ends the flags, so data that starts with a dash is data', (t) => {
  const dir = scratch(t);
  assert.equal(xsys(['--root', dir, 'fs', 'write', 'f.txt', '--', '--append']).code, 0);
  assert.equal(nodeFs.readFileSync(join(dir, 'f.txt'), 'utf8'), '--append');
});

test('every fs, path, search and archive command works with --json', (t) => {
  const dir = scratch(t);
  nodeFs.mkdirSync(join(dir, 'src/lib'), { recursive: true });
  nodeFs.writeFileSync(join(dir, 'src/a.txt'), 'hello world\n');
  nodeFs.writeFileSync(join(dir, 'src/lib/b.txt'), 'hello world\n');
  const run = (...args) => {
    const r = xsys(['--root', dir, '--json', ...args]);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.err}`);
    return r.out.trim() === '' ? undefined : JSON.parse(r.out);
  };
  const ok = { status: 'ok' };
  assert.deepEqual(run('fs', 'ls', 'src').sort(), ['a.txt', 'lib']);
  assert.equal(run('fs', 'read', 'src/a.txt'), 'hello world\n');
  assert.deepEqual(run('fs', 'write', 'w.txt', 'data'), ok);
  assert.deepEqual(run('fs', 'copy', 'w.txt', 'c.txt'), ok);
  assert.deepEqual(run('fs', 'move', 'c.txt', 'm.txt'), ok);
  assert.deepEqual(run('fs', 'rm', 'm.txt'), ok);
  assert.deepEqual(run('fs', 'mkdir', 'x/y'), ok);
  assert.deepEqual(run('fs', 'touch', 'x/y/t'), ok);
  assert.equal(run('fs', 'stats', 'w.txt').size, 4);
  const digest = run('fs', 'hash', 'w.txt');
  assert.match(digest, /^[0-9a-f]{64}$/);
  assert.deepEqual(run('fs', 'verify', 'w.txt', digest), { valid: true });
  assert.deepEqual(run('fs', 'size', 'w.txt'), { bytes: 4, formatted: '4 B' });
  assert.deepEqual(run('fs', 'link', 'w.txt', 'l.txt'), ok);
  assert.deepEqual(run('fs', 'check', 'l.txt'), { exists: true, readable: true, writable: true });
  assert.deepEqual(run('fs', 'chmod', 'w.txt', '600'), ok);
  assert.equal(run('fs', 'du', 'src').file_count, 2);
  assert.deepEqual(run('fs', 'sync', 'src', 'mirror'), ok);
  assert.equal(run('fs', 'dedupe', 'src').length, 1);
  const streamed = xsys(['--root', dir, 'fs', 'stream', 'src/a.txt']);
  assert.equal(streamed.out, 'hello world\n');
  assert.equal(run('path', 'resolve', 'a'), join(dir, 'a'));
  assert.equal(run('path', 'join', 'a', 'b'), 'a/b');
  assert.equal(run('path', 'dirname', 'a/b'), 'a');
  assert.equal(run('path', 'basename', 'a/b.txt', '.txt'), 'b');
  assert.equal(run('path', 'extname', 'a/b.txt'), '.txt');
  assert.equal(run('path', 'relative', 'a', 'a/b'), 'b');
  assert.equal(run('path', 'normalize', 'a//b/../c'), 'a/c');
  assert.deepEqual(run('search', 'find', 'src', '--pattern', '^a'), [join(dir, 'src/a.txt')]);
  assert.equal(run('search', 'ext', 'src', 'txt').length, 2);
  assert.equal(run('search', 'modified', 'src', '--hours', '1').length, 2);
  assert.deepEqual(Object.keys(run('search', 'grep', 'src', 'hello')).length, 2);
  assert.equal(run('search', 'rename', 'src', '--pattern', '\\.txt$', '--replacement', '.md', '--dry-run').length, 2);
  assert.deepEqual(run('archive', 'compress', '--src', 'w.txt', '--dest', 'w.gz'), ok);
  assert.deepEqual(run('archive', 'decompress', '--src', 'w.gz', '--dest', 'w2.txt'), ok);
  assert.deepEqual(run('archive', 'tar', '--dir', 'src', '--output', 'src.tar'), ok);
  assert.deepEqual(run('archive', 'untar', '--archive', 'src.tar', '--dest', 'out'), ok);
  assert.equal(nodeFs.readFileSync(join(dir, 'out/lib/b.txt'), 'utf8'), 'hello world\n');
});

test('every sys command works with --json', async () => {
  const run = (...args) => {
    const r = xsys(['--json', 'sys', ...args]);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.err}`);
    return JSON.parse(r.out);
  };
  assert.ok(run('info').hostname);
  assert.equal(typeof run('cpu').overall, 'number');
  assert.ok(run('memory').total > 0);
  assert.ok(Array.isArray(run('disks')));
  assert.ok(Array.isArray(run('network').interfaces));
  assert.equal(run('processes', '--pid', String(process.pid)).pid, process.pid);
  assert.ok('components' in run('temp'));
  assert.ok(Number.isInteger(run('health')));
  assert.equal(run('env', 'HOME'), process.env.HOME);
  assert.ok(Array.isArray(run('paths')));
  assert.equal(typeof run('user'), 'string');
  assert.match(run('quick'), /^OS: /);
  assert.ok(Array.isArray(run('ports')));
  assert.equal(typeof run('battery').is_present, 'boolean');
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('spawn', resolve));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal)));
  assert.equal(run('kill', '--pid', String(child.pid)).status, 'ok');
  assert.equal(await exited, 'SIGKILL');
});

test('monitor commands print one JSON line per event and stop after --duration', () => {
  const system = xsys(['--json', 'monitor', 'system', '--duration', '0.7', '--interval', '0.2']);
  assert.equal(system.code, 0, system.err);
  const lines = system.out.trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(lines.length >= 2);
  assert.ok(lines.every((l) => l.event === 'snapshot' && typeof l.data.cpu_usage === 'number'));
  const proc = xsys(['--json', 'monitor', 'process', '--pid', String(process.pid), '--duration', '0.5', '--interval', '0.2']);
  assert.equal(proc.code, 0, proc.err);
  assert.equal(JSON.parse(proc.out.trim().split('\n')[0]).data.pid, process.pid);
});

test('fs watch and fs watch-content print one JSON line per event until --duration', async (t) => {
  const dir = scratch(t);
  nodeFs.writeFileSync(join(dir, 'f.txt'), 'one\n');
  const follow = (args) => {
    const child = spawn(process.execPath, [BIN, '--root', dir, '--json', 'fs', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    const lines = async (n) => {
      while (out.split('\n').filter(Boolean).length < n) await new Promise((r) => setTimeout(r, 20));
      return out.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    };
    const exited = new Promise((resolve) => child.on('exit', resolve));
    return { lines, exited };
  };
  const w = follow(['watch', '.', '--duration', '3']);
  assert.equal((await w.lines(1))[0].data.type, 'ready');
  nodeFs.writeFileSync(join(dir, 'g.txt'), 'new');
  assert.ok((await w.lines(2)).some((l) => l.event === 'all' && l.data.type === 'created' && l.data.path === join(dir, 'g.txt')));
  assert.equal(await w.exited, 0);

  const c = follow(['watch-content', 'f.txt', '--duration', '3']);
  assert.equal((await c.lines(1))[0].event, 'ready');
  nodeFs.writeFileSync(join(dir, 'f.txt'), 'one\ntwo\n');
  const [, change] = await c.lines(2);
  assert.equal(change.event, 'change');
  assert.deepEqual(change.data.diff, [{ type: 'added', line_number: 2, line: 'two' }]);
  assert.equal(await c.exited, 0);
});

test('npx xsys sys quick, the README example, prints the four summary lines', () => {
  const run = spawnSync('npx', ['--no-install', 'xsys', 'sys', 'quick'], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /^OS: .*\nCPU: .*\((\d+\.\d)%\)\nRAM: .*\nUptime: .*\n$/);
});

/** An in-memory stream that looks like a terminal (or not) to the CLI. */
function sink(isTTY) {
  const chunks = [];
  return { isTTY, columns: 100, write: (s) => chunks.push(String(s)), text: () => chunks.join('') };
}

test('long commands draw a progress bar on a terminal stderr and clear it before the result', async (t) => {
  const { main } = await import('../lib/cli/main.js');
  const dir = scratch(t);
  const data = Buffer.alloc(160 << 20, 'x');
  nodeFs.writeFileSync(join(dir, 'big'), data);
  const io = { stdout: sink(false), stderr: sink(true) };
  assert.equal(await main(['--root', dir, 'fs', 'hash', 'big'], io), 0);
  const expected = (await import('node:crypto')).createHash('sha256').update(data).digest('hex');
  assert.equal(io.stdout.text(), `${expected}\n`, 'stdout carries the result only');
  const err = io.stderr.text();
  assert.match(err, /\r\x1b\[2Kfs hash \[#{24}\] 100% {2}160\.0 MiB \/ 160\.0 MiB {2}1 file/, 'the last report fills the bar');
  assert.ok(err.endsWith('\r\x1b[2K'), 'the bar is cleared at the end');

  for (const args of [['--json', 'fs', 'hash', 'big'], ['--quiet', 'fs', 'hash', 'big']]) {
    const quiet = { stdout: sink(false), stderr: sink(true) };
    assert.equal(await main(['--root', dir, ...args], quiet), 0);
    assert.equal(quiet.stderr.text(), '', `no bar with ${args[0]}`);
  }
  const piped = { stdout: sink(false), stderr: sink(false) };
  assert.equal(await main(['--root', dir, 'fs', 'copy', 'big', 'copy'], piped), 0);
  assert.equal(piped.stderr.text(), '', 'no bar when stderr is not a terminal');
  assert.deepEqual(nodeFs.readFileSync(join(dir, 'copy')), data);
});

test('--progress prints plain progress lines off a terminal, for copies, hashes, sync and archives', (t) => {
  const dir = scratch(t);
  nodeFs.mkdirSync(join(dir, 'tree/sub'), { recursive: true });
  for (let i = 0; i < 50; i++) nodeFs.writeFileSync(join(dir, `tree/sub/f${i}`), `file ${i}\n`.repeat(100));
  const treeBytes = nodeFs.readdirSync(join(dir, 'tree/sub')).reduce((sum, f) => sum + nodeFs.statSync(join(dir, 'tree/sub', f)).size, 0);
  const cases = [
    [['fs', 'copy', 'tree', 'copied', '--progress'], new RegExp(`^fs copy \\[#{24}\\] 100% .* / ${(treeBytes / 1024).toFixed(1)} KiB {2}50 files`, 'm')],
    [['fs', 'hash', 'tree/sub/f1', '--progress'], /^fs hash \[#{24}\] 100% {2}700 B \/ 700 B {2}1 file/m],
    [['fs', 'sync', 'tree', 'mirror', '--progress'], /^fs sync {2}\S+ KiB {2}50 files/m],
    [['archive', 'tar', 'tree', 'tree.tar', '--progress'], /^archive tar \[#{24}\] 100% /m],
    [['archive', 'untar', 'tree.tar', 'out', '--progress'], /^archive untar {2}\S+ KiB {2}50 files/m],
    [['archive', 'compress', 'tree.tar', 'tree.tar.gz', '--progress'], /^archive compress \[#{24}\] 100% /m],
    [['archive', 'decompress', 'tree.tar.gz', 'again.tar', '--progress'], /^archive decompress {2}\S+ KiB/m],
  ];
  for (const [args, line] of cases) {
    const run = xsys(['--root', dir, ...args]);
    assert.equal(run.code, 0, `${args.join(' ')}: ${run.err}`);
    assert.match(run.err, line, args.join(' '));
    assert.doesNotMatch(run.err, /\x1b/, 'no terminal escapes off a terminal');
  }
  assert.equal(nodeFs.readFileSync(join(dir, 'out/sub/f7'), 'utf8'), 'file 7\n'.repeat(100));
  assert.deepEqual(nodeFs.readFileSync(join(dir, 'again.tar')), nodeFs.readFileSync(join(dir, 'tree.tar')));
});

test('xsys cluster start runs a supervised cluster with its spares until SIGINT, then leaves no process behind', { skip: process.platform !== 'linux' && 'reads /proc' }, async () => {
  const entry = fileURLToPath(new URL('./fixtures/http-worker.js', import.meta.url));
  const cli = spawn(process.execPath, [BIN, '--json', 'cluster', 'start', entry, '-w', '2', '-p', '0', '--host', '127.0.0.1', '--spares', '1'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const events = [];
  let buffered = '';
  cli.stdout.setEncoding('utf8');
  cli.stdout.on('data', (d) => {
    buffered += d;
    const lines = buffered.split('\n');
    buffered = lines.pop();
    for (const line of lines) events.push(JSON.parse(line));
  });
  const exited = new Promise((resolve) => cli.on('exit', (code, signal) => resolve({ code, signal })));
  const childrenOf = (parent) => children(parent).map((p) => p.pid);
  const deadline = Date.now() + 30_000;
  // Two workers, then one spare: three children of the CLI process.
  while ((!events.some((e) => e.event === 'started') || childrenOf(cli.pid).length < 3) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
  const started = events.find((e) => e.event === 'started');
  assert.ok(started, JSON.stringify(events));
  assert.equal(started.data.workers, 2);
  assert.ok(started.data.port > 0);
  const kids = childrenOf(cli.pid);
  assert.equal(kids.length, 3, 'two workers and a spare');
  assert.equal(events.filter((e) => e.event === 'online').length, 2, 'the spare is no worker');
  cli.kill('SIGINT');
  assert.deepEqual(await exited, { code: 0, signal: null });
  const names = events.map((e) => e.event);
  assert.equal(names.at(-1), 'stopped');
  const exits = events.slice(names.indexOf('stopping')).filter((e) => e.event === 'exit');
  assert.deepEqual(exits.map((e) => e.data.reason), ['stop', 'stop'], 'two workers stopped; the spare is no worker');
  assert.ok(kids.every((pid) => !nodeFs.existsSync(`/proc/${pid}`)), 'workers and spare are gone');
});
