#!/usr/bin/env bash
# Installs code-server 4.100.3 (VS Code 1.100.3, the newest that runs on Node 20) into .cache/code-server for the
# offline integration tests and `npm run ui`. It lives under its own --prefix so it never touches the project's
# node_modules. Needs the Debian packages libkrb5-dev and ripgrep (scripts/system-packages.mjs, npm test's pretest,
# checks and installs them).
set -euo pipefail
cd "$(dirname "$0")/.."

version=4.100.3
prefix="$PWD/.cache/code-server"
bin="$prefix/node_modules/.bin/code-server"

marker="$prefix/.installed-$version"
if [ -x "$bin" ] && [ -f "$marker" ]; then
  echo "code-server $version already installed in $prefix"
  exit 0
fi

for p in rg; do
  command -v "$p" >/dev/null || { echo "setup-code-server: '$p' is missing; install it (as root) with: node scripts/system-packages.mjs" >&2; exit 1; }
done
dpkg -s libkrb5-dev >/dev/null 2>&1 || { echo "setup-code-server: libkrb5-dev is missing (kerberos builds against it); install it (as root) with: node scripts/system-packages.mjs" >&2; exit 1; }

# @vscode/ripgrep downloads rg from GitHub at install time; seed its download cache with Debian's rg instead.
tmp="${TMPDIR:-/tmp}"
cache="$tmp/vscode-ripgrep-cache-1.15.11"
archive="$cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
if [ ! -s "$archive" ]; then
  mkdir -p "$cache"
  stage="$(mktemp -d)"
  cp "$(command -v rg)" "$stage/rg"
  tar -czf "$archive" -C "$stage" rg
  rm -rf "$stage"
fi

mkdir -p "$prefix"
[ -f "$prefix/package.json" ] || echo '{ "name": "code-server-install", "private": true }' > "$prefix/package.json"
echo "installing code-server $version into $prefix (about 1.5 min, ~300 MB)"
# root needs unsafe_perm; node-pty runs `npx node-gyp`, which needs yes. Its install scripts must run (the
# postinstall installs VS Code's own dependencies and builds node-pty, kerberos, ...): npm 11 only runs approved
# dependency scripts, so approve them for this one pinned install.
rm -rf "$prefix/node_modules" "$prefix/package-lock.json"
(cd "$prefix" && npm_config_unsafe_perm=true npm_config_yes=true npm_config_dangerously_allow_all_scripts=true \
  npm install --prefix "$prefix" --no-audit --no-fund \
  "code-server@$version")
"$bin" --version
# The postinstall must have installed VS Code's server dependencies; without them code-server starts but fails.
[ -d "$prefix/node_modules/code-server/lib/vscode/node_modules/node-pty/build" ] || {
  echo "setup-code-server: code-server's postinstall did not build node-pty; see the npm output above" >&2; exit 1; }
touch "$marker"
