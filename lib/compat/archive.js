'use strict';
// `archive` actions of the old tool (api-fs.md §6). XyPriss passes every argument as an option
// (`--src --dest`, `--dir --output`, `--archive --dest`); positionals work too.
const { long } = require('./long.js');

const text = (v) => (v === undefined || v === null ? '' : String(v));
const none = () => undefined;

module.exports = {
  /** gzip, level 6 by default. */
  compress: (ctx, [src, dest], o) =>
    long(ctx, 'gzip', [text(o.src ?? src), text(o.dest ?? dest)], o.level === undefined ? {} : { level: Number(o.level) }, none),
  /** gunzip, every member of a multi-member file. */
  decompress: (ctx, [src, dest], o) => long(ctx, 'gunzip', [text(o.src ?? src), text(o.dest ?? dest)], {}, none),
  /** A plain tar of a directory, as the old Rust tool wrote (`gzip: true` for .tar.gz). */
  tar: (ctx, [dir, output], o) => long(ctx, 'tar', [text(o.dir ?? dir), text(o.output ?? output)], { gzip: Boolean(o.gzip) }, none),
  /** Safe extraction of a plain or gzip-compressed tar (detected). */
  untar: (ctx, [archive, dest], o) => long(ctx, 'untar', [text(o.archive ?? archive), text(o.dest ?? dest)], {}, none),
};
