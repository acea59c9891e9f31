#!/usr/bin/env node
// Adds lock entries for the optional platform packages (other OS / CPU builds of @swc/core,
// msgpackr-extract, …) that this machine's registry mirror does not serve, so that
// `npm ci` accepts the lock; npm skips them on other platforms by their os/cpu fields.
// Run after any dependency change: npm install && npm run lockfile
const fs = require('fs');
const lockPath = process.argv[2] ?? 'package-lock.json';
const lock = JSON.parse(fs.readFileSync(lockPath, 'utf8'));
const pkgs = lock.packages;
const platform = (name) => {
  const n = name.toLowerCase();
  const os = /darwin/.test(n)
    ? 'darwin'
    : /win32/.test(n)
      ? 'win32'
      : /android/.test(n)
        ? 'android'
        : /freebsd/.test(n)
          ? 'freebsd'
          : /openharmony/.test(n)
            ? 'openharmony'
            : /wasm/.test(n)
              ? null
              : 'linux';
  const cpu = /arm64|aarch64/.test(n)
    ? 'arm64'
    : /-arm-|arm-gnueabihf|arm-musleabihf|-arm$|linux-arm\b/.test(n)
      ? 'arm'
      : /ia32/.test(n)
        ? 'ia32'
        : /ppc64/.test(n)
          ? 'ppc64'
          : /s390x/.test(n)
            ? 's390x'
            : /riscv64/.test(n)
              ? 'riscv64'
              : /x64/.test(n)
                ? 'x64'
                : /wasm/.test(n)
                  ? 'wasm32'
                  : null;
  const libc = /musl/.test(n) ? 'musl' : /gnu/.test(n) ? 'glibc' : null;
  return { os, cpu, libc };
};
let added = 0;
for (const [path, entry] of Object.entries(pkgs)) {
  for (const [dep, range] of Object.entries(entry.optionalDependencies ?? {})) {
    const base = path ? `${path}/node_modules/${dep}` : `node_modules/${dep}`;
    const hoisted = `node_modules/${dep}`;
    if (pkgs[base] || pkgs[hoisted]) continue;
    const { os, cpu, libc } = platform(dep);
    pkgs[hoisted] = {
      version: range.replace(/^[\^~=]/, ''),
      ...(entry.dev ? { dev: true } : {}),
      optional: true,
      ...(cpu ? { cpu: [cpu] } : {}),
      ...(libc ? { libc: [libc] } : {}),
      ...(os ? { os: [os] } : {}),
    };
    added += 1;
  }
}
lock.packages = Object.fromEntries(Object.entries(pkgs).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
fs.writeFileSync(lockPath, JSON.stringify(lock, null, 2) + '\n');
console.log(`added ${added} lock entries`);
