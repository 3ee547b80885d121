#!/bin/sh
# Install Steward for the current user from the unpacked .tar.gz: the program stays in this
# folder's steward/ (or is copied to ~/.local/lib/steward with --copy); a `steward` command in
# ~/.local/bin, the menu entry and the icon are added. `install.sh --uninstall` removes them.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
bin=$HOME/.local/bin
lib=$HOME/.local/lib/steward

if [ "${1:-}" = "--uninstall" ]; then
    rm -f "$bin/steward" "$data/applications/steward.desktop" \
          "$data/icons/hicolor/scalable/apps/steward.svg"
    rm -rf "$lib"
    echo "Steward was removed (your data in $data/Steward stays)."
    exit 0
fi

target=$here/steward
if [ "${1:-}" = "--copy" ]; then
    rm -rf "$lib"
    mkdir -p "$(dirname "$lib")"
    cp -a "$here/steward" "$lib"
    target=$lib
fi
mkdir -p "$bin" "$data/applications" "$data/icons/hicolor/scalable/apps"
ln -sf "$target/steward" "$bin/steward"
cp "$target/_internal/assets/steward.svg" "$data/icons/hicolor/scalable/apps/steward.svg"
sed "s|^Exec=steward|Exec=$target/steward|" "$target/_internal/assets/steward.desktop" \
    > "$data/applications/steward.desktop"
if command -v update-desktop-database >/dev/null 2>&1; then
    update-desktop-database "$data/applications" || true
fi
echo "Steward is installed: find it in your applications menu, or run $bin/steward"
