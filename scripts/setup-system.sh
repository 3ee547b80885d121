#!/usr/bin/env bash
# Installs the Debian packages the tests need (virtual X server, tray host, Secret Service,
# Qt's xcb plugin libraries, a CJK font so Chinese text is drawn in windows and screenshots,
# git for the MCP git server the tests run).
# Runs only as root on a Debian-like system, and only when something is missing; otherwise it
# says what to install and carries on.
set -euo pipefail
pkgs=(xvfb xauth xdotool trayer gnome-keyring dbus dbus-x11 libxcb-cursor0 libxcb-icccm4
      libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-xkb1 libxkbcommon-x11-0
      libxcb-shape0 imagemagick libegl1 libgl1 libfontconfig1 libdbus-1-3 cmake build-essential
      binutils shellcheck curl fonts-noto-cjk git openbox x11-utils)
command -v dpkg-query >/dev/null || { echo "setup: not a Debian system; install the equivalents of: ${pkgs[*]}"; exit 0; }
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
((${#missing[@]})) || exit 0
if [[ $(id -u) -ne 0 ]]; then
  echo "setup: missing Debian packages (install them as root): ${missing[*]}"
  exit 0
fi
echo "setup: installing ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
