#!/usr/bin/env bash
# Builds the tools as shipped (release, static Swift runtime) and installs them:
#   tools/install.sh [PREFIX]        (default /usr/local; binaries go to PREFIX/sbin)
# fsck.zest is also installed as fsck.ardaku, so that `fsck -t ardaku DEVICE` finds it.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
prefix=${1:-/usr/local}
swift build -c release --static-swift-stdlib -Xswiftc -static-executable 2>&1 | grep -E 'error|Compiling|Build complete' | tail -3
install -d "$prefix/sbin"
for tool in mkfs.ardaku ardaku fsck.zest dumpfs; do
  install -m 0755 ".build/release/$tool" "$prefix/sbin/$tool"
done
ln -sf fsck.zest "$prefix/sbin/fsck.ardaku"
echo "installed mkfs.ardaku ardaku fsck.zest fsck.ardaku dumpfs in $prefix/sbin"
