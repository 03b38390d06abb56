'use strict';
// `search` actions of the old tool (api-fs.md §5), with the client's argument shapes accepted
// (XyPriss sends `pattern`, `replacement` and `dryRun` as options to `rename`).
const text = (v) => (v === undefined || v === null ? '' : String(v));

module.exports = {
  /** Absolute paths of entries (files, directories, links) whose name matches the regex `pattern`. */
  find: ({ fs }, [dir, positional], { pattern }) => fs.findSync(text(dir || '.'), { pattern: text(pattern ?? positional ?? '') }),
  /** Absolute paths of regular files with that extension (multi-part extensions such as `tar.gz` work). */
  ext: ({ fs }, [dir, extension]) => fs.findByExtSync(text(dir || '.'), text(extension)),
  /** Absolute paths of regular files modified in the last `hours` hours (fractions allowed). */
  modified: ({ fs }, [dir], { hours }) => fs.modifiedSinceSync(text(dir || '.'), Number(hours ?? 24)),
  /** `{ absolutePath: [matching lines] }`, as the old tool answered (`fs.grep` has line numbers). */
  grep: ({ fs }, [dir, pattern], { ignoreCase }) => {
    const byFile = {};
    for (const m of fs.grepSync(text(dir || '.'), text(pattern), { ignoreCase: Boolean(ignoreCase) })) {
      (byFile[m.file] ??= []).push(m.content);
    }
    return byFile;
  },
  /** The plan `[{ old_path, new_path }]` (XyPriss's BatchRenameChange), applied all or nothing unless `dryRun`. */
  rename: ({ fs }, [dir, pattern, replacement], options) =>
    fs.batchRenameSync(text(dir || '.'), text(options.pattern ?? pattern), text(options.replacement ?? replacement), {
      dryRun: Boolean(options.dryRun),
    }),
};
