"""Safer's Getis-Ord Gi* against PySAL's esda on a clustered lattice. See bench/README.md.

Builds crates/safer_analytics/examples/hotspots_bench.rs in release mode, generates seeded
clustered counts on a rows x cols lattice (default 400 x 250 = 100,000 cells), then times, in
one run and on the same counts and binary queen (or rook) contiguity weights:

- Safer: getis_ord (Gi*, binary, `--permutations`), one thread and all threads;
- esda: G_Local(y, w, transform='B', star=True, permutations=..., n_jobs=1) and n_jobs=-1,
  after an untimed warm-up so numba's compilation is not counted.

It checks that the analytical z-scores agree to 1e-9 and that the pseudo p-values agree as two
estimates of the same probability should, then prints a Markdown table with the ratios.
"""

import argparse
import os
import subprocess
import sys
import time
import warnings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = "/tmp/safer-bench/hotspots"


def ensure(module, package):
    try:
        __import__(module)
    except ImportError:
        print(f"installing {package}", flush=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", package],
            check=True,
        )


def clustered_counts(rows, cols, seed):
    """Poisson counts around a background of 2, with 40 seeded hot and cold blobs."""
    import numpy as np

    rng = np.random.RandomState(seed)
    r, c = np.mgrid[0:rows, 0:cols]
    intensity = np.full((rows, cols), 2.0)
    for _ in range(40):
        cr, cc = rng.uniform(0, rows), rng.uniform(0, cols)
        radius = rng.uniform(2, 12)
        height = rng.choice([-1.5, 6.0, 12.0])
        intensity += height * np.exp(-((r - cr) ** 2 + (c - cc) ** 2) / (2 * radius**2))
    intensity = np.clip(intensity, 0.1, None)
    return rng.poisson(intensity).astype(float).ravel()


def run_safer(binary, args, y_path, threads):
    out_path = f"{WORK}/safer-z-{threads}.txt"
    command = [
        binary,
        "--rows", str(args.rows),
        "--cols", str(args.cols),
        "--permutations", str(args.permutations),
        "--seed", str(args.seed),
        "--threads", str(threads),
        "--input", y_path,
        "--output", out_path,
    ] + (["--rook"] if args.rook else [])
    best = None
    for _ in range(args.repeat):
        text = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        values = dict(line.split("=", 1) for line in text.split())
        result = {k: float(v) for k, v in values.items()}
        if best is None or result["permutations_s"] < best["permutations_s"]:
            best = result
    z, p = [], []
    with open(out_path) as f:
        for line in f:
            a, b = line.split()
            z.append(float(a))
            p.append(float(b))
    return best, z, p


