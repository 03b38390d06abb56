'use strict';
// `path` actions: node:path semantics, resolved against the runner's root where the old tool
// did (resolve, relative). The old Rust tool's own path code disagreed with Node in many
// places (api-fs.md §4); XyPriss users code against Node's behaviour.
const path = require('node:path');

const str = (v) => (v === undefined || v === null ? '' : String(v));

module.exports = {
  resolve: ({ root }, args) => path.resolve(root, ...args.map(str)),
  join: (_, args) => path.join(...args.map(str)),
  dirname: (_, [p]) => path.dirname(str(p)),
  basename: (_, [p, suffix]) => (suffix ? path.basename(str(p), str(suffix)) : path.basename(str(p))),
  extname: (_, [p]) => path.extname(str(p)),
  relative: ({ root }, [from, to]) => path.relative(path.resolve(root, str(from)), path.resolve(root, str(to))),
  normalize: (_, [p]) => path.normalize(str(p)),
};
