#!/usr/bin/env python3
"""Fraud rate by HS6 x country of origin in the KCS synthetic training data (df_syn_train_eng.csv), for the
high-risk HS x origin profiles in data/profiles/. Prints combinations with at least MIN_SUPPORT declarations,
sorted by fraud rate; the base rate is printed first.

Usage: python3 scripts/kcs_hs_origin_risk.py /work/shared/data/customs-synthetic/df_syn_train_eng.csv [MIN_SUPPORT]
"""
import csv
import sys
from collections import Counter

path = sys.argv[1]
min_support = int(sys.argv[2]) if len(sys.argv) > 2 else 30
total, frauds = Counter(), Counter()
rows = fraud_rows = 0
with open(path, newline="", encoding="utf-8") as f:
    for row in csv.DictReader(f):
        key = (row["HS6 Code"].zfill(6), row["Country of Origin"])
        total[key] += 1
        fraud = row["Fraud"] == "1"
        frauds[key] += fraud
        rows += 1
        fraud_rows += fraud
print(f"base rate: {fraud_rows / rows:.3f} over {rows} declarations")
print("hs6,origin,declarations,fraud,rate")
ranked = sorted(((frauds[k] / n, n, k) for k, n in total.items() if n >= min_support), reverse=True)
for rate, n, (hs, origin) in ranked[:25]:
    print(f"{hs},{origin},{n},{frauds[(hs, origin)]},{rate:.3f}")
