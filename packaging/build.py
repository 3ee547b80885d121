"""`python packaging/build.py`: build Steward for this OS into dist/.

- PyInstaller (packaging/steward.spec) → dist/steward/ (one folder)
- Linux: dist/steward-VERSION-linux-x86_64.tar.gz (with install.sh) and
  dist/steward_VERSION_amd64.deb (dpkg-deb, zstd)
- Windows: the Inno Setup script packaging/windows/steward.iss (run with ISCC when present)
- macOS: dist/Steward.app, then packaging/macos/make-dmg.sh

Prints the bundle's size. ``--skip-pyinstaller`` reuses dist/steward/ (installer steps only).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "dist"
BUILD = ROOT / "build"
PACKAGING = ROOT / "packaging"


def version() -> str:
    return str(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"])


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def pyinstaller() -> Path:
    # the planner prompt's state the bundle brings (the spec adds build/prompt-states), so the
    # first `steward automations plan` after installing does not evaluate that prompt
    sys.path.insert(0, str(ROOT / "scripts"))
    from prepare_prompt_states import prepare

    print(f"prepared: {prepare(BUILD / 'prompt-states')}")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--clean",
            "--log-level",
            "WARN",
            "--distpath",
            str(DIST),
            "--workpath",
            str(BUILD / "pyinstaller"),
            str(PACKAGING / "steward.spec"),
        ],
        cwd=ROOT,
        check=True,
    )
    return DIST / "steward"


def strip_python(bundle: Path) -> None:
    """The Python runtime's own libraries carry debug symbols (22 MB for libpython alone),
    and so does sqlcipher3's extension, compiled here from its source (12 of its 21 MB);
    drop them. Other libraries are left alone: wheels' patched ones break when stripped."""
    internal = bundle / "_internal"
    targets = [
        *internal.glob("libpython3*.so*"),
        *internal.glob("python3*/lib-dynload/*.so"),
        *internal.glob("sqlcipher3/*.so"),
    ]
    files = [str(p) for p in targets if p.is_file() and not p.is_symlink()]
    if files and shutil.which("strip"):
        subprocess.run(["strip", "--strip-debug", *files], check=True)


def link_twins(bundle: Path) -> int:
    """llama-cpp-python's wheel holds each of its libraries twice (libllama.so and
    libllama.so.0, …: 6 MB); the second copy becomes a link to the first. Returns the bytes
    saved."""
    saved = 0
    for folder in {p.parent for p in (bundle / "_internal").rglob("*.so*")}:
        seen: dict[tuple[int, str], Path] = {}
        for path in sorted(folder.iterdir(), key=lambda p: (len(p.name), p.name)):
            if not path.is_file() or path.is_symlink() or ".so" not in path.name:
                continue
            size = path.stat().st_size
            if size < 64 * 1024:
                continue
            key = (size, hashlib.sha256(path.read_bytes()).hexdigest())
            if key in seen:
                path.unlink()
                path.symlink_to(seen[key].name)
                saved += size
            else:
                seen[key] = path
    return saved


def linux_tarball(bundle: Path, ver: str) -> Path:
    arch = platform.machine()
    out = DIST / f"steward-{ver}-linux-{arch}.tar.gz"
    top = f"steward-{ver}"

    def owned_by_root(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        return info

    # fast compression: the model and libraries hardly compress anyway
    with tarfile.open(out, "w:gz", compresslevel=1) as tar:
        tar.add(bundle, arcname=f"{top}/steward", filter=owned_by_root)
        tar.add(
            PACKAGING / "linux" / "install.sh", arcname=f"{top}/install.sh", filter=owned_by_root
        )
    return out


DEPENDS = ", ".join(
    [
        "libc6",
        "libglib2.0-0 | libglib2.0-0t64",
        "libfontconfig1",
        "libxkbcommon0",
        "libxkbcommon-x11-0",
        "libxcb-cursor0",
        "libxcb-icccm4",
        "libxcb-keysyms1",
        "libxcb-image0",
        "libxcb-render-util0",
        "libxcb-shape0",
        "libxcb-xkb1",
        "libegl1",
        "libdbus-1-3",
    ]
)
DEB_CONTROL = """Package: steward
Version: {version}
Section: utils
Priority: optional
Architecture: {arch}
Maintainer: Steward developers <steward@localhost>
Installed-Size: {size_kb}
Depends: {depends}
Recommends: gnome-keyring | kwalletmanager
Homepage: https://steward.invalid/
Description: private, local-first personal assistant
 Steward runs a local language model, keeps every conversation and automation
 run in an encrypted database on your disk, and turns chat into reviewable
 automations. It works offline with a small embedded model.
"""


def linux_deb(bundle: Path, ver: str) -> Path:
    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
    root = BUILD / "deb"
    shutil.rmtree(root, ignore_errors=True)
    (root / "DEBIAN").mkdir(parents=True)
    opt = root / "opt" / "steward"
    shutil.copytree(bundle, opt, symlinks=True)
    (root / "usr" / "bin").mkdir(parents=True)
    os.symlink("/opt/steward/steward", root / "usr" / "bin" / "steward")
    apps = root / "usr" / "share" / "applications"
    apps.mkdir(parents=True)
    desktop = (PACKAGING / "linux" / "steward.desktop").read_text()
    (apps / "steward.desktop").write_text(desktop)
    icons = root / "usr" / "share" / "icons" / "hicolor" / "scalable" / "apps"
    icons.mkdir(parents=True)
    shutil.copy2(ROOT / "assets" / "steward.svg", icons / "steward.svg")
    size_kb = folder_size(root) // 1024
    (root / "DEBIAN" / "control").write_text(
        DEB_CONTROL.format(version=ver, arch=arch, size_kb=size_kb, depends=DEPENDS)
    )
    for path in [root, *root.rglob("*")]:
        if path.is_dir():
            path.chmod(0o755)
    out = DIST / f"steward_{ver}_{arch}.deb"
    subprocess.run(
        ["dpkg-deb", "--root-owner-group", "-Zzstd", "-z1", "--build", str(root), str(out)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(prog="packaging/build.py")
    parser.add_argument("--skip-pyinstaller", action="store_true")
    args = parser.parse_args()
    ver = version()
    # the .qm and .mo the bundle carries in assets/ (the windows' and the messages' Chinese)
    subprocess.run([sys.executable, str(ROOT / "scripts" / "translations.py"), "build"], check=True)
    bundle = DIST / "steward" if args.skip_pyinstaller else pyinstaller()
    made = [bundle]
    if sys.platform.startswith("linux"):
        if not args.skip_pyinstaller:
            strip_python(bundle)
            print(f"twin libraries linked: {link_twins(bundle) / 1e6:.1f} MB saved")
        made += [linux_tarball(bundle, ver), linux_deb(bundle, ver)]
    elif sys.platform == "darwin":
        subprocess.run(["bash", str(PACKAGING / "macos" / "make-dmg.sh"), ver], check=True)
        made.append(DIST / f"Steward-{ver}.dmg")
    elif sys.platform == "win32":
        iscc = shutil.which("ISCC") or shutil.which("iscc")
        if iscc:
            subprocess.run(
                [iscc, f"/DAppVersion={ver}", str(PACKAGING / "windows" / "steward.iss")],
                check=True,
            )
            made.append(DIST / f"steward-{ver}-setup.exe")
        else:
            print("Inno Setup (ISCC) not found: only the folder was built", file=sys.stderr)
    print(f"bundle: {bundle} ({folder_size(bundle) / 1e6:.0f} MB, model included)")
    for path in made[1:]:
        print(f"built: {path} ({path.stat().st_size / 1e6:.0f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
