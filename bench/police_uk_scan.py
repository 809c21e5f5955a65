#!/usr/bin/env python3
"""Benchmark: counts by month x crime type x LSOA over police.uk street files.

Safer's scanner (crates/safer_import/examples/scan_counts.rs: the count-only fast path and the
full validated 12-column scan) against Polars, DuckDB (each single-threaded and with all
threads) and pandas, on the same synthetic national-size files, warm page cache. Checks that
every engine's full group-by result agrees exactly, then prints times, GB/s, ratios and peak
memory. Then times `safer import police-uk` of the real Kent street files into a fresh SQLite
database and, when PostgreSQL is installed, a throwaway PostgreSQL. See bench/README.md.

Not a test: nothing here runs under scripts/test or CI.
"""

import argparse
import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
KEY = ["Month", "Crime type", "LSOA code"]


# ---------------------------------------------------------------------------------------------
# Workers: each engine runs in a child process of its own (so its peak memory is its own),
# prints one JSON line and writes its counts as sorted CSV `month,crime_type,lsoa_code,count`.
# ---------------------------------------------------------------------------------------------


def write_counts(rows, out):
    """rows: iterable of (month, crime_type, lsoa_code or None, count)."""
    rows = sorted((m, t, l or "", int(n)) for m, t, l, n in rows)
    with open(out, "w", newline="") as f:
        f.write("month,crime_type,lsoa_code,count\n")
        for m, t, l, n in rows:
            f.write(f"{m},{t},{l},{n}\n")
    return len(rows), sum(r[3] for r in rows)


def worker_polars(files, threads, out):
    if threads:
        os.environ["POLARS_MAX_THREADS"] = str(threads)
    import polars as pl

    start = time.perf_counter()
    df = (
        pl.scan_csv(files, infer_schema=False)
        .group_by(KEY)
        .agg(pl.len().alias("n"))
        .collect()
    )
    seconds = time.perf_counter() - start
    info = {"threads": pl.thread_pool_size(), "version": pl.__version__}
    return seconds, df.rows(), info


def worker_duckdb(files, threads, out):
    import duckdb

    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads={int(threads)}")
    n_threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    file_list = "[" + ",".join("'" + f.replace("'", "''") + "'" for f in files) + "]"
    start = time.perf_counter()
    con.execute(
        "CREATE TEMP TABLE counts AS "
        'SELECT "Month", "Crime type", "LSOA code", count(*) AS n '
        f"FROM read_csv({file_list}, header=true, all_varchar=true) GROUP BY ALL"
    )
    seconds = time.perf_counter() - start
    rows = con.execute("SELECT * FROM counts").fetchall()
    return seconds, rows, {"threads": n_threads, "version": duckdb.__version__}


def worker_pandas(files, threads, out):
    import pandas as pd

    start = time.perf_counter()
    parts = [
        pd.read_csv(f, usecols=KEY, dtype=str, keep_default_na=False, na_filter=False)
        for f in files
    ]
    df = pd.concat(parts, ignore_index=True)
    counts = df.groupby(KEY, sort=False).size()
    seconds = time.perf_counter() - start
    rows = [(m, t, l, n) for (m, t, l), n in counts.items()]
    return seconds, rows, {"threads": 1, "version": pd.__version__}


WORKERS = {"polars": worker_polars, "duckdb": worker_duckdb, "pandas": worker_pandas}


def run_worker(args):
    files = [line for line in Path(args.file_list).read_text().splitlines() if line]
    seconds, rows, info = WORKERS[args.worker](files, args.threads, args.csv)
    groups, total = write_counts(rows, args.csv)
    print(json.dumps({"engine": args.worker, "seconds": seconds, "groups": groups,
                      "total": total, **info}))


# ---------------------------------------------------------------------------------------------
# Driver.
# ---------------------------------------------------------------------------------------------


def sh(cmd, **kw):
    print("+", " ".join(str(c) for c in cmd), file=sys.stderr, flush=True)
    return subprocess.run(cmd, check=True, **kw)


def ensure_python_packages():
    missing = []
    for module in ["polars", "duckdb", "pandas"]:
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    if missing:
        sh([sys.executable, "-m", "pip", "install", "--quiet", *missing])


