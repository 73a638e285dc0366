#!/usr/bin/env bash
# Makes sure a `redis-server` binary exists, for the Redis cache handler's tests.
#
# The machines this project runs on (developers' and CI's) are fresh Debian installs that reach only
# the npm registry and Debian's archive, so Redis comes from Debian's `redis-server` package. The jest
# globalSetup runs this at most once per test run; it is a no-op when the binary is already there.
#
# Usage: scripts/redis-server.sh   (prints the binary's path on its last line)
set -euo pipefail

if bin="$(command -v redis-server)"; then
  echo "$bin"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "redis-server is not installed and apt-get is not available: install Redis (>= 6) by hand" >&2
  exit 1
fi

# We normally run as root; fall back to sudo for a developer's own machine.
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo=(sudo -n); else
    echo "redis-server is missing and installing it needs root (apt-get install -y redis-server)" >&2
    exit 1
  fi
fi

echo "redis-server not found: installing Debian's redis-server package" >&2
# stdout of apt goes to stderr so that this script's stdout stays the binary path alone.
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update >&2
"${sudo[@]}" apt-get install -y --no-install-recommends redis-server >&2

bin="$(command -v redis-server)" || { echo "apt-get installed redis-server but it is not on PATH" >&2; exit 1; }
echo "$bin"
