// The seeds' price derivation (vision-v7.md §3.1 PriceDerivationPipeline with §3.2's
// filter_price_outliers) in DuckDB SQL, step for step like bench/reference/price_derivation_pandas.py:
//
//   1. outliers: per PROD_CODE, the 0.05 / 0.95 quantiles of SPEND/QUANTITY interpolated exactly as
//      pandas' groupby quantile does (sorted values v, pos = q (n - 1), v[lo] + (v[lo+1] - v[lo]) *
//      frac), from a sorted list per product; keep rows in [q05 - 1.5 (q95 - q05), q95 + 1.5 (q95 -
//      q05)]. Not quantile_cont: its interpolation is not exact between equal values
//      (quantile_cont of [0.59, 0.59, 0.59] at 0.05 is 0.5900000000000001), which on the generated
//      lgsr-sample drops 20 rows of products sold at a single price that pandas keeps.
//   2. actual price = median(unit price) per (PROD_CODE, STORE_CODE, SHOP_WEEK)
//   3. base price = max(actual) OVER (PARTITION BY product, store ORDER BY week
//      ROWS BETWEEN 2 PRECEDING AND 1 FOLLOWING). This is pandas' convention for a centred even
//      window: rolling(window=4, center=True) at row i covers rows [i-2, i+1] (checked:
//      pd.Series([1..7]).rolling(4, center=True, min_periods=1).max() = [2,3,4,5,6,7,7]); and, like
//      pandas, it runs over ROWS (observed weeks), not calendar weeks. min_periods=1 is DuckDB's
//      default for a window frame (max over whatever rows the frame holds).
//   4. waterfall: store metadata = distinct STORE_CODE, STORE_FORMAT, STORE_REGION; format-region
//      median and global median per (product, week) joined on, coalesce, then forward fill per
//      (product, store) with last_value(... IGNORE NULLS). As in the seeds, on observed cells only.
//   5. discount depth = greatest(0, 1 - actual/base), promo flag = depth > 0.05, bins as pd.cut
//      (right-inclusive: (-0.01,0.05] none, (0.05,0.15] shallow, (0.15,0.30] medium, (0.30,1] deep).
//
// Usage: node price_derivation_duckdb.mjs RAW_DIR THREADS [OUT_CSV]
// Reads the seven columns the derivation needs into a table (read_seconds), then runs the
// derivation into a table (derive_seconds); prints one JSON line. OUT_CSV: the cells, sorted.
import { DuckDBInstance } from '@duckdb/node-api';

const [raw, threads, outCsv] = process.argv.slice(2);
if (!raw || !threads) {
  console.error('usage: node price_derivation_duckdb.mjs RAW_DIR THREADS [OUT_CSV]');
  process.exit(2);
}
const instance = await DuckDBInstance.create(':memory:', {
  threads: String(threads),
  preserve_insertion_order: 'false',
});
const c = await instance.connect();
const version = (await c.runAndReadAll('SELECT version()')).getRows()[0][0];

const t0 = performance.now();
await c.run(`
  CREATE TABLE t AS
  SELECT SHOP_WEEK, QUANTITY, SPEND, PROD_CODE, STORE_CODE, STORE_FORMAT, STORE_REGION
  FROM read_csv('${raw}/transactions_*.csv*', header = true,
                types = {'BASKET_ID': 'BIGINT', 'SHOP_WEEK': 'INTEGER', 'QUANTITY': 'BIGINT',
                         'SPEND': 'DOUBLE'})`);
const t1 = performance.now();

const steps = {};
async function step(name, sql) {
  const s = performance.now();
  await c.run(sql);
  steps[name] = Math.round(performance.now() - s) / 1000;
}

await step('filter_price_outliers', `
  CREATE TABLE kept AS
  WITH u AS (SELECT PROD_CODE, STORE_CODE, SHOP_WEEK, SPEND / QUANTITY AS unit_price FROM t),
       s AS (SELECT PROD_CODE, list_sort(list(unit_price)) AS v, count(unit_price) AS n,
                    0.05::DOUBLE * (count(unit_price) - 1) AS p1,
                    0.95::DOUBLE * (count(unit_price) - 1) AS p3
             FROM u WHERE NOT isnan(unit_price) GROUP BY PROD_CODE),
       q AS (SELECT PROD_CODE,
                    v[floor(p1)::BIGINT + 1] + (v[least(floor(p1)::BIGINT + 2, n)]
                      - v[floor(p1)::BIGINT + 1]) * (p1 - floor(p1)) AS q1,
                    v[floor(p3)::BIGINT + 1] + (v[least(floor(p3)::BIGINT + 2, n)]
                      - v[floor(p3)::BIGINT + 1]) * (p3 - floor(p3)) AS q3
             FROM s)
  SELECT u.PROD_CODE, u.STORE_CODE, u.SHOP_WEEK, u.unit_price
  FROM u JOIN q USING (PROD_CODE)
  WHERE u.unit_price >= q.q1 - 1.5 * (q.q3 - q.q1) AND u.unit_price <= q.q3 + 1.5 * (q.q3 - q.q1)`);
