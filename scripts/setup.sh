#!/usr/bin/env bash
# Install what berth's build, tests and demo need on a Debian machine, run as root.
# Idempotent and quiet when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

need_debs=()
want() { dpkg -s "$1" >/dev/null 2>&1 || need_debs+=("$1"); }
want iproute2        # ip: the tests' independent oracle and namespace tool
want nftables        # nft: firewall backend and leak checks
want iptables        # iptables fallback backend
want util-linux      # nsenter, unshare
want procps          # sysctl, ps
want iputils-ping    # ping, for reachability checks inside test namespaces
want conntrack       # conntrack: the tests' independent view of connection tracking
want runc            # the OCI runtime berth run delegates process isolation to
want busybox-static  # the tests' and demo's image content
want docker-registry # a real registry on 127.0.0.1 for pull/push tests
want zstd            # zstd: tests make zstd-compressed layers with it
want skopeo          # skopeo: the tests' independent check of image archives; bench baseline for pull
for pkg in "$@"; do want "$pkg"; done   # extra packages a target asks for (bench: the Go plugins)

if [ "${#need_debs[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing Debian packages ${need_debs[*]}: run as root (apt-get install)" >&2
    exit 1
  fi
  echo "setup: installing ${need_debs[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_debs[@]}" >/dev/null
fi

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "setup: node and npm (Node >= 20) are needed to build berth: install them first" >&2
  exit 1
fi
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 20 ]; then
  echo "setup: Node $(node --version) is too old: berth's tools need Node >= 20" >&2
  exit 1
fi

# npm ci when node_modules is missing or older than the lock file.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error 2>&1 | grep -v -e 'Unknown user config' -e 'install-scripts' || true
  test -x node_modules/.bin/bun || { echo "setup: npm ci did not install bun" >&2; exit 1; }
fi
