#!/usr/bin/env python3
"""Derives Safer's default harm weights for the 14 police.uk crime types.

    python3 scripts/derive-harm-weights.py              # prints the CSV Safer ships
    python3 scripts/derive-harm-weights.py --data DIR   # reads DIR instead of ../shared/data
    python3 scripts/derive-harm-weights.py --sensitivity

The data directory is, in order: --data, $SAFER_REAL_DATA, ../shared/data beside the
repository. Only Python's standard library is used.

The output must equal data/harm/default-police-uk-category-weights.csv byte for byte; a test
(crates/safer_cli/tests/it/harm.rs) re-runs this script and checks. docs/harm.md explains
every step; in short:

1. Read crime-harm-cchi_isthisben-cbl-realcrime/cchi_weights.csv: one row per Home Office
   police recorded crime (PRC) offence subgroup with its police.uk category, the median
   Cambridge Crime Harm Index (CCHI) days of the offences in it, and the England and Wales
   count for 2024/25.
2. For each police.uk category, the weight is the count-weighted mean of its subgroups' days:
   sum(days x count) / sum(count). That is the expected CCHI days of one crime of that
   category drawn at random from the national 2024/25 offence mix.
3. Anti-social behaviour is not a crime and has no sentencing starting point, so it has no
   CCHI days: it gets weight 0, stated in its note, so harm-weighted totals leave it out
   unless a user's own file gives it a weight.
4. Weights are rounded to 2 decimal places and printed as CSV with the header
   crime_type,weight,source,note, in the order of police.uk's 14 crime types.

--sensitivity prints, instead of the CSV, the same means under the Kent 2017/18 offence mix
(home-office-prc-2017-18_crime-sim-toolkit/prc-pfa-201718_new.csv), to show how much the
category weights depend on the mix. Fraud subgroups are left out there (police.uk does not
publish fraud), and 2017/18 subgroup names are matched to the 2024/25 ones as MIX_2017_18
says.
"""

import argparse
import csv
import os
import sys
from pathlib import Path

# police.uk's 14 crime types, as safer_import::police_uk::CRIME_TYPES lists them.
CRIME_TYPES = [
    "Anti-social behaviour",
    "Bicycle theft",
    "Burglary",
    "Criminal damage and arson",
    "Drugs",
    "Other crime",
    "Other theft",
    "Possession of weapons",
    "Public order",
    "Robbery",
    "Shoplifting",
    "Theft from the person",
    "Vehicle crime",
    "Violence and sexual offences",
]

ASB = "Anti-social behaviour"

CCHI_FILE = "crime-harm-cchi_isthisben-cbl-realcrime/cchi_weights.csv"
PRC_FILE = "home-office-prc-2017-18_crime-sim-toolkit/prc-pfa-201718_new.csv"

SOURCE = (
    "Derived from isthisben/cbl-realcrime data/cchi_weights.csv @5591939 (median CCHI days "
    "per Home Office subgroup x E&W 2024/25 counts); see docs/harm.md"
)

ASB_SOURCE = "Safer default; see docs/harm.md"
ASB_NOTE = (
    "Excluded: ASB is not a crime and has no sentencing starting point; weight 0 so "
    "harm-weighted totals leave ASB out unless your own file gives it a weight"
)

# 2017/18 PRC subgroup names that differ from the 2024/25 names in the CCHI file. Subgroups
# mapped to None are not on police.uk (fraud is reported to Action Fraud) and are left out.
MIX_2017_18 = {
    "Domestic burglary": "Residential burglary",
    "Non-domestic burglary": "Non-residential burglary",
    "Theft from a vehicle": "Vehicle offences",
    "Theft of a motor vehicle": "Vehicle offences",
    "Vehicle interference": "Vehicle offences",
    "Miscellaneous crimes": "Miscellaneous crimes against society",
    "Fraud: CIFAS": None,
    "Fraud: Financial Fraud Action UK": None,
    "Fraud: UK Finance": None,
    "Fraud: action fraud": None,
}


