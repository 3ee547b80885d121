#!/usr/bin/env bash
# Builds llama-cpp-python (PyPI has no binary wheel: it compiles llama.cpp, ~4 minutes on
# 2 cores) for any x86-64 CPU with AVX2, and installs it into the given Python environment.
#
# Why not pip's default build: llama.cpp then compiles for the building CPU (-march=native).
# On a CPU with AVX-512 and AMX that build crashes in its first decode on machines (virtual
# ones too) that report those units but do not enable them, and a native build copied into
# the installers would crash on older CPUs. pip's wheel cache cannot tell builds apart by
# their flags, so this build bypasses it and keeps its wheel in a folder named after them.
set -euo pipefail
python=${1:?usage: build-llama.sh PYTHON}
spec='llama-cpp-python>=0.3.30,<0.4'  # as in pyproject.toml
flags=""
if [[ $(uname -m) == x86_64 ]]; then
  flags="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON"
fi
tag=$(printf '%s' "$flags" | sha256sum | cut -c1-12)
wheels="${XDG_CACHE_HOME:-$HOME/.cache}/steward/llama-wheels/$tag"
mkdir -p "$wheels"
if ! compgen -G "$wheels/llama_cpp_python-*.whl" >/dev/null; then
  echo "build-llama: building llama-cpp-python (${flags:-native})"
  CMAKE_ARGS="$flags" "$python" -m pip wheel --quiet --no-cache-dir --no-deps -w "$wheels" "$spec"
fi
# the newest wheel built with these flags; its dependencies come from the package index
wheel=$(find "$wheels" -name 'llama_cpp_python-*.whl' | sort -V | tail -n 1)
"$python" -m pip install --quiet "$wheel"
