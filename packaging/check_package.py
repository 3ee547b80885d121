"""`python packaging/check_package.py`: check the Linux packages that packaging/build.py made.

1. Unpack the .tar.gz into a temporary folder and run the frozen `steward --self-test`,
   its install script, a user plugin, and every terminal command's module (ask, history,
   settings, cloud, models pull from a hub on 127.0.0.1).
2. Check the .deb's metadata (`dpkg-deb --info`), extract it with `dpkg -x` into a temporary
   root (never installed into this machine's /usr) and run its `--self-test` too.
3. Start the frozen desktop app under Xvfb on a history of 200 messages, save a screenshot
   of its window (test-artifacts/frozen-main-window.png), and compare its cold start (window
   painted) with the app from source: a warm-up of each, then runs taken in turn, and the
   medians compared (one run each was at the mercy of whatever else the machine was doing).
4. Print the bundle size; exit 1 when anything fails or a figure is missed.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "dist"
ARTIFACTS = ROOT / "test-artifacts"
sys.path.insert(0, str(ROOT))

from bench.desktop import App, _worker, display  # noqa: E402
from bench.llm import _env  # noqa: E402

SIZE_LIMIT_MB = 350
START_RATIO = 1.5
START_RUNS = 3


def version() -> str:
    return str(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"])


def self_test(executable: Path, home: Path) -> None:
    env = _env(str(home))
    env.pop("STEWARD_TRACE", None)
    started = time.perf_counter()
    done = subprocess.run(
        [str(executable), "--self-test"], env=env, capture_output=True, text=True, timeout=300
    )
    print(done.stdout.rstrip())
    if done.returncode != 0:
        print(done.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"self-test of {executable} failed (exit {done.returncode})")
    assert "(frozen," in done.stdout, "the self-test did not run the frozen app"
    print(f"  ({time.perf_counter() - started:.1f} s)")


def check_install_script(top: Path, work: Path) -> None:
    """install.sh adds the command, menu entry and icon for a user, and removes them again."""
    home = work / "install-home"
    home.mkdir()
    env = dict(os.environ, HOME=str(home), XDG_DATA_HOME=str(home / ".local" / "share"))
    subprocess.run(
        ["sh", str(top / "install.sh"), "--copy"], env=env, check=True, capture_output=True
    )
    command = home / ".local" / "bin" / "steward"
    entry = home / ".local" / "share" / "applications" / "steward.desktop"
    icon = home / ".local" / "share" / "icons" / "hicolor" / "scalable" / "apps" / "steward.svg"
    assert command.resolve() == (home / ".local" / "lib" / "steward" / "steward").resolve()
    assert f"Exec={home}/.local/lib/steward/steward" in entry.read_text()
    assert icon.is_file()
    done = subprocess.run([str(command), "--version"], env=env, capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.startswith("Steward "), done
    subprocess.run(
        ["sh", str(top / "install.sh"), "--uninstall"], env=env, check=True, capture_output=True
    )
    assert not command.exists() and not entry.exists() and not icon.exists()
    print(f"install.sh: installed for a user ({done.stdout.strip()}), then removed")


def check_user_plugin(executable: Path, work: Path) -> None:
    """The user plugin folder is the only way to extend the frozen app: the example plugin
    dropped there is loaded, and a workflow using it runs."""
    home = work / "plugin-home"
    user = work / "plugin-user"
    (user / "Notes").mkdir(parents=True)
    (user / "Notes" / "journal.md").write_text("Garden garden seeds. Garden tools; seeds.\n")
    plugins = home / "data" / "plugins"
    plugins.mkdir(parents=True)
    example = ROOT / "examples" / "plugins" / "steward-wordcount"
    shutil.copytree(example / "steward_wordcount", plugins / "steward_wordcount")
    env = _env(str(home)) | {"HOME": str(user)}

    def steward(*args: str) -> str:
        done = subprocess.run(
            [str(executable), *args], env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, f"steward {' '.join(args)}: {done.stderr[-2000:]}"
        return done.stdout

    listed = json.loads(steward("plugins", "list", "--json"))
    found = {p["name"]: p["actions"] for p in listed["plugins"]}
    assert found.get("steward_wordcount") == ["wordcount.count", "wordcount.top_words"], listed
    assert listed["problems"] == [], listed["problems"]
    created = steward("automations", "create", str(example / "example-workflow.json"))
    workflow_id = created.split(" as ")[1][:8]
    run = json.loads(steward("automations", "run", workflow_id, "--json"))
    steps = {s["step"]: s["output"] for s in run["steps"]}
    assert run["status"] == "succeeded", run
    assert steps["count"] == {"words": 6, "lines": 1, "characters": 42}, steps
    print("user plugin folder: the example plugin loaded by the frozen app and run in a workflow")


def check_commands(executable: Path, work: Path) -> None:
    """Every terminal command's module is in the bundle (each is imported by name): a
    question answered by the embedded model, the history, the settings, the cloud settings,
    and a model pulled from a hub on 127.0.0.1 (TLS and proxies are tested from source)."""
    from app.core.llm.model_files import embedded_model_path
    from tests.hub_server import HubServer

    env = _env(str(work / "commands-home"))

    def steward(*args: str) -> str:
        done = subprocess.run(
            [str(executable), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            stdin=subprocess.DEVNULL,
        )
        assert done.returncode == 0, f"steward {' '.join(args)}: {done.stderr[-2000:]}"
        return done.stdout

    assert steward("ask", "--max-tokens", "8", "Say hello.").strip()
    assert json.loads(steward("history", "list", "--json"))
    assert json.loads(steward("settings", "show", "--json"))
    assert json.loads(steward("cloud", "show", "--json"))["enabled"] is False
    model = embedded_model_path()
    assert model is not None
    with HubServer() as hub:
        hub.add("pulled.gguf", model.read_bytes())
        pulled = json.loads(steward("models", "pull", hub.resolve_url("pulled.gguf"), "--json"))
    assert pulled["verification"] == "hub" and Path(pulled["path"]).stat().st_size > 0, pulled
    # the model list, the catalog with its memory verdicts, and a model's header and template
    # (read by the app's own GGUF reader and llama-cpp-python's sandboxed Jinja formatter)
    listed = json.loads(steward("models", "list", "--json"))
    assert [m["origin"] for m in listed] == ["embedded", "downloaded"], listed
    assert len(json.loads(steward("models", "available", "--json"))) >= 8
    info = json.loads(steward("models", "info", listed[1]["id"], "--json"))
    assert info["chat_template"] == "ok" and info["memory"]["verdict"], info
    check_mcp(steward, work)
    check_chinese(executable, env)
    print(
        "terminal commands: ask, history, settings, cloud, models pull, list, available, "
        "info and mcp in the frozen app; its messages and windows in Chinese"
    )


def check_chinese(executable: Path, env: dict[str, str]) -> None:
    """The translations are in the bundle: the terminal speaks Chinese where the environment
    asks for it (gettext), and the windows' and Qt's own catalogues are there to load."""
    chinese = dict(env, LANGUAGE="zh_CN", LANG="zh_CN.UTF-8")
    done = subprocess.run(
        [str(executable), "automations", "show", "no-such-workflow"],
        env=chinese,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    said = done.stdout + done.stderr
    assert done.returncode != 0 and "没有工作流 'no-such-workflow'" in said, said
    internal = executable.parent / "_internal"
    for name in ("steward_zh_CN.qm", "qtbase_zh_CN.qm", "steward.mo"):
        assert list(internal.rglob(name)), f"{name} is not in the bundle"


def check_mcp(steward: Callable[..., str], work: Path) -> None:
    """The frozen app's MCP client (the SDK, pydantic) against a real stdio server from PyPI:
    added, switched on, its tools listed, one called by a workflow step."""
    server = Path(sys.executable).parent / "mcp-server-time"
    steward("mcp", "add", "time", "--", str(server))
    assert "time is on: " in steward("mcp", "enable", "time", "--yes")
    tools = {t["name"] for t in json.loads(steward("mcp", "tools", "time", "--json"))}
    assert "get_current_time" in tools, tools
    document = work / "mcp-workflow.json"
    document.write_text(
        json.dumps(
            {
                "steward_workflow": 1,
                "name": "Time in Shanghai",
                "trigger": {"type": "manual"},
                "steps": [
                    {
                        "id": "t",
                        "action": "mcp.time.get_current_time",
                        "params": {"timezone": "Asia/Shanghai"},
                    }
                ],
                "permissions": [{"kind": "mcp", "scope": "time"}],
            }
        )
    )
    workflow_id = steward("automations", "create", str(document)).split(" as ")[1][:8]
    run = json.loads(steward("automations", "run", workflow_id, "--yes-to-approvals", "--json"))
    assert run["status"] == "succeeded", run
    assert '"timezone": "Asia/Shanghai"' in run["steps"][0]["output"], run


def check_deb_info(deb: Path, ver: str) -> None:
    info = subprocess.run(
        ["dpkg-deb", "--info", str(deb)], capture_output=True, text=True, check=True
    ).stdout
    fields = {}
    for line in info.splitlines():
        key, _, value = line.strip().partition(":")
        if value and key in ("Package", "Version", "Architecture", "Depends", "Installed-Size"):
            fields[key] = value.strip()
    assert fields.get("Package") == "steward", fields
    assert fields.get("Version") == ver, fields
    assert fields.get("Architecture") in ("amd64", "arm64"), fields
    assert "libxcb-cursor0" in fields.get("Depends", ""), fields
    contents = subprocess.run(
        ["dpkg-deb", "--contents", str(deb)], capture_output=True, text=True, check=True
    ).stdout
    for path in (
        "./opt/steward/steward",
        "./usr/bin/steward",
        "./usr/share/applications/steward.desktop",
        "./usr/share/icons/hicolor/scalable/apps/steward.svg",
    ):
        assert path in contents, f"{path} missing from the .deb"
    print(f"deb metadata: {fields}")


def cold_start(program: list[str], env: dict[str, str], trace: Path) -> float:
    app = App(env, trace, "--no-model", program=program)
    try:
        marks = app.wait_for("painted", "listed")
        return marks["painted"]
    finally:
        app.quit()


def gui(executable: Path, work: Path) -> tuple[float, float]:
    with display() as screen:
        home = work / "gui-home"
        env = _env(str(home)) | screen
        _worker(env, "fill", str(home), "200")
        programs = {"frozen": [str(executable)], "source": [sys.executable, "-m", "app"]}
        # a warm-up of each (file caches), then runs in turn, so a busy moment of the machine
        # falls on both sides rather than on one
        for name, program in programs.items():
            cold_start(program, env, work / f"warm-{name}.trace")
        times: dict[str, list[float]] = {name: [] for name in programs}
        for run in range(START_RUNS):
            for name, program in programs.items():
                times[name].append(cold_start(program, env, work / f"{name}-{run}.trace"))
        print(
            "cold starts (s): "
            + "; ".join(
                f"{name} {', '.join(f'{t:.2f}' for t in runs)}" for name, runs in times.items()
            )
        )
        frozen = statistics.median(times["frozen"])
        source = statistics.median(times["source"])
        app = App(env, work / "shot.trace", "--no-model", program=[str(executable)])
        try:
            app.wait_for("painted", "listed")
            time.sleep(1.0)
            ARTIFACTS.mkdir(exist_ok=True)
            shot = ARTIFACTS / "frozen-main-window.png"
            subprocess.run(
                ["import", "-window", "root", str(shot)],
                env=dict(os.environ, DISPLAY=screen["DISPLAY"]),
                check=True,
            )
            print(f"screenshot: {shot}")
        finally:
            app.quit()
    return frozen, source


def folder_mb(path: Path) -> float:
    return (
        sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink()) / 1e6
    )


def main() -> int:
    ver = version()
    tarballs = sorted(DIST.glob(f"steward-{ver}-linux-*.tar.gz"))
    debs = sorted(DIST.glob(f"steward_{ver}_*.deb"))
    if not tarballs or not debs:
        raise SystemExit("no packages in dist/: run `make package` first")
    with tempfile.TemporaryDirectory(prefix="steward-package-") as tmp:
        work = Path(tmp)
        unpacked = work / "tar"
        with tarfile.open(tarballs[0]) as tar:
            tar.extractall(unpacked, filter="tar")
        bundle = unpacked / f"steward-{ver}" / "steward"
        print(f"== {tarballs[0].name}: self-test from the unpacked folder")
        self_test(bundle / "steward", work / "home-tar")
        check_install_script(unpacked / f"steward-{ver}", work)
        check_user_plugin(bundle / "steward", work)
        check_commands(bundle / "steward", work)
        print(f"== {debs[0].name}: metadata, then self-test from `dpkg -x`")
        check_deb_info(debs[0], ver)
        root = work / "deb-root"
        subprocess.run(["dpkg", "-x", str(debs[0]), str(root)], check=True)
        self_test(root / "opt" / "steward" / "steward", work / "home-deb")
        print("== the frozen desktop app under Xvfb")
        frozen, source = gui(bundle / "steward", work)
        size = folder_mb(bundle)
    ratio = frozen / source
    rows = [
        (
            "bundle size on Linux, embedded model included",
            f"<= {SIZE_LIMIT_MB} MB",
            f"{size:.0f} MB",
            size <= SIZE_LIMIT_MB,
        ),
        (
            "frozen cold start (window painted) / from source",
            f"<= {START_RATIO}",
            f"{ratio:.2f} (medians {frozen:.2f} s vs {source:.2f} s)",
            ratio <= START_RATIO,
        ),
    ]
    for metric, target, measured, ok in rows:
        print(f"| {metric} | {target} | {measured} | {'yes' if ok else 'NO'} |")
    shutil.rmtree(ROOT / "build" / "deb", ignore_errors=True)
    return 0 if all(ok for *_, ok in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
