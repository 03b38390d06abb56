'use strict';
// The main script of a spare process (the Cluster `spares` option), run as
// `node [execArgv] lib/spare.js <the cwd option, or ''> <entry> [args]`. Node has booted and the
// worker module holds the channel, so when the manager hands this process a slot, all that is
// left is to run the entry: process.argv is made what a worker started cold sees, and the entry
// runs as the main module (CommonJS or ESM, as Node would choose).
const path = require('node:path');
const Module = require('node:module');
const { AsyncResource } = require('node:async_hooks');
const worker = require('../worker.js');

// With a shared port, load what a server on it needs anyway while there is time.
let sharedPort = true;
try {
  worker.listenHandle();
} catch {
  sharedPort = false;
}
if (sharedPort) require('node:http');

const [, , dir] = process.argv;

// Bound here, at the top level: the entry's top level then descends from the main script's
// context, as a cold worker's does, not from the socket read that brought the activation.
const runEntry = AsyncResource.bind(() => {
  process.argv.splice(1, 2);
  // The directory is entered again, as a worker spawned now would: if it is a symbolic link
  // that a deploy moved since this spare started, the entry runs in the new target.
  if (dir) process.chdir(dir);
  process.argv[1] = path.resolve(process.argv[1]);
  Module.runMain();
});

worker[Symbol.for('xypriss-sys.worker.onActivate')](runEntry);
