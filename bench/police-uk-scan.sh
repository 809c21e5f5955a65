#!/bin/sh
# Benchmark: Safer's police.uk scan against Polars, DuckDB and pandas. See bench/README.md.
# Usage: bench/police-uk-scan.sh [--rows N] [--months N] [--repeat N] [--engines safer,polars,...]
set -eu
exec python3 "$(dirname "$0")/police_uk_scan.py" "$@"
