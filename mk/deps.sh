#!/usr/bin/env bash
# Make sure every Debian package the build and the tests need is installed.
# As root, missing packages are installed with apt-get; otherwise we stop and
# name them.  Usage: mk/deps.sh [extra-package ...]
set -euo pipefail

pkgs=(gcc make libc6-dev patch xz-utils bison re2c autoconf pkg-config
	libsqlite3-dev libxml2-dev zlib1g-dev libssl-dev libcurl4-openssl-dev
	debian-archive-keyring sqlite3 "$@")
# ccache is optional: used when present, never required.

missing=()
for p in "${pkgs[@]}"; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
	echo "deps: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
else
	echo "deps: missing build dependencies; install them with:" >&2
	echo "  sudo apt-get install ${missing[*]}" >&2
	exit 1
fi
