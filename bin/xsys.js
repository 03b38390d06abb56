#!/usr/bin/env node
'use strict';
// The `xsys` command line (see `xsys --help` and docs/cli.md).
require('../lib/cli/main.js')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  })
  .catch((err) => {
    process.stderr.write(`xsys: internal error: ${err && err.stack ? err.stack : err}\n`);
    process.exitCode = 1;
  });
