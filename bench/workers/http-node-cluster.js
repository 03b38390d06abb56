'use strict';
// node:cluster worker serving the port its primary shares; exits on 'crash'.
const http = require('node:http');

const server = http.createServer((req, res) => res.end(String(process.pid)));
process.on('message', (m) => m === 'crash' && process.exit(1));
server.listen(Number(process.env.PORT), '127.0.0.1');
