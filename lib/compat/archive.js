'use strict';
// `archive` actions of the old tool (api-fs.md §6). XyPriss passes every argument as an option
// (`--src --dest`, `--dir --output`, `--archive --dest`); positionals work too.
const text = (v) => (v === undefined || v === null ? '' : String(v));

module.exports = {
  /** gzip, level 6 by default. */
  compress: ({ fs }, [src, dest], o) => {
    fs.gzipSync(text(o.src ?? src), text(o.dest ?? dest), o.level === undefined ? undefined : { level: Number(o.level) });
  },
  /** gunzip, every member of a multi-member file. */
  decompress: ({ fs }, [src, dest], o) => {
    fs.gunzipSync(text(o.src ?? src), text(o.dest ?? dest));
  },
  /** A plain tar of a directory, as the old Rust tool wrote (`gzip: true` for .tar.gz). */
  tar: ({ fs }, [dir, output], o) => {
    fs.tarSync(text(o.dir ?? dir), text(o.output ?? output), { gzip: Boolean(o.gzip) });
  },
  /** Safe extraction of a plain or gzip-compressed tar (detected). */
  untar: ({ fs }, [archive, dest], o) => {
    fs.untarSync(text(o.archive ?? archive), text(o.dest ?? dest));
  },
};
