"""Make the Windows .ico and macOS .icns from assets/steward.svg (ImageMagick renders the PNGs;
the .icns container is written here). Run after changing the icon; the results are committed."""

from __future__ import annotations

import struct
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SVG = ROOT / "assets" / "steward.svg"
ICNS_TYPES = {128: b"ic07", 256: b"ic08", 512: b"ic09", 1024: b"ic10"}


def render(size: int, out: Path) -> bytes:
    subprocess.run(
        [
            "convert",
            "-background",
            "none",
            "-density",
            "768",
            str(SVG),
            "-resize",
            f"{size}x{size}",
            f"PNG32:{out}",
        ],
        check=True,
    )
    return out.read_bytes()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        pngs = [folder / f"{s}.png" for s in (16, 24, 32, 48, 64, 128, 256)]
        for png in pngs:
            render(int(png.stem), png)
        subprocess.run(
            ["convert", *map(str, pngs), str(ROOT / "packaging/windows/steward.ico")], check=True
        )
        chunks = b""
        for size, kind in ICNS_TYPES.items():
            data = render(size, folder / f"icns-{size}.png")
            chunks += kind + struct.pack(">I", len(data) + 8) + data
        (ROOT / "packaging/macos/steward.icns").write_bytes(
            b"icns" + struct.pack(">I", len(chunks) + 8) + chunks
        )


if __name__ == "__main__":
    main()
