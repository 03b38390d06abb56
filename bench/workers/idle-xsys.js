'use strict';
// An idle xypriss-sys worker: connected, heartbeating, doing nothing.
const worker = require('xypriss-sys/worker');

worker.on('message', () => {});
worker.ready();
