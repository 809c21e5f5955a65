#!/bin/sh
# Benchmark: Safer's Getis-Ord Gi* with permutations against PySAL's esda. See bench/README.md.
# Usage: bench/hotspots.sh [--rows N] [--cols N] [--permutations N] [--seed N] [--rook] [--repeat N]
set -eu
exec python3 "$(dirname "$0")/hotspots.py" "$@"
