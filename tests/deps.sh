#!/usr/bin/env bash
# Install the Debian packages named on the command line that are not installed yet.
# Quiet when everything is there; idempotent; refuses clearly when not root.
set -euo pipefail

missing=()
for pkg in "$@"; do
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
	[[ $status == "install ok installed" ]] || missing+=("$pkg")
done
((${#missing[@]} == 0)) && exit 0

if ((EUID != 0)); then
	echo "execgate: missing Debian packages: ${missing[*]}" >&2
	echo "execgate: run 'make deps' as root, or: apt-get install ${missing[*]}" >&2
	exit 2
fi
echo "execgate: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
