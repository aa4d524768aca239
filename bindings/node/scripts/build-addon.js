#!/usr/bin/env node
'use strict';
// Builds the addon with CMake: build/Release/sslbind.node next to a copy of
// libsslbind.so.0 (RPATH $ORIGIN). The C library comes from $SSLB_BUILD_DIR
// (default <repo>/build), built with scripts/build when it is missing.
// Node's headers come from /usr/include/node; when node_api.h is not there,
// from the node-api-headers npm package installed here (never downloaded
// from nodejs.org). `--force` rebuilds even when the addon is up to date.
// `--asan` builds the AddressSanitizer + UBSan variant instead, into
// build-asan/Release/sslbind.node against $SSLB_BUILD_DIR (default
// <repo>/build-asan, built with scripts/build ... -DSSLB_SANITIZE=ON when
// missing); the normal build/ output is left alone. Load it with
// SSLBIND_NODE_ADDON=<that file> and libasan/libubsan in LD_PRELOAD.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const here = path.resolve(__dirname, '..');
const repo = path.resolve(here, '..', '..');
const asan = process.argv.includes('--asan');
const buildDir = process.env.SSLB_BUILD_DIR || path.join(repo, asan ? 'build-asan' : 'build');
const out = path.join(here, asan ? 'build-asan' : 'build');
const addon = path.join(out, 'Release', 'sslbind.node');
const force = process.argv.includes('--force');

function run(cmd, args, opts = {}) {
  const p = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (p.error) throw new Error(`${cmd}: ${p.error.message}`);
  if (p.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed with status ${p.status}`);
}

function newest(dir) {
  let t = 0;
  for (const f of fs.readdirSync(dir)) t = Math.max(t, fs.statSync(path.join(dir, f)).mtimeMs);
  return t;
}

function headers() {
  for (const d of ['/usr/include/node', '/usr/local/include/node']) {
    if (fs.existsSync(path.join(d, 'node_api.h'))) return d;
  }
  const local = path.join(here, 'node_modules', 'node-api-headers', 'include');
  if (!fs.existsSync(path.join(local, 'node_api.h'))) {
    console.log('sslbind: node_api.h not found; installing node-api-headers locally');
    run('npm', ['install', '--no-save', '--no-package-lock', '--ignore-scripts', 'node-api-headers'], { cwd: here });
  }
  return local;
}

try {
  const lib = path.join(buildDir, 'libsslbind.so.0');
  const packaged = fs.existsSync(addon) && fs.existsSync(path.join(out, 'Release', 'libsslbind.so.0'));
  if (!fs.existsSync(lib) && packaged && !force && !asan) {
    process.exit(0); // installed from a package that carries the built addon and its library
  }
  if (!fs.existsSync(lib)) {
    if (!fs.existsSync(path.join(repo, 'scripts', 'build'))) {
      throw new Error(`${lib} is missing and there is no sslbind source tree to build it from (set SSLB_BUILD_DIR)`);
    }
    console.log(`sslbind: building the C library in ${buildDir}`);
    run(path.join(repo, 'scripts', 'build'), asan ? [buildDir, '-DSSLB_SANITIZE=ON'] : [buildDir]);
  }
  const upToDate = fs.existsSync(addon) &&
    fs.statSync(addon).mtimeMs >= Math.max(newest(path.join(here, 'src')), fs.statSync(lib).mtimeMs,
      fs.statSync(path.join(here, 'CMakeLists.txt')).mtimeMs);
  if (upToDate && !force) process.exit(0);
  run('cmake', ['-S', here, '-B', out, `-DSSLB_BUILD_DIR=${buildDir}`, `-DNODE_API_INCLUDE_DIR=${headers()}`,
    '-DCMAKE_BUILD_TYPE=Release', `-DSSLB_NODE_SANITIZE=${asan ? 'ON' : 'OFF'}`], { stdio: ['ignore', 'ignore', 'inherit'] });
  run('cmake', ['--build', out, '--parallel'], { stdio: ['ignore', 'ignore', 'inherit'] });
  // a fresh copy of the library next to the addon, whatever CMake thought
  fs.copyFileSync(lib, path.join(out, 'Release', 'libsslbind.so.0'));
} catch (e) {
  console.error(`sslbind: could not build the addon: ${e.message}`);
  process.exit(1);
}