def data_dir(arg):
    if arg:
        return Path(arg)
    if os.environ.get("SAFER_REAL_DATA"):
        return Path(os.environ["SAFER_REAL_DATA"])
    return Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def read_cchi(path):
    """Subgroup rows: (category, subgroup, days, count), in file order."""
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        expected = ["category", "prc_subgroup", "cchi_days", "national_count_2024_25"]
        if reader.fieldnames != expected:
            sys.exit(f"{path}: header {reader.fieldnames}, expected {expected}")
        rows = []
        for row in reader:
            category = row["category"]
            if category not in CRIME_TYPES:
                sys.exit(f"{path}: `{category}` is not a police.uk crime type")
            rows.append(
                (category, row["prc_subgroup"], float(row["cchi_days"]),
                 int(row["national_count_2024_25"]))
            )
        return rows


def mean_days(parts):
    """The count-weighted mean of (days, count) pairs."""
    total = sum(count for _, count in parts)
    return sum(days * count for days, count in parts) / total


def share_text(count, total):
    """A percentage with one decimal, or two below 1% (so homicide does not read 0.0%)."""
    share = 100 * count / total
    return f"{share:.2f}%" if share < 1 else f"{share:.1f}%"


def category_note(subgroups):
    """The category's Home Office subgroups and each one's share of its count.

    The subgroups' own CCHI days are deliberately left out: the source file's licence is
    unknown, so only the category means are shipped as figures (docs/harm.md).
    """
    total = sum(count for _, _, count in subgroups)
    clauses = [f"{name} {share_text(count, total)}" for name, _, count in subgroups]
    if len(subgroups) == 1:
        return f"One Home Office subgroup: {subgroups[0][0]}"
    return "Mix of Home Office subgroups (share of E&W 2024/25 count): " + "; ".join(clauses)


def derive(rows):
    """(crime_type, weight, source, note) for each of the 14 crime types."""
    by_category = {}
    for category, subgroup, days, count in rows:
        by_category.setdefault(category, []).append((subgroup, days, count))
    table = []
    for crime_type in CRIME_TYPES:
        if crime_type == ASB:
            table.append((crime_type, 0.0, ASB_SOURCE, ASB_NOTE))
            continue
        subgroups = by_category.get(crime_type)
        if not subgroups:
            sys.exit(f"no CCHI subgroup for `{crime_type}`")
        weight = mean_days([(days, count) for _, days, count in subgroups])
        table.append((crime_type, weight, SOURCE, category_note(subgroups)))
    return table


def print_csv(table):
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["crime_type", "weight", "source", "note"])
    for crime_type, weight, source, note in table:
        writer.writerow([crime_type, f"{weight:.2f}", source, note])


def sensitivity(root, rows, table):
    """The category means under the Kent 2017/18 mix, beside the shipped ones."""
    days_of = {subgroup: days for _, subgroup, days, _ in rows}
    kent = {}
    with open(root / PRC_FILE, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["Force_Name"] != "Kent":
                continue
            subgroup = row["Offence_Subgroup"]
            subgroup = MIX_2017_18.get(subgroup, subgroup)
            if subgroup is None:
                continue
            if subgroup not in days_of:
                sys.exit(f"2017/18 subgroup `{subgroup}` has no CCHI days")
            kent[subgroup] = kent.get(subgroup, 0) + int(row["Number_of_Offences"] or 0)
    print("crime_type,weight_ew_2024_25,weight_kent_2017_18")
    for crime_type, weight, _, _ in table:
        if crime_type == ASB:
            print(f"{crime_type},{weight:.2f},{weight:.2f}")
            continue
        parts = [
            (days_of[subgroup], kent.get(subgroup, 0))
            for category, subgroup, _, _ in rows
            if category == crime_type
        ]
        print(f"{crime_type},{weight:.2f},{mean_days(parts):.2f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="the shared data directory")
    parser.add_argument(
        "--sensitivity", action="store_true",
        help="print the weights under the Kent 2017/18 offence mix instead of the CSV",
    )
    args = parser.parse_args()
    root = data_dir(args.data)
    rows = read_cchi(root / CCHI_FILE)
    table = derive(rows)
    if args.sensitivity:
        sensitivity(root, rows, table)
    else:
        print_csv(table)


if __name__ == "__main__":
    main()
