#!/usr/bin/env bash
# Replaces numpy in the given Python environment with the same version built without BLAS
# and LAPACK, and without runtime CPU dispatch.
#
# Why: llama-cpp-python needs numpy only for arrays (logits, token data), never for linear
# algebra, but PyPI's numpy wheels carry OpenBLAS (with gfortran): 28 MB of the installers'
# 350 MB. Built once (a few minutes on 2 cores) and kept in a folder named after the version
# and flags, like the llama-cpp-python build (scripts/build-llama.sh).
set -euo pipefail
python=${1:?usage: build-numpy.sh PYTHON}
version=$("$python" -c 'import numpy; print(numpy.__version__)')
flags=(-Csetup-args=-Dblas=none -Csetup-args=-Dlapack=none -Csetup-args=-Dallow-noblas=true
       -Csetup-args=-Dcpu-dispatch=none)
blas=$("$python" -c 'import numpy; print(numpy.show_config("dicts")["Build Dependencies"]["blas"]["name"])')
if [[ $blas == none ]]; then
  exit 0  # already the build without BLAS
fi
tag=$(printf '%s %s' "$version" "${flags[*]}" | sha256sum | cut -c1-12)
wheels="${XDG_CACHE_HOME:-$HOME/.cache}/steward/numpy-wheels/$tag"
mkdir -p "$wheels"
if ! compgen -G "$wheels/numpy-$version-*.whl" >/dev/null; then
  echo "build-numpy: building numpy $version without BLAS"
  "$python" -m pip wheel --quiet --no-cache-dir --no-deps --no-binary numpy -w "$wheels" \
    "${flags[@]}" "numpy==$version"
fi
"$python" -m pip install --quiet --no-deps --force-reinstall "$(compgen -G "$wheels/numpy-$version-*.whl" | head -n 1)"
