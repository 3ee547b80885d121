#!/bin/bash
# Make dist/Steward-VERSION.dmg from dist/Steward.app (built by PyInstaller's BUNDLE step).
# Signs and notarizes first when the credentials are in the environment (see sign.sh).
set -euo pipefail
version=${1:?usage: make-dmg.sh VERSION}
root=$(cd "$(dirname "$0")/../.." && pwd)
app="$root/dist/Steward.app"
dmg="$root/dist/Steward-$version.dmg"
[ -d "$app" ] || { echo "no $app: run packaging/build.py on macOS first" >&2; exit 1; }
if [ -n "${STEWARD_SIGN_IDENTITY:-}" ]; then
    bash "$(dirname "$0")/sign.sh" "$app"
fi
staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
cp -R "$app" "$staging/"
ln -s /Applications "$staging/Applications"
rm -f "$dmg"
hdiutil create -volname "Steward $version" -srcfolder "$staging" -fs HFS+ -format UDZO -ov "$dmg"
if [ -n "${STEWARD_SIGN_IDENTITY:-}" ]; then
    codesign --sign "$STEWARD_SIGN_IDENTITY" --timestamp "$dmg"
    bash "$(dirname "$0")/sign.sh" --notarize "$dmg"
fi
echo "built $dmg"
