'use strict';
// xypriss-sys worker serving the shared port; GET /crash makes it exit at once.
const http = require('node:http');
const worker = require('xypriss-sys/worker');

const server = http.createServer((req, res) => {
  if (req.url === '/crash') process.exit(1);
  res.end(String(process.pid));
});
worker.closeOnShutdown(server);
server.listen(worker.listenHandle(), () => worker.ready());