await step('compute_actual_price', `
  CREATE TABLE actual AS
  SELECT PROD_CODE AS product_id, STORE_CODE AS store_id, SHOP_WEEK AS week,
         median(unit_price) AS actual_price
  FROM kept GROUP BY ALL`);
await step('compute_base_price', `
  CREATE TABLE base AS
  SELECT *, max(actual_price) OVER (PARTITION BY product_id, store_id ORDER BY week
                                    ROWS BETWEEN 2 PRECEDING AND 1 FOLLOWING) AS base_price
  FROM actual`);
await step('apply_waterfall_imputation', `
  CREATE TABLE prices AS
  WITH meta AS (SELECT DISTINCT STORE_CODE AS store_id, STORE_FORMAT AS format,
                                STORE_REGION AS region FROM t),
       pm AS (SELECT b.*, m.format, m.region FROM base b LEFT JOIN meta m USING (store_id)),
       fr AS (SELECT product_id, week, format, region, median(actual_price) AS fr_actual_price,
                     median(base_price) AS fr_base_price
              FROM pm GROUP BY ALL),
       gl AS (SELECT product_id, week, median(actual_price) AS global_actual_price,
                     median(base_price) AS global_base_price
              FROM pm GROUP BY ALL),
       j AS (SELECT pm.*, fr.fr_actual_price, fr.fr_base_price, gl.global_actual_price,
                    gl.global_base_price,
                    coalesce(pm.actual_price, fr.fr_actual_price, gl.global_actual_price) AS fa,
                    coalesce(pm.base_price, fr.fr_base_price, gl.global_base_price) AS fb
             FROM pm
             LEFT JOIN fr ON pm.product_id = fr.product_id AND pm.week = fr.week
                         AND pm.format = fr.format AND pm.region = fr.region
             LEFT JOIN gl ON pm.product_id = gl.product_id AND pm.week = gl.week)
  SELECT * EXCLUDE (fa, fb),
         last_value(fa IGNORE NULLS) OVER w AS final_actual_price,
         last_value(fb IGNORE NULLS) OVER w AS final_base_price
  FROM j
  WINDOW w AS (PARTITION BY product_id, store_id ORDER BY week
               ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)`);
await step('compute_promo_features', `
  CREATE TABLE promo AS
  WITH d AS (SELECT *, greatest(0, 1 - final_actual_price / final_base_price) AS discount_depth
             FROM prices)
  SELECT *, (discount_depth > 0.05)::INTEGER AS promo_flag,
         CASE WHEN discount_depth > -0.01 AND discount_depth <= 0.05 THEN 'none'
              WHEN discount_depth > 0.05 AND discount_depth <= 0.15 THEN 'shallow'
              WHEN discount_depth > 0.15 AND discount_depth <= 0.30 THEN 'medium'
              WHEN discount_depth > 0.30 AND discount_depth <= 1.0 THEN 'deep' END AS discount_bin
  FROM d`);
const t2 = performance.now();

const one = async (sql) => Number((await c.runAndReadAll(sql)).getRows()[0][0]);
const result = {
  tool: `duckdb ${version}`,
  threads: Number(threads),
  rows: await one('SELECT count(*) FROM t'),
  rows_kept: await one('SELECT count(*) FROM kept'),
  cells: await one('SELECT count(*) FROM promo'),
  series: await one('SELECT count(*) FROM (SELECT DISTINCT product_id, store_id FROM promo)'),
  promo_cells: await one('SELECT sum(promo_flag) FROM promo'),
  read_seconds: Math.round(t1 - t0) / 1000,
  derive_seconds: Math.round(t2 - t1) / 1000,
  total_seconds: Math.round(t2 - t0) / 1000,
  steps,
};
if (outCsv) {
  await c.run(`COPY (SELECT product_id, store_id, week, actual_price, base_price,
                            final_actual_price, final_base_price, discount_depth, promo_flag,
                            discount_bin
                     FROM promo ORDER BY product_id, store_id, week)
               TO '${outCsv}' (HEADER, DELIMITER ',')`);
}
console.log(JSON.stringify(result));
