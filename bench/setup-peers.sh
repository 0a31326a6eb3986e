#!/usr/bin/env bash
# The peer benchmark's Python environment (JAX, numpy/scipy, PyTorch), for
# ../shared/bench/peers.py: `bash bench/setup-peers.sh [--no-torch]`, then e.g.
#   .venv-peers/bin/python ../shared/bench/peers.py ../shared/fixtures/mlp/digits_64-32-10_tanh.safetensors \
#       --data ../shared/data/digits.csv --scale 16 --mode dense --peers jax,torch
# next to `cargo run --release --example dense_timings -- <same checkpoint> --arch ... --data ... --scale 16`.
# PyPI only; torch's Linux wheel pulls several GB of CUDA wheels (CPU is used).
# Versions measured in the first session: jax 0.10.2, numpy 2.4.6, scipy 1.17.1,
# safetensors 0.8.0, torch 2.15.0.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv-peers
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --upgrade pip
"$VENV/bin/pip" install --quiet jax numpy scipy safetensors
if [ "${1:-}" != "--no-torch" ]; then
  "$VENV/bin/pip" install --quiet torch || echo "torch did not install; use --peers jax" >&2
fi
"$VENV/bin/python" -c 'import jax, numpy, scipy; print("jax", jax.__version__, "numpy", numpy.__version__, "scipy", scipy.__version__)'
