'use strict';
// One watcher measured in a fresh process (run by watch.bench.js). Prints one JSON line.
//   node --expose-gc bench/watch.probe.js <contender> steady <tree> <writes> <renames>
//     setup time to ready, user-space memory and kernel watches once ready, then the latency
//     from each write to the callback naming the file, and how renames were reported;
//   node bench/watch.probe.js <contender> flood <empty dir> <files>
//     how many of <files> files, created by another process while this one's JS thread is
//     blocked for 3 s, are reported.
// Every contender gets the same tree and the same operations.
const fs = require('node:fs');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { setTimeout: sleep } = require('node:timers/promises');

const [contender, mode, root] = process.argv.slice(2, 5);
const [writes, renames] = [Number(process.argv[5]), Number(process.argv[6] || 0)];
const WRITE_SPACING_MS = 60; // longer than @parcel/watcher's 50 ms batch window
const SETTLE_MS = 2000; // fs.watch has no ready signal: wait this long instead

function gc() {
  for (let i = 0; i < 3; i++) global.gc();
}

function kernelWatches() {
  let n = 0;
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      if (fs.readlinkSync(`/proc/self/fd/${fd}`) !== 'anon_inode:inotify') continue;
      n += fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8').split('\n').filter((l) => l.startsWith('inotify wd:')).length;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}

// Each contender: start(onEvent(kind, absolutePath, from?)) → Promise resolved when ready
// (true) or when it cannot tell (false), and stop().
const contenders = {
  'xypriss-sys': () => {
    const { watch } = require('..');
    let w;
    return {
      start: (on) =>
        new Promise((resolve) => {
          w = watch(root, { debounce: 0 });
          w.on('all', (e) => {
            if (e.type === 'ready') resolve(true);
            else if (e.type === 'renamed') on('renamed', e.to, e.from);
            else if (e.path) on(e.type, e.path);
          });
          w.on('error', (e) => console.error(e));
        }),
      stop: () => w.close(),
    };
  },
  '@parcel/watcher': () => {
    const parcel = require('@parcel/watcher');
    let sub;
    return {
      start: async (on) => {
        sub = await parcel.subscribe(root, (err, events) => {
          if (err) console.error(err);
          for (const e of events || []) on(e.type, e.path);
        });
        return true;
      },
      stop: () => sub.unsubscribe(),
    };
  },
  chokidar: () => {
    const chokidar = require('chokidar');
    let w;
    return {
      start: (on) =>
        new Promise((resolve) => {
          w = chokidar.watch(root, { ignoreInitial: true });
          w.on('all', (type, p) => on(type, p));
          w.on('ready', () => resolve(true));
        }),
      stop: () => w.close(),
    };
  },
  'fs.watch': () => {
    let w;
    return {
      start: async (on) => {
        w = fs.watch(root, (type, name) => name && on(type, path.join(root, name.toString())));
        return false;
      },
      stop: () => w.close(),
    };
  },
  'fs.watch (recursive)': () => {
    let w;
    return {
      start: async (on) => {
        w = fs.watch(root, { recursive: true }, (type, name) => name && on(type, path.join(root, name.toString())));
        return false;
      },
      stop: () => w.close(),
    };
  },
};

async function flood(files) {
  const impl = contenders[contender]();
  const seen = new Set();
  const signalled = await impl.start((kind, p) => {
    if (kind !== 'deleted' && kind !== 'delete' && kind !== 'unlink') seen.add(p);
  });
  if (!signalled) await sleep(SETTLE_MS);
  const { spawn } = require('node:child_process');
  const child = spawn(process.execPath, ['-e', `
    const fs = require('fs');
    for (let i = 0; i < ${files}; i++) fs.writeFileSync(${JSON.stringify(root)} + '/f' + i, 'x');
  `], { stdio: 'inherit' });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const until = Date.now() + 3000;
  while (Date.now() < until); // the JS thread is blocked
  await exited;
  // Wait until nothing new has arrived for 3 s (or 120 s in all).
  const expected = new Set(Array.from({ length: files }, (_, i) => path.join(root, `f${i}`)));
  const count = () => [...expected].filter((p) => seen.has(p)).length;
  const deadline = Date.now() + 120_000;
  let last = -1;
  while (Date.now() < deadline && count() !== files && count() !== last) {
    last = count();
    await sleep(3000);
  }
  await impl.stop();
  console.log(JSON.stringify({ contender, files, reported: count() }));
}

async function main() {
  if (mode === 'flood') return flood(writes);
  const make = contenders[contender];
  const impl = make();
  gc();
  const rssBefore = process.memoryUsage().rss;
  let listener = () => {};
  const t0 = performance.now();
  const signalled = await impl.start((...args) => listener(...args));
  let setupMs = performance.now() - t0;
  if (!signalled) {
    await sleep(SETTLE_MS);
    setupMs = null;
  }
  gc();
  const memoryBytes = process.memoryUsage().rss - rssBefore;
  const watches = kernelWatches();

  // Latency: write a file, time until a callback names it.
  const dirs = fs.readdirSync(root).filter((d) => d.startsWith('dir')).sort();
  const latencies = [];
  const missed = [];
  for (let i = 0; i < writes; i++) {
    const file = path.join(root, dirs[i % dirs.length], `file${(i * 37) % 1000}.txt`);
    const seen = new Promise((resolve) => {
      listener = (kind, p) => p === file && resolve(performance.now());
      setTimeout(() => resolve(null), 2000);
    });
    const start = performance.now();
    fs.writeFileSync(file, `write ${i}`);
    const at = await seen;
    if (at === null) missed.push(file);
    else latencies.push(at - start);
    await sleep(WRITE_SPACING_MS);
  }

  // Renames inside the tree: half within a directory, half across directories.
  const renameEvents = [];
  listener = (kind, p, from) => renameEvents.push({ kind, p, from });
  const pairs = [];
  for (let i = 0; i < renames; i++) {
    const from = path.join(root, dirs[i % dirs.length], `file${500 + (i % 400)}.txt`);
    const toDir = i % 2 === 0 ? dirs[i % dirs.length] : dirs[(i + 1) % dirs.length];
    const to = path.join(root, toDir, `renamed-${i}.txt`);
    fs.renameSync(from, to);
    pairs.push([from, to]);
    await sleep(20);
  }
  await sleep(500);
  const asRename = pairs.filter(([from, to]) => renameEvents.some((e) => e.kind === 'renamed' && e.from === from && e.p === to)).length;
  const bothEnds = pairs.filter(([from, to]) => renameEvents.some((e) => e.p === from || e.from === from) && renameEvents.some((e) => e.p === to)).length;
  for (const [from, to] of pairs.reverse()) fs.renameSync(to, from); // leave the tree as it was
  listener = () => {};
  await sleep(300);
  await impl.stop();

  console.log(JSON.stringify({
    contender,
    setupMs,
    memoryBytes,
    watches,
    writes,
    missed: missed.length,
    latencies,
    renames,
    asRename,
    bothEnds,
  }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
