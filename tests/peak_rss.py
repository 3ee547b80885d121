"""``python -m tests.peak_rss MODEL N_CTX``: load a model as the engine does, answer, and print
the process's peak resident memory in bytes (JSON). The measurement the memory estimate is
checked against (tests/integration/test_model_fit.py, ``make bench``)."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(path: str, n_ctx: int) -> None:
    import llama_cpp

    llm = llama_cpp.Llama(
        model_path=path, n_ctx=n_ctx, n_batch=512, n_threads=2, n_threads_batch=2, verbose=False
    )
    prompt = llm.tokenize(b"Tell me about the weather, the sea and the mountains. " * 60)[:600]
    llm.eval(prompt)  # a full batch through every layer: every weight page is read
    for _ in range(16):
        llm.eval([llm.sample()])
    print(json.dumps({"peak_bytes": peak_bytes(), "n_ctx": int(llm.n_ctx())}))


def peak_bytes() -> int:
    """This process's peak resident memory. ru_maxrss is kept across exec on Linux (a child
    of a big process starts with its parent's peak), so there VmHWM, which exec resets."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def measure(path: Path, n_ctx: int) -> int:
    """The peak resident memory, in bytes, of a fresh process running ``path`` at ``n_ctx``."""
    out = subprocess.run(
        [sys.executable, "-m", "tests.peak_rss", str(path), str(n_ctx)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    result = json.loads(out.stdout)
    if result["n_ctx"] != n_ctx:
        raise RuntimeError(f"the model ran at a context of {result['n_ctx']}, not {n_ctx}")
    return int(result["peak_bytes"])


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
