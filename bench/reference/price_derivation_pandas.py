#!/usr/bin/python3
"""The seeds' own price derivation in pandas: `PriceDerivationPipeline` (vision-v7.md §3.1) and
`filter_price_outliers` (§3.2), written as the seeds wrote them. It is the reference that
`bench/derive_bench.py` measures `retailsim derive --stage prices` against (issue 3: "≥ 30 times the
pandas reference"), so it is deliberately NOT optimised beyond what the seeds wrote.

    price_derivation_pandas.py RAW_DIR [--out DIR] [--json]

Reads RAW_DIR/transactions_*.csv[.gz] (one file at a time, then one concat; only the seven
columns the derivation uses, so that the 30M-row set fits in memory), then times the derivation:

  1. filter_price_outliers  (§3.2: per-product 5th/95th percentiles ± 1.5 × their range)
  2. compute_actual_price   (median SPEND/QUANTITY per PROD_CODE, STORE_CODE, SHOP_WEEK)
  3. compute_base_price     (x.rolling(window=4, center=True, min_periods=1).max() per product,
                             store: pandas centres an even window as rows [i-2, i+1], and the
                             window runs over the ROWS of the series, so a missing week does not
                             shorten it — this is the seeds' rule as written)
  4. apply_waterfall_imputation (store metadata = the distinct STORE_CODE, STORE_FORMAT,
                             STORE_REGION of the transactions; format–region median, global median,
                             forward fill). As in the seeds, it runs on the observed cells only, so
                             its joins are computed but every cell already has its own price: the
                             fallbacks fill nothing (the counts are printed).
  5. compute_promo_features (discount depth clipped at 0, promo flag > 5 %, pd.cut bins)

Prints one JSON line: rows, rows_kept, cells, series, read_seconds, derive_seconds, total_seconds,
per-step seconds. With --out DIR writes DIR/prices.csv (one row per observed cell; prices in the
CSV's own unit, i.e. pounds per unit for LGSR data).
"""
import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import pandas as pd

COLUMNS = ["SHOP_WEEK", "QUANTITY", "SPEND", "PROD_CODE", "STORE_CODE", "STORE_FORMAT",
           "STORE_REGION"]


# ---- vision-v7.md §3.2, verbatim ----------------------------------------------------------------
def filter_price_outliers(df: pd.DataFrame) -> pd.DataFrame:
    """Remove transactions with implausible unit prices."""
    df['unit_price'] = df['SPEND'] / df['QUANTITY']

    # Per-product outlier detection (IQR method)
    q1 = df.groupby('PROD_CODE')['unit_price'].transform('quantile', 0.05)
    q3 = df.groupby('PROD_CODE')['unit_price'].transform('quantile', 0.95)
    iqr = q3 - q1

    lower_bound = q1 - 1.5 * iqr
    upper_bound = q3 + 1.5 * iqr

    valid_mask = (df['unit_price'] >= lower_bound) & (df['unit_price'] <= upper_bound)

    return df[valid_mask]


# ---- vision-v7.md §3.1, verbatim ----------------------------------------------------------------
class PriceDerivationPipeline:
    """
    Derives shelf prices and promotional flags from transaction data.

    Core Logic:
    1. Actual_Price = Median(SPEND / QUANTITY) per (product, store, week)
    2. Base_Price = Max(Actual_Price) over rolling 4-week window
    3. Promo_Flag = (1 - Actual_Price / Base_Price) > 0.05
    """

    def __init__(self, promo_threshold: float = 0.05):
        self.promo_threshold = promo_threshold
        self.price_cache = {}

    def compute_actual_price(self, transactions_df: pd.DataFrame) -> pd.DataFrame:
        transactions_df['unit_price'] = (
            transactions_df['SPEND'] / transactions_df['QUANTITY']
        )

        actual_prices = transactions_df.groupby(
            ['PROD_CODE', 'STORE_CODE', 'SHOP_WEEK']
        )['unit_price'].median().reset_index()

        actual_prices.columns = ['product_id', 'store_id', 'week', 'actual_price']

        return actual_prices

    def compute_base_price(self, actual_prices: pd.DataFrame) -> pd.DataFrame:
        # Sort by product, store, week
        actual_prices = actual_prices.sort_values(
            ['product_id', 'store_id', 'week']
        )

        # Rolling max with 4-week centered window
        actual_prices['base_price'] = actual_prices.groupby(
            ['product_id', 'store_id']
        )['actual_price'].transform(
            lambda x: x.rolling(window=4, center=True, min_periods=1).max()
        )

        return actual_prices

    def apply_waterfall_imputation(self, prices_df: pd.DataFrame,
                                   store_metadata: pd.DataFrame) -> pd.DataFrame:
        # Merge store metadata
        prices_with_meta = prices_df.merge(
            store_metadata[['store_id', 'format', 'region']],
            on='store_id',
            how='left'
        )

        # Level 2: Format-Region fallback
        format_region_prices = prices_with_meta.groupby(
            ['product_id', 'week', 'format', 'region']
        )[['actual_price', 'base_price']].median().reset_index()
        format_region_prices.columns = [
            'product_id', 'week', 'format', 'region',
            'fr_actual_price', 'fr_base_price'
        ]

        # Level 3: Global fallback
        global_prices = prices_with_meta.groupby(
            ['product_id', 'week']
        )[['actual_price', 'base_price']].median().reset_index()
        global_prices.columns = [
            'product_id', 'week', 'global_actual_price', 'global_base_price'
        ]

        # Merge fallbacks
        prices_with_fallbacks = prices_with_meta.merge(
            format_region_prices,
            on=['product_id', 'week', 'format', 'region'],
            how='left'
        ).merge(
            global_prices,
            on=['product_id', 'week'],
            how='left'
        )

        # Apply waterfall
        prices_with_fallbacks['final_actual_price'] = (
            prices_with_fallbacks['actual_price']
            .fillna(prices_with_fallbacks['fr_actual_price'])
            .fillna(prices_with_fallbacks['global_actual_price'])
        )

        prices_with_fallbacks['final_base_price'] = (
            prices_with_fallbacks['base_price']
            .fillna(prices_with_fallbacks['fr_base_price'])
            .fillna(prices_with_fallbacks['global_base_price'])
        )

        # Level 4: Forward-fill remaining NaNs
        prices_with_fallbacks = prices_with_fallbacks.sort_values(
            ['product_id', 'store_id', 'week']
        )
        prices_with_fallbacks['final_actual_price'] = (
            prices_with_fallbacks.groupby(['product_id', 'store_id'])
            ['final_actual_price'].ffill()
        )
        prices_with_fallbacks['final_base_price'] = (
            prices_with_fallbacks.groupby(['product_id', 'store_id'])
            ['final_base_price'].ffill()
        )

        return prices_with_fallbacks

    def compute_promo_features(self, prices_df: pd.DataFrame) -> pd.DataFrame:
        prices_df['discount_depth'] = (
            1 - prices_df['final_actual_price'] / prices_df['final_base_price']
        ).clip(lower=0)  # No negative discounts

        prices_df['promo_flag'] = (
            prices_df['discount_depth'] > self.promo_threshold
        ).astype(int)

        # Categorize discount depth for embedding
        prices_df['discount_bin'] = pd.cut(
            prices_df['discount_depth'],
            bins=[-0.01, 0.05, 0.15, 0.30, 1.0],
            labels=['none', 'shallow', 'medium', 'deep']
        )

        return prices_df


