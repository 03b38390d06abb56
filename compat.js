'use strict';
// `require('xypriss-sys/compat')`: a drop-in replacement for XyPriss's process-per-call runner.
// XyPriss can replace its runner file with:
//   module.exports = require('xypriss-sys/compat');
module.exports = require('./lib/compat/runner.js');
