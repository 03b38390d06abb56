'use strict';
// `npm install` hook: build the native addon from source when no binary for this platform
// loads (a git clone, or a platform without a published prebuilt package).
// XYPRISS_SYS_SKIP_BUILD=1 skips this; XYPRISS_SYS_FORCE_BUILD=1 rebuilds regardless.
const { execSync } = require('node:child_process');
const path = require('node:path');

const root = path.join(__dirname, '..');

if (process.env.XYPRISS_SYS_SKIP_BUILD) process.exit(0);

if (!process.env.XYPRISS_SYS_FORCE_BUILD) {
  try {
    require(path.join(root, 'binding.js'));
    process.exit(0);
  } catch (err) {
    const reason = String(err && err.message).split('\n')[0];
    console.log(`xypriss-sys: no native binary loads here (${reason}); building from source with cargo`);
  }
}

execSync('npm run build', { cwd: root, stdio: 'inherit' });