# ---- driver (not part of the seeds) -------------------------------------------------------------
def read_transactions(raw: Path) -> pd.DataFrame:
    files = sorted(raw.glob("transactions_*.csv*"))
    if not files:
        raise SystemExit(f"no transactions_*.csv[.gz] in {raw}")
    frames = [pd.read_csv(f, usecols=COLUMNS, keep_default_na=False) for f in files]
    return pd.concat(frames, ignore_index=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("raw", type=Path, help="folder of transactions_*.csv[.gz]")
    parser.add_argument("--out", type=Path, help="write DIR/prices.csv")
    args = parser.parse_args()
    # the seeds assign a column on the filtered slice (compute_actual_price); pandas warns, harmlessly
    warnings.simplefilter("ignore", pd.errors.SettingWithCopyWarning)

    t0 = time.perf_counter()
    transactions = read_transactions(args.raw)
    t_read = time.perf_counter()
    steps = {}

    def step(name, t):
        now = time.perf_counter()
        steps[name] = round(now - t, 3)
        return now

    pipeline = PriceDerivationPipeline(promo_threshold=0.05)
    t = t_read
    kept = filter_price_outliers(transactions)
    t = step("filter_price_outliers", t)
    actual = pipeline.compute_actual_price(kept)
    t = step("compute_actual_price", t)
    base = pipeline.compute_base_price(actual)
    t = step("compute_base_price", t)
    store_metadata = (transactions[['STORE_CODE', 'STORE_FORMAT', 'STORE_REGION']]
                      .drop_duplicates()
                      .rename(columns={'STORE_CODE': 'store_id', 'STORE_FORMAT': 'format',
                                       'STORE_REGION': 'region'}))
    prices = pipeline.apply_waterfall_imputation(base, store_metadata)
    t = step("apply_waterfall_imputation", t)
    prices = pipeline.compute_promo_features(prices)
    t_end = step("compute_promo_features", t)

    filled = {
        "observed": int(prices['actual_price'].notna().sum()),
        "format_region": int((prices['actual_price'].isna()
                              & prices['fr_actual_price'].notna()).sum()),
        "global": int((prices['actual_price'].isna() & prices['fr_actual_price'].isna()
                       & prices['global_actual_price'].notna()).sum()),
        "forward_fill_or_none": int((prices['actual_price'].isna()
                                     & prices['fr_actual_price'].isna()
                                     & prices['global_actual_price'].isna()).sum()),
    }
    result = {
        "tool": "pandas " + pd.__version__,
        "rows": int(len(transactions)),
        "rows_kept": int(len(kept)),
        "cells": int(len(prices)),
        "series": int(len(prices[['product_id', 'store_id']].drop_duplicates())),
        "promo_cells": int(prices['promo_flag'].sum()),
        "waterfall_levels": filled,
        "read_seconds": round(t_read - t0, 3),
        "derive_seconds": round(t_end - t_read, 3),
        "total_seconds": round(t_end - t0, 3),
        "steps": steps,
    }
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        cols = ['product_id', 'store_id', 'week', 'actual_price', 'base_price',
                'final_actual_price', 'final_base_price', 'discount_depth', 'promo_flag',
                'discount_bin']
        tmp = args.out / "prices.csv.tmp"
        prices[cols].to_csv(tmp, index=False, float_format="%.17g")
        tmp.replace(args.out / "prices.csv")
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