def run_esda(y, args, n_jobs, permutations):
    import numpy as np
    from esda.getisord import G_Local
    from libpysal.weights import lat2W

    best, result = None, None
    for _ in range(args.repeat if permutations else 1):
        w = lat2W(args.rows, args.cols, rook=args.rook)
        started = time.perf_counter()
        g = G_Local(
            y, w, transform="B", star=True, permutations=permutations, n_jobs=n_jobs, seed=args.seed
        )
        elapsed = time.perf_counter() - started
        if best is None or elapsed < best:
            best, result = elapsed, g
    return best, np.asarray(result.Zs), (np.asarray(result.p_sim) if permutations else None)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=400)
    parser.add_argument("--cols", type=int, default=250)
    parser.add_argument("--permutations", type=int, default=999)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rook", action="store_true", help="rook contiguity (default queen)")
    parser.add_argument("--repeat", type=int, default=1, help="best of N runs")
    parser.add_argument("--no-esda-parallel", action="store_true", help="skip esda n_jobs=-1")
    parser.add_argument("--binary", help="an already built hotspots_bench (skips cargo build)")
    args = parser.parse_args()

    ensure("numpy", "numpy")
    ensure("libpysal", "libpysal")
    ensure("esda", "esda")
    ensure("numba", "numba")
    warnings.filterwarnings("ignore")
    import numpy as np
    import esda
    import libpysal
    import numba
    from esda.getisord import G_Local
    from libpysal.weights import lat2W

    binary = args.binary
    if binary is None:
        print("building the example (release)", flush=True)
        subprocess.run(
            ["cargo", "build", "--release", "--quiet", "-p", "safer_analytics", "--example", "hotspots_bench"],
            cwd=ROOT,
            check=True,
        )
        target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
        binary = os.path.join(target, "release", "examples", "hotspots_bench")

    os.makedirs(WORK, exist_ok=True)
    n = args.rows * args.cols
    y = clustered_counts(args.rows, args.cols, args.seed)
    y_path = f"{WORK}/y-{args.rows}x{args.cols}-s{args.seed}.txt"
    with open(y_path, "w") as f:
        f.write("\n".join(repr(float(v)) for v in y) + "\n")
    cores = os.cpu_count()
    load_before = os.getloadavg()[0]

    print("warming up numba (untimed)", flush=True)
    for jobs in (1, -1):
        G_Local(y[:25], lat2W(5, 5, rook=args.rook), transform="B", star=True, permutations=9, n_jobs=jobs, seed=1)

    rows = []
    print("safer, 1 thread", flush=True)
    safer1, z_safer, p_safer = run_safer(binary, args, y_path, 1)
    print(f"safer, all {cores} threads", flush=True)
    safer_all, _, p_safer_all = run_safer(binary, args, y_path, 0)
    assert p_safer == p_safer_all, "the pseudo p-values depend on the thread count"
    print("esda analytical only", flush=True)
    esda_analytic_s, z_esda, _ = run_esda(y, args, 1, 0)
    print("esda, n_jobs=1", flush=True)
    esda1_s, z_esda1, p_esda1 = run_esda(y, args, 1, args.permutations)
    esda_all_s, p_esda_all = None, None
    if not args.no_esda_parallel:
        print("esda, n_jobs=-1", flush=True)
        esda_all_s, _, p_esda_all = run_esda(y, args, -1, args.permutations)
    load_after = os.getloadavg()[0]

    z_safer = np.asarray(z_safer)
    z_difference = float(np.max(np.abs(z_safer - z_esda1)))
    p_difference = np.abs(np.asarray(p_safer) - p_esda1)
    # permutations_s times a whole getis_ord call with permutations (z included).
    safer_total = safer1["permutations_s"]
    safer_total_all = safer_all["permutations_s"]

    print()
    print(
        f"Input: {args.rows} x {args.cols} = {n:,} cells, {'rook' if args.rook else 'queen'} contiguity, "
        f"binary Gi*, {args.permutations} permutations; y sum {int(y.sum()):,}, max {int(y.max())}; "
        f"{cores} cores; 1-minute load average {load_before:.2f} before, {load_after:.2f} after; "
        f"esda {esda.__version__}, libpysal {libpysal.__version__}, numba {numba.__version__}, "
        f"numpy {np.__version__}; best of {args.repeat}."
    )
    print()
    print("| engine | analytical z (s) | z + 999 permutations (s) | Safer 1-thread is x faster |")
    print("|---|---:|---:|---:|")
    rows.append(("safer (1 thread)", safer1["analytic_s"], safer_total))
    rows.append((f"safer (all {cores} threads)", safer_all["analytic_s"], safer_total_all))
    rows.append(("esda n_jobs=1", esda_analytic_s, esda1_s))
    if esda_all_s is not None:
        rows.append((f"esda n_jobs=-1 ({cores} cores)", float("nan"), esda_all_s))
    for name, analytic, total in rows:
        analytic_text = "" if analytic != analytic else f"{analytic:.4f}"
        print(f"| {name} | {analytic_text} | {total:.3f} | {total / safer_total:.1f} |")
    print()
    print(f"- Safer's Gi* with permutations on {n:,} cells: {safer_total:.3f} s on 1 thread, {safer_total_all:.3f} s on all")
    ratio = esda1_s / safer_total
    ratio_all = esda1_s / safer_total_all
    print(f"- >= 50x faster than esda n_jobs=1, Safer 1 thread: {'met' if ratio >= 50 else 'NOT met'} ({ratio:.1f}x)")
    print(f"- >= 50x faster than esda n_jobs=1, Safer all threads: {'met' if ratio_all >= 50 else 'NOT met'} ({ratio_all:.1f}x)")
    if esda_all_s is not None:
        print(f"- against esda n_jobs=-1: {esda_all_s / safer_total:.1f}x (Safer 1 thread), {esda_all_s / safer_total_all:.1f}x (Safer all threads)")
    print(f"- analytical z identical to 1e-9: {'yes' if z_difference <= 1e-9 else 'NO'} (largest difference {z_difference:.2e})")
    print(
        f"- pseudo p-values (different generators, same test): mean |difference| {p_difference.mean():.4f}, "
        f"largest {p_difference.max():.4f}; significant at 0.05: Safer {int((np.asarray(p_safer) <= 0.05).sum()):,}, esda {int((p_esda1 <= 0.05).sum()):,}"
    )
    print(f"- Safer: {int(safer1['hot']):,} hot and {int(safer1['cold']):,} cold cells at 90 % or more (uncorrected bins)")
    if z_difference > 1e-9:
        sys.exit(1)


if __name__ == "__main__":
    main()
