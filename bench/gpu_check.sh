#!/usr/bin/env bash
# The GPU path, checked on a machine with a CUDA GPU: embeds the 576 shared prompt samples and a
# generated 36k-prompt set with the offline encoders on cuda and on the CPU, checks cosine >= 0.9999
# and the same near-duplicate groups, prints prompts/s, and times the MLP/MF routers on both devices
# (bench/gpu_check.py has the details and options). Without a CUDA GPU it prints why and exits 0.
#
#   bash bench/gpu_check.sh [--cpu-subset N] [--batch-size B] [--encoder NAME ...]
#
# Python: $PYTHON, else the active environment's python (the README's install).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python="${PYTHON:-python}"
if ! command -v "$python" >/dev/null 2>&1; then
    echo "gpu_check: SKIPPED, no Python interpreter '$python' (activate the project's environment or set PYTHON)."
    exit 0
fi
exec "$python" "$here/gpu_check.py" "$@"
