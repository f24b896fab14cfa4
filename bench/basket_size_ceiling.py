#!/usr/bin/env python3
"""Ceiling of basket-size accuracy on synthetic data: the accuracy of a predictor that knows
each customer's true trip-size parameters (truth/) and predicts the most likely LGSR size class.

The generator plans 1 + Poisson(mu * G) lines per trip, G ~ Gamma(shape)/shape, with
mu = lines_mean * format factor - 1 (src/synth/behaviour.cpp); with shape 1 the planned extra
lines are geometric. Classes: S (<= 2 lines), M (3-9), L (>= 10). The world model is measured on
next-basket targets of >= 2 items (prepare's min_target_items), so the ceiling is also given
conditional on that. Approximation: complements, failed adds and trips to other stores are
ignored; the script prints the empirical class shares of the store beside the model's for a check.

usage: basket_size_ceiling.py DATA_DIR
"""
import json
import sys
from pathlib import Path

import numpy as np

FORMAT_TRIP_SIZE = np.array([1.0, 0.85, 0.55, 1.3])  # kFormatTripSize (src/synth/world.h)


def main(data: Path) -> None:
    truth = data / "truth"
    world = json.loads((truth / "world.json").read_text())
    shape = float(world.get("config", {}).get("trip_size_shape", 1.0))
    lines_mean = np.load(truth / "customer_lines_mean.npy")
    home = np.load(truth / "customer_home_store.npy")
    store_format = np.load(truth / "store_format.npy")
    trip_rate = np.load(truth / "customer_trip_rate.npy")
    mu = np.maximum(0.0, lines_mean * FORMAT_TRIP_SIZE[store_format[home]] - 1.0)
    # Negative binomial with r = shape, mean mu: P(X = k) for k = 0..max
    k = np.arange(0, 400)[None, :]
    r = shape
    p = r / (r + mu[:, None])
    from math import lgamma
    lg = np.vectorize(lgamma)
    q = np.clip(1 - p, 1e-300, 1.0)
    log_pmf = (lg(k + r) - lg(k + 1) - lgamma(r)) + r * np.log(p) + k * np.log(q)
    pmf = np.exp(log_pmf)
    pmf[mu == 0] = 0
    pmf[mu == 0, 0] = 1  # exactly one planned line
    n = k + 1  # planned lines
    small = (pmf * (n <= 2)).sum(1)
    large = (pmf * (n >= 10)).sum(1)
    medium = 1 - small - large
    w = trip_rate / trip_rate.sum()
    best = np.maximum(np.maximum(small, medium), large)
    out = {"ceiling_accuracy": float((best * w).sum()),
           "class_shares": {"S": float((small * w).sum()), "M": float((medium * w).sum()),
                            "L": float((large * w).sum())}}
    # Conditional on >= 2 lines (the next-basket targets).
    at_least_two = 1 - pmf[:, 0]
    s2 = (pmf[:, 1]) / np.maximum(at_least_two, 1e-12)
    l2 = large / np.maximum(at_least_two, 1e-12)
    m2 = 1 - s2 - l2
    w2 = w * at_least_two
    w2 = w2 / w2.sum()
    best2 = np.maximum(np.maximum(s2, m2), l2)
    out["ceiling_accuracy_targets_of_2_or_more"] = float((best2 * w2).sum())
    out["class_shares_targets_of_2_or_more"] = {"S": float((s2 * w2).sum()),
                                                "M": float((m2 * w2).sum()),
                                                "L": float((l2 * w2).sum())}
    store = data / "store"
    if (store / "basket_size.npy").exists():
        sizes = np.load(store / "basket_size.npy")
        codes = [c.decode() for c in np.load(store / "basket_size_code.npy")]
        counts = np.bincount(sizes[sizes >= 0], minlength=len(codes))
        out["store_class_shares"] = {c: float(n / counts.sum()) for c, n in zip(codes, counts)}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]))
