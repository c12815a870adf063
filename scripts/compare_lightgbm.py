#!/usr/bin/env python3
"""Train LightGBM on the features `aduana train --export-features DIR` wrote and time it against Aduana's booster.

Usage:
  aduana train --train TRAIN.csv --valid VALID.csv --out model.json --export-features /tmp/features
  python3 scripts/compare_lightgbm.py /tmp/features

Needs `pip install lightgbm numpy`. Uses the same settings as `aduana train` (600 rounds at most, learning rate
0.05, 31 leaves, 255 bins, min 20 rows per leaf, L2 1.0, early stopping on valid AUC after 60 rounds, one thread)
and prints training time, AUC and precision at 1/2/5/10 % on the valid file.
"""
import sys
import time

import lightgbm as lgb
import numpy as np


def load(path):
    with open(path) as f:
        header = f.readline().strip().split(",")
    data = np.genfromtxt(path, delimiter=",", skip_header=1, missing_values="", filling_values=np.nan)
    return header[:-1], data[:, :-1], data[:, -1]


def precision_at(scores, labels, rate):
    top = max(1, -(-len(scores) * rate // 100))
    order = np.argsort(-scores, kind="stable")[:top]
    return 100.0 * labels[order].mean()


def auc(scores, labels):
    order = np.argsort(scores, kind="stable")
    ranks = np.empty(len(scores))
    ranks[order] = np.arange(1, len(scores) + 1)
    pos = labels.sum()
    neg = len(labels) - pos
    return (ranks[labels == 1].sum() - pos * (pos + 1) / 2) / (pos * neg)


def main():
    directory = sys.argv[1]
    names, x_train, y_train = load(f"{directory}/train.csv")
    _, x_valid, y_valid = load(f"{directory}/valid.csv")
    params = {
        "objective": "binary",
        "learning_rate": 0.05,
        "num_leaves": 31,
        "max_bin": 255,
        "min_data_in_leaf": 20,
        "lambda_l2": 1.0,
        "metric": "auc",
        "num_threads": 1,
        "verbose": -1,
        "deterministic": True,
    }
    started = time.perf_counter()
    train = lgb.Dataset(x_train, y_train, feature_name=names)
    valid = lgb.Dataset(x_valid, y_valid, reference=train)
    booster = lgb.train(
        params, train, num_boost_round=600, valid_sets=[valid], callbacks=[lgb.early_stopping(60, verbose=False)]
    )
    seconds = time.perf_counter() - started
    scores = booster.predict(x_valid, num_iteration=booster.best_iteration)
    print(f"lightgbm {lgb.__version__}: {booster.best_iteration} trees, {seconds:.2f} s training (1 thread)")
    print(
        f"valid AUC {auc(scores, y_valid):.4f}; precision "
        + " ".join(f"@{r}% {precision_at(scores, y_valid, r):.1f}" for r in (1, 2, 5, 10))
    )


if __name__ == "__main__":
    main()
