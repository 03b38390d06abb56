'use strict';
// Builds `stats()` objects from the numbers native code writes into a Float64Array
// (layout in src/bindings/fs.rs): one object literal in JS is several times cheaper than
// nine property sets through N-API.

const WIDTH = 6;
const IS_DIR = 1;
const IS_FILE = 2;
const IS_SYMLINK = 4;
const READONLY = 8;

/** The FileStats object at `index` (in records) of `values`. */
function statsAt(values, index = 0) {
  const i = index * WIDTH;
  const created = values[i + 1];
  const flags = values[i + 4];
  return {
    size: values[i],
    created: Number.isNaN(created) ? null : created,
    modified: values[i + 2],
    accessed: values[i + 3],
    is_dir: (flags & IS_DIR) !== 0,
    is_file: (flags & IS_FILE) !== 0,
    is_symlink: (flags & IS_SYMLINK) !== 0,
    permissions: values[i + 5],
    readonly: (flags & READONLY) !== 0,
  };
}

module.exports = { WIDTH, statsAt };
