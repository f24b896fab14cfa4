// DuckDB's read_csv over the same LGSR files, materialised into a table as our store is, on the
// given thread count. Prints "<rows> <seconds>". Used by bench/ingest_bench.py.
import { DuckDBInstance } from '@duckdb/node-api';

const [raw, threads] = process.argv.slice(2);
const instance = await DuckDBInstance.create(':memory:', { threads: String(threads) });
const connection = await instance.connect();
const start = performance.now();
await connection.run(
  `CREATE TABLE t AS SELECT * FROM read_csv('${raw}/transactions_*.csv*', header = true,
     types = {'BASKET_ID': 'BIGINT'})`);
const seconds = (performance.now() - start) / 1000;
const rows = await connection.runAndReadAll('SELECT count(*) FROM t');
console.log(`${rows.getRows()[0][0]} ${seconds}`);
