#!/bin/bash
# Sign Steward.app (hardened runtime) or notarize and staple a .dmg. Needs, in the
# environment: STEWARD_SIGN_IDENTITY ("Developer ID Application: NAME (TEAMID)") for signing;
# STEWARD_NOTARY_PROFILE (a profile stored with `xcrun notarytool store-credentials`) for
# notarization. Without them nothing is signed and the app opens only after the user allows
# it in System Settings › Privacy & Security.
set -euo pipefail
if [ "${1:-}" = "--notarize" ]; then
    dmg=${2:?usage: sign.sh --notarize FILE.dmg}
    : "${STEWARD_NOTARY_PROFILE:?set STEWARD_NOTARY_PROFILE}"
    xcrun notarytool submit "$dmg" --keychain-profile "$STEWARD_NOTARY_PROFILE" --wait
    xcrun stapler staple "$dmg"
    exit 0
fi
app=${1:?usage: sign.sh Steward.app}
: "${STEWARD_SIGN_IDENTITY:?set STEWARD_SIGN_IDENTITY}"
entitlements="$(dirname "$0")/entitlements.plist"
# inside out: every library and executable, then the bundle
find "$app/Contents" -type f \( -name "*.dylib" -o -name "*.so" -o -perm -u+x \) -print0 |
    xargs -0 codesign --force --timestamp --options runtime --entitlements "$entitlements" \
        --sign "$STEWARD_SIGN_IDENTITY"
codesign --force --timestamp --options runtime --entitlements "$entitlements" \
    --sign "$STEWARD_SIGN_IDENTITY" "$app"
codesign --verify --deep --strict --verbose=2 "$app"
