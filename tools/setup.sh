#!/usr/bin/env bash
# Installs what building and testing need on a fresh Debian machine of this kind, when it
# is missing. Safe to run again: it installs nothing that is already there.
set -euo pipefail

# Debian package -> a file that proves it is installed.
declare -A needed=(
  [libblkid-dev]=/usr/include/blkid/blkid.h   # libblkid headers (build)
  [zlib1g-dev]=/usr/include/zlib.h            # zlib headers (build)
  [libdeflate-dev]=/usr/include/libdeflate.h  # libdeflate headers and static library (build)
  [libssl-dev]=/usr/include/openssl/sha.h     # libcrypto headers and static library (build: SHA-256 of CAS ids)
  [e2fsprogs]=/sbin/mkfs.ext4                 # tests: an ext4 image mkfs.ardaku must refuse
  [bsdextrautils]=/usr/bin/hexdump            # tests: dumpfs output must equal hexdump -C
  [util-linux]=/sbin/losetup                  # tests: the loop-device run
  [groff-base]=/usr/bin/groff                 # tests: the manual pages render without warnings
  [file]=/usr/bin/file                        # tests: the magic fragment names our volumes
  [man-db]=/usr/bin/man                       # tests: man -w finds the installed pages
  [rsync]=/usr/bin/rsync                      # tests: rsync -aAXn compares a tree with its round trip
  [erofs-utils]=/usr/bin/mkfs.erofs           # tests: what mkfs.erofs + fsck.erofs --extract restore, beside ours
)
missing=()
for package in "${!needed[@]}"; do
  [ -e "${needed[$package]}" ] || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 || {
    $sudo apt-get update -q >/dev/null
    $sudo apt-get install -y -q "${missing[@]}" >/dev/null
  }
fi
command -v swift >/dev/null || { echo "setup: swift is not on PATH (expected /opt/swift)" >&2; exit 1; }