GNU_TIME = "/usr/bin/time"


def ensure_gnu_time():
    """Peak memory comes from GNU time (Debian's `time` package), installed if missing.

    Not from os.wait4's ru_maxrss: Linux carries a forked child's pre-exec high-water mark
    (this Python process's own RSS) into the child's ru_maxrss, which would inflate small
    engines' numbers.
    """
    if not os.path.exists(GNU_TIME):
        sh(["apt-get", "install", "-y", "-qq", "time"], stdout=subprocess.DEVNULL)


def timed_child(cmd):
    """Runs cmd under GNU time; returns (its JSON line, peak RSS of the child in bytes)."""
    rss_file = Path("/tmp/safer-bench/rss.txt")
    proc = subprocess.run([GNU_TIME, "-f", "%M", "-o", str(rss_file), *cmd],
                          stdout=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stdout}")
    line = [l for l in proc.stdout.splitlines() if l.startswith("{")][-1]
    max_rss_kib = int(rss_file.read_text().split()[-1])
    return json.loads(line), max_rss_kib * 1024


def street_files(data_dir):
    return sorted(str(p) for p in Path(data_dir).rglob("*-street.csv"))


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def first_difference(a, b):
    with open(a) as fa, open(b) as fb:
        for idx, (la, lb) in enumerate(zip(fa, fb), start=1):
            if la != lb:
                return f"line {idx}: {la.strip()!r} vs {lb.strip()!r}"
    return "one file is a prefix of the other"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=7_200_000,
                        help="total rows to generate (default 7,200,000, about 1.5 GB)")
    parser.add_argument("--months", type=int, default=36, help="monthly files (default 36)")
    parser.add_argument("--force", default="kent", help="force slug for file names")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data", help="data folder (default /tmp/safer-bench/<rows>)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs per engine; the fastest counts (default 3; pandas runs once)")
    parser.add_argument("--engines", default="safer,polars,duckdb,pandas")
    parser.add_argument("--import-data", default=os.environ.get("SAFER_REAL_DATA",
                                                                str(REPO.parent / "shared/data")),
                        help="folder with the real Kent street files for the import timings")
    parser.add_argument("--no-import", action="store_true", help="skip the import timings")
    parser.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--file-list", help=argparse.SUPPRESS)
    parser.add_argument("--csv", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return run_worker(args)

    engines = args.engines.split(",")
    if any(e in engines for e in WORKERS):
        ensure_python_packages()
    ensure_gnu_time()

    # 1. Build Safer in release mode.
    sh(["cargo", "build", "--release", "--quiet", "-p", "safer_cli", "--bin", "safer",
        "-p", "safer_import", "--example", "scan_counts"], cwd=REPO)
    safer = REPO / "target/release/safer"
    scan_counts = REPO / "target/release/examples/scan_counts"

    # 2. Generate the data (once per size and seed; kept under /tmp, never in the repo).
    rows_per_month = -(-args.rows // args.months)
    name = f"{args.force}-{args.months}x{rows_per_month}-s{args.seed}"
    data = Path(args.data or f"/tmp/safer-bench/{name}")
    # Regenerated whenever the safer binary changes (the generator may have changed with it).
    stamp = data / ".complete"
    binary_id = f"{safer.stat().st_size} {safer.stat().st_mtime_ns}\n"
    if not stamp.exists() or stamp.read_text() != binary_id:
        sh([safer, "synth", "police-uk", "--force", args.force, "--months", str(args.months),
            "--rows-per-month", str(rows_per_month), "--seed", str(args.seed),
            "--start", "2021-01", "--out", data], stdout=subprocess.DEVNULL)
        stamp.write_text(binary_id)
    files = street_files(data)
    n_bytes = sum(os.path.getsize(f) for f in files)
    file_list = data / ".files"
    file_list.write_text("\n".join(files) + "\n")
    out_dir = Path("/tmp/safer-bench/results")
    out_dir.mkdir(parents=True, exist_ok=True)
    # Warm the page cache (in chunks, keeping this process small).
    for f in files:
        with open(f, "rb") as fh:
            while fh.read(1 << 24):
                pass

    # 3. Time every engine on the same files.
    n_cores = os.cpu_count()
    load_before = os.getloadavg()[0]
    if load_before > 0.5:
        print(f"warning: load average {load_before:.2f}: other work will distort the timings",
              file=sys.stderr)
    configs = []
    for engine in engines:
        if engine == "safer":
            # The count-only fast path, then the full validated 12-column scan, then the
            # in-memory mode (every file into one column store, then one count).
            configs += [("safer", 1), ("safer", 0), ("safer-full", 1), ("safer-full", 0),
                        ("safer-whole", 0)]
            continue
        for threads in ([1] if engine == "pandas" else [1, 0]):
            configs.append((engine, threads))
    results = []
    for engine, threads in configs:
        label = f"{engine} ({'1 thread' if threads == 1 else f'all {n_cores} threads'})"
        csv_out = out_dir / f"{engine}-{threads}.csv"
        if engine == "safer":
            label = f"safer --fast ({'1 thread' if threads == 1 else f'all {n_cores} threads'})"
            cmd = [str(scan_counts), "--fast", "--threads", str(threads), "--csv", str(csv_out),
                   str(data)]
        elif engine == "safer-full":
            label = (f"safer full scan ({'1 thread' if threads == 1 else f'all {n_cores} threads'}"
                     ", 12 columns)")
            cmd = [str(scan_counts), "--threads", str(threads), "--csv", str(csv_out), str(data)]
        elif engine == "safer-whole":
            label = f"safer --whole (all {n_cores} threads, one column store)"
            cmd = [str(scan_counts), "--whole", "--threads", "0", "--csv", str(csv_out), str(data)]
        else:
            cmd = [sys.executable, __file__, "--worker", engine, "--threads", str(threads),
                   "--file-list", str(file_list), "--csv", str(csv_out)]
        repeat = 1 if engine == "pandas" else args.repeat
        best = None
        for _ in range(repeat):
            out, rss = timed_child(cmd)
            print(f"  {label}: {out['seconds']:.3f} s, peak RSS {rss / 1e6:.0f} MB",
                  file=sys.stderr, flush=True)
            if best is None or out["seconds"] < best[0]["seconds"]:
                best = (out, rss)
        out, rss = best
        results.append({"label": label, "engine": engine, "threads": threads,
                        "seconds": out["seconds"], "rss": rss, "csv": csv_out,
                        "groups": out["groups"], "total": out["total"],
                        "version": out.get("version", "")})

    # 4. Every engine's full result must agree exactly.
    reference = results[0]
    ref_hash = sha256(reference["csv"])
    agree = True
    for r in results:
        r["agrees"] = sha256(r["csv"]) == ref_hash
        if not r["agrees"]:
            agree = False
            print(f"MISMATCH {r['label']} vs {reference['label']}: "
                  f"{first_difference(r['csv'], reference['csv'])}", file=sys.stderr)

    # 5. The table.
    def find(engine, threads):
        return next((r for r in results if r["engine"] == engine and r["threads"] == threads), None)

    print()
    print(f"Input: {len(files)} files, {reference['total']:,} rows, {n_bytes / 1e9:.3f} GB "
          f"({n_bytes / reference['total']:.0f} B/row), {reference['groups']:,} non-zero groups "
          f"(month x crime type x LSOA); {n_cores} cores; best of {args.repeat}, warm cache; "
          f"1-minute load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after.")
    print()
    print("| engine | time (s) | GB/s | Safer 1-thread is × faster | peak RSS (MB) "
          "| RSS / input | counts agree |")
    print("|---|---:|---:|---:|---:|---:|---|")
    safer1 = find("safer", 1)
    for r in results:
        ratio = f"{r['seconds'] / safer1['seconds']:.2f}" if safer1 else "-"
        version = f" {r['version']}" if r["version"] else ""
        print(f"| {r['label']}{version} | {r['seconds']:.3f} | {n_bytes / 1e9 / r['seconds']:.2f} "
              f"| {ratio} | {r['rss'] / 1e6:.0f} | {100 * r['rss'] / n_bytes:.1f} % "
              f"| {'yes' if r['agrees'] else 'NO'} |")
    print()
    if safer1:
        gbps = n_bytes / 1e9 / safer1["seconds"]
        goals = [("Safer --fast 1-thread >= 1.5 GB/s", gbps >= 1.5, f"{gbps:.2f} GB/s")]
        full1 = find("safer-full", 1)
        if full1:
            full_gbps = n_bytes / 1e9 / full1["seconds"]
            goals.append(("(the full 12-column scan, 1 thread, for reference)", full_gbps >= 1.5,
                          f"{full_gbps:.2f} GB/s"))
        for engine, factor in [("polars", 2), ("duckdb", 3)]:
            other = find(engine, 1)
            if other:
                ratio = other["seconds"] / safer1["seconds"]
                goals.append((f">= {factor}x {engine} 1-thread", ratio >= factor, f"{ratio:.2f}x"))
        mem = safer1["rss"] / n_bytes
        goals.append(("Safer --fast peak memory <= 25% of input", mem <= 0.25,
                      f"{100 * mem:.1f} %"))
        for name, met, value in goals:
            print(f"- {name}: {'met' if met else 'NOT met'} ({value})")
    print(f"- all engines' counts agree: {'yes' if agree else 'NO'}")

    # 6. `safer import police-uk` of the real Kent street files.
    if not args.no_import:
        time_imports(safer, Path(args.import_data))
    return 0 if agree else 1


def time_imports(safer, data_dir):
    """Times `safer import police-uk` of the real street files into fresh databases."""
    files = street_files(data_dir) if data_dir.is_dir() else []
    if not files:
        print(f"\nImport timings skipped: no street files under {data_dir}.")
        return
    n_bytes = sum(os.path.getsize(f) for f in files)
    for f in files:  # warm the page cache
        Path(f).read_bytes()
    work = Path("/tmp/safer-bench/import")
    subprocess.run(["rm", "-rf", str(work)], check=True)
    work.mkdir(parents=True)
    # Only the command line and these variables: no safer.toml or SAFER_* from the caller.
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAFER_")}
    env["SAFER_LOG"] = "warn"

    def run(label, extra):
        timings = []
        for attempt in ["fresh", "again (unchanged files skipped)"]:
            cmd = [str(safer), "--data-dir", str(work / label), *extra, "import", "police-uk",
                   *files]
            start = time.perf_counter()
            proc = subprocess.run(cmd, cwd=work, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
            seconds = time.perf_counter() - start
            if proc.returncode != 0:
                raise SystemExit(f"import into {label} failed ({proc.returncode}):\n"
                                 f"{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
            last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
            timings.append((label, attempt, seconds, last))
        return timings

    print()
    print(f"Import: `safer import police-uk` of {len(files)} real Kent street files "
          f"({n_bytes / 1e6:.0f} MB) from {data_dir}, warm cache, one run each; "
          f"1-minute load average {os.getloadavg()[0]:.2f}.")
    print()
    print("| database | run | time (s) | MB/s | safer's summary line |")
    print("|---|---|---:|---:|---|")
    rows = run("sqlite", [])
    pg_dir = Path("/tmp/bench-pg")
    pg_script = REPO / "scripts/pg-throwaway"
    import glob
    if glob.glob("/usr/lib/postgresql/*/bin/initdb") or shutil.which("initdb"):
        url = subprocess.run([str(pg_script), "start", str(pg_dir)], check=True,
                             stdout=subprocess.PIPE, text=True).stdout.strip()
        try:
            rows += run("postgresql", ["--database-url", url])
        finally:
            subprocess.run([str(pg_script), "stop", str(pg_dir)], check=False)
        pg_note = ("PostgreSQL: scripts/pg-throwaway's cluster (fsync, synchronous_commit and "
                   "full_page_writes off), on the same machine.")
    else:
        pg_note = "PostgreSQL: not installed here, not timed."
    for label, attempt, seconds, last in rows:
        print(f"| {label} | {attempt} | {seconds:.2f} | {n_bytes / 1e6 / seconds:.0f} "
              f"| {last.replace('|', '/')} |")
    print()
    print(pg_note)


if __name__ == "__main__":
    sys.exit(main())
