"""llama.cpp's own log lines, sent to Python logging (the log file) instead of stderr."""

from __future__ import annotations

import ctypes
import logging
from typing import Any

# ggml's enum ggml_log_level: NONE 0, DEBUG 1, INFO 2, WARN 3, ERROR 4, CONT 5 (continues
# the previous line)
_LOG_LEVELS = {1: logging.DEBUG, 2: logging.INFO, 3: logging.WARNING, 4: logging.ERROR}
_native_log_hook: Any = None


def route_native_logs() -> None:
    """Send llama.cpp's own log lines to Python logging (the log file), not to stderr."""
    global _native_log_hook
    if _native_log_hook is not None:
        return
    import llama_cpp

    native = logging.getLogger("steward.llama_cpp")
    last = [logging.DEBUG]

    def on_log(level: int, text: bytes, _data: Any) -> None:
        mapped = last[0] if level == 5 else _LOG_LEVELS.get(level, logging.DEBUG)
        last[0] = mapped
        if native.isEnabledFor(mapped) and (line := text.decode("utf-8", "replace").rstrip()):
            native.log(mapped, line)

    _native_log_hook = llama_cpp.llama_log_callback(on_log)
    llama_cpp.llama_log_set(_native_log_hook, ctypes.c_void_p(0))


__all__ = ["route_native_logs"]
