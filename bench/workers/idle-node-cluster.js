'use strict';
// An idle node:cluster worker: connected, doing nothing.
process.on('message', () => {});
