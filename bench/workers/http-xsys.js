'use strict';
// xypriss-sys worker serving the shared port; exits on 'crash'.
const http = require('node:http');
const worker = require('xypriss-sys/worker');

const server = http.createServer((req, res) => res.end(String(process.pid)));
worker.closeOnShutdown(server);
worker.on('message', (m) => m === 'crash' && process.exit(1));
server.listen(worker.listenHandle(), () => worker.ready());
