'use strict';
// The command tree of `xsys`: the old tool's groups and commands, each with its positional
// arguments, flags and one line of help. Parsing, `--help` and the tests all read this table.
//
// Flag types: 'boolean', 'string', 'number'. `short` is a one-letter alias. `events`: for
// commands that return a live source, the events to print as they arrive. `run`: commands
// that are not runner actions (`cluster start`), run by the CLI itself. `measuresCpu`: CPU usage is
// measured between samples at least 200 ms apart, so a fresh `xsys` process waits out the first
// window before answering (the library never waits).

const groups = {
  fs: {
    help: 'files and directories',
    commands: {
      ls: { args: ['path?'], flags: { stats: { type: 'boolean', short: 's' }, recursive: { type: 'boolean', short: 'r' } }, help: 'list a directory' },
      read: { args: ['path'], flags: { bytes: { type: 'boolean', short: 'b' } }, help: 'print a file' },
      write: { args: ['path', 'data'], flags: { append: { type: 'boolean', short: 'a' } }, help: 'write a file atomically (creates parents)' },
      copy: { args: ['src', 'dest'], flags: { progress: { type: 'boolean', short: 'p' } }, bar: (a) => a[0], help: 'copy a file or a tree' },
      move: { args: ['src', 'dest'], help: 'move or rename' },
      rm: { args: ['path'], flags: { force: { type: 'boolean', short: 'f' } }, help: 'remove a file or a tree' },
      mkdir: { args: ['path'], flags: { parents: { type: 'boolean', short: 'p' } }, help: 'create a directory (and its parents)' },
      touch: { args: ['path'], help: 'create a file or update its times' },
      stats: { args: ['path'], help: 'file metadata' },
      hash: { args: ['path'], flags: { progress: { type: 'boolean' } }, bar: (a) => a[0], help: 'SHA-256 of a file' },
      verify: { args: ['path', 'hash'], help: 'check a file against a hash' },
      size: { args: ['path'], flags: { human: { type: 'boolean', short: 'H' } }, help: 'size of a file or a tree' },
      link: { args: ['src', 'dest'], help: 'create a symbolic link at dest pointing to src' },
      check: { args: ['path'], help: 'existence and access rights' },
      chmod: { args: ['path', 'mode'], help: 'change permissions (octal or symbolic)' },
      du: { args: ['path'], help: 'disk usage of a tree' },
      sync: { args: ['src', 'dest'], flags: { delete: { type: 'boolean' }, 'dry-run': { type: 'boolean', short: 'n' }, progress: { type: 'boolean' } }, bar: () => null, help: 'mirror a tree' },
      dedupe: { args: ['path'], help: 'groups of identical files' },
      watch: { args: ['paths...'], flags: { duration: { type: 'number', short: 'd' } }, events: ['all'], help: 'print filesystem events (--duration 0: until interrupted)' },
      'watch-content': { args: ['paths...'], flags: { duration: { type: 'number', short: 'd' }, diff: { type: 'boolean' } }, events: ['ready', 'change'], help: 'print content changes of files' },
      stream: { args: ['path'], flags: { 'chunk-size': { type: 'number', short: 'c' }, hex: { type: 'boolean' } }, help: 'stream a file to stdout' },
    },
  },
  path: {
    help: 'path strings (node:path semantics, resolved against --root)',
    commands: {
      resolve: { args: ['paths...'], help: 'absolute path' },
      join: { args: ['paths...'], help: 'join segments' },
      dirname: { args: ['path'], help: 'directory part' },
      basename: { args: ['path', 'suffix?'], help: 'last component' },
      extname: { args: ['path'], help: 'extension' },
      relative: { args: ['from', 'to'], help: 'relative path from one to the other' },
      normalize: { args: ['path'], help: 'normalised path' },
    },
  },
  search: {
    help: 'find files by name, age or content',
    commands: {
      find: { args: ['path'], flags: { pattern: { type: 'string', short: 'p' } }, help: 'entries whose name matches a regex' },
      ext: { args: ['path', 'extension'], help: 'files with an extension (tar.gz works)' },
      modified: { args: ['path'], flags: { hours: { type: 'number', short: 'h' } }, help: 'files modified in the last N hours' },
      grep: { args: ['path', 'pattern'], flags: { 'ignore-case': { type: 'boolean', short: 'i' } }, help: 'lines matching a regex, by file' },
      rename: { args: ['path', 'pattern?', 'replacement?'], flags: { pattern: { type: 'string' }, replacement: { type: 'string' }, 'dry-run': { type: 'boolean', short: 'n' } }, help: 'batch rename (all or nothing)' },
    },
  },
  archive: {
    help: 'gzip and tar (extraction refuses unsafe entries)',
    commands: {
      compress: { args: ['src?', 'dest?'], flags: { src: { type: 'string', short: 's' }, dest: { type: 'string', short: 'd' }, level: { type: 'number', short: 'l' }, progress: { type: 'boolean' } }, bar: (a, o) => o.src ?? a[0], help: 'gzip a file' },
      decompress: { args: ['src?', 'dest?'], flags: { src: { type: 'string', short: 's' }, dest: { type: 'string', short: 'd' }, progress: { type: 'boolean' } }, bar: () => null, help: 'gunzip a file' },
      tar: { args: ['dir?', 'output?'], flags: { dir: { type: 'string', short: 'd' }, output: { type: 'string', short: 'o' }, gzip: { type: 'boolean', short: 'z' }, progress: { type: 'boolean' } }, bar: (a, o) => o.dir ?? a[0], help: 'archive a directory' },
      untar: { args: ['archive?', 'dest?'], flags: { archive: { type: 'string', short: 'a' }, dest: { type: 'string', short: 'd' }, progress: { type: 'boolean' } }, bar: () => null, help: 'extract an archive safely' },
    },
  },
  sys: {
    help: 'system information (no child processes, answered in microseconds)',
    commands: {
      info: { flags: { extended: { type: 'boolean', short: 'e' } }, help: 'host, OS, CPU and memory' },
      cpu: { flags: { cores: { type: 'boolean', short: 'c' } }, measuresCpu: true, help: 'CPU usage, overall and per core' },
      memory: { flags: { watch: { type: 'boolean', short: 'w' } }, help: 'memory (cgroup-aware)' },
      disks: { flags: { mount: { type: 'string', short: 'm' } }, help: 'mounted disks' },
      network: { flags: { interface: { type: 'string', short: 'i' } }, help: 'interfaces, totals and speeds' },
      processes: { flags: { pid: { type: 'number', short: 'p' }, 'top-cpu': { type: 'number' }, 'top-mem': { type: 'number' } }, measuresCpu: true, help: 'process summary, one process, or the busiest' },
      temp: { help: 'temperature sensors' },
      health: { measuresCpu: true, help: 'health score, 0-100' },
      env: { args: ['name?'], help: 'environment variables' },
      paths: { help: 'the entries of PATH' },
      user: { help: 'the current user' },
      kill: { args: ['pid?'], flags: { pid: { type: 'number', short: 'p' }, signal: { type: 'string', short: 's' } }, help: 'send a signal (SIGKILL by default)' },
      quick: { measuresCpu: true, help: 'one-screen summary' },
      ports: { help: 'listening TCP and UDP ports with their pid' },
      battery: { help: 'battery state' },
    },
  },
  monitor: {
    help: 'live snapshots until --duration seconds pass (0: until interrupted)',
    commands: {
      system: { flags: { duration: { type: 'number', short: 'd' }, interval: { type: 'number', short: 'i' } }, events: ['snapshot'], help: 'system snapshots' },
      process: { args: ['pid?'], flags: { pid: { type: 'number', short: 'p' }, duration: { type: 'number', short: 'd' }, interval: { type: 'number', short: 'i' } }, events: ['snapshot', 'exit'], help: 'one process until it exits' },
    },
  },
  cluster: {
    help: 'supervised worker processes (not part of the old runner)',
    commands: {
      start: {
        args: ['entry', 'args...'],
        flags: {
          workers: { type: 'string', short: 'w' },
          port: { type: 'number', short: 'p' },
          host: { type: 'string' },
          'max-memory': { type: 'number' },
          spares: { type: 'number' },
        },
        run: (...a) => require('./cluster.js').start(...a),
        help: 'run an entry script on N workers (default: one per CPU) sharing --port, with --spares booted processes waiting to replace one; SIGHUP reloads, SIGINT stops',
      },
    },
  },
};

module.exports = { groups };
