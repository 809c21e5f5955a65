//! Times Getis–Ord Gi* on a lattice for `bench/hotspots.sh` (not a test).
//!
//! ```text
//! hotspots_bench --rows 400 --cols 250 [--rook] --permutations 999 --seed 1 --threads 1 \
//!     --input y.txt --output z.txt
//! ```
//!
//! Reads one value per line (row-major lattice order, as libpysal's `lat2W`), builds binary
//! queen (or rook) contiguity weights, runs `getis_ord` (Gi*, binary) once without and once
//! with permutations, writes `z p_sim` per line with full precision, and prints `key=value`
//! timing lines.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::time::Instant;

use safer_analytics::hotspot::{getis_ord, GetisOrdConfig, Transform, Variant};
use safer_analytics::weights::Weights;

fn lattice(rows: usize, cols: usize, queen: bool) -> Weights {
    let mut neighbours = Vec::with_capacity(rows * cols);
    for r in 0..rows as isize {
        for c in 0..cols as isize {
            let mut list = Vec::with_capacity(8);
            for dr in -1..=1isize {
                for dc in -1..=1isize {
                    if (dr == 0 && dc == 0) || (!queen && dr != 0 && dc != 0) {
                        continue;
                    }
                    let (rr, cc) = (r + dr, c + dc);
                    if rr >= 0 && cc >= 0 && rr < rows as isize && cc < cols as isize {
                        list.push(rr as usize * cols + cc as usize);
                    }
                }
            }
            neighbours.push(list);
        }
    }
    let ids = (0..rows * cols).map(|i| i.to_string()).collect();
    Weights::binary(ids, neighbours).expect("a lattice is valid weights")
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |name: &str| -> Option<String> {
        args.iter().position(|a| a == name).map(|i| args[i + 1].clone())
    };
    let number = |name: &str, default: usize| -> usize {
        value(name).map_or(default, |v| v.parse().expect("a whole number"))
    };
    let rows = number("--rows", 400);
    let cols = number("--cols", 250);
    let permutations = number("--permutations", 999);
    let threads = number("--threads", 1);
    let seed = number("--seed", 1) as u64;
    let queen = !args.iter().any(|a| a == "--rook");
    let input = value("--input").expect("--input FILE");
    let text = std::fs::read_to_string(&input).expect("the input file is readable");
    let y: Vec<f64> = text.lines().map(|l| l.trim().parse().expect("a number per line")).collect();
    assert_eq!(y.len(), rows * cols, "one value per lattice cell");

    let started = Instant::now();
    let w = lattice(rows, cols, queen);
    let weights_s = started.elapsed().as_secs_f64();

    let config = GetisOrdConfig {
        variant: Variant::GiStar,
        transform: Transform::Binary,
        permutations: 0,
        seed,
        fdr: false,
        threads,
    };
    let started = Instant::now();
    let analytic = getis_ord(&y, &w, &config).expect("valid input");
    let analytic_s = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let full = getis_ord(&y, &w, &GetisOrdConfig { permutations, ..config }).expect("valid input");
    let permutations_s = started.elapsed().as_secs_f64();
    assert_eq!(analytic.z, full.z);

    if let Some(output) = value("--output") {
        let mut out = String::with_capacity(y.len() * 48);
        for (z, p) in full.z.iter().zip(&full.p_sim) {
            out.push_str(&format!("{z:?} {p:?}\n"));
        }
        std::fs::write(&output, out).expect("the output file is writable");
    }
    let hot = full.bin.iter().filter(|&&b| b > 0).count();
    let cold = full.bin.iter().filter(|&&b| b < 0).count();
    println!("n={}", y.len());
    println!("threads={threads}");
    println!("weights_s={weights_s:.6}");
    println!("analytic_s={analytic_s:.6}");
    println!("permutations_s={permutations_s:.6}");
    println!("hot={hot}");
    println!("cold={cold}");
}
