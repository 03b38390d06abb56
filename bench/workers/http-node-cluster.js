'use strict';
// node:cluster (and PM2) worker serving the port its primary shares; GET /crash makes it exit.
const http = require('node:http');

const server = http.createServer((req, res) => {
  if (req.url === '/crash') process.exit(1);
  res.end(String(process.pid));
});
server.listen(Number(process.env.PORT), '127.0.0.1');
