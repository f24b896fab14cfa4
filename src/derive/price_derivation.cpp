// Actual prices: unit-price outlier removal per product and the median unit price per observed
// (product, store, week) cell, by bucketing rows (counting sort) instead of sorting them.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <numeric>
#include <vector>

#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include "core/error.h"
#include "derive/derive.h"
#include "derive/order_stats.h"

namespace retailsim::derive {

namespace {

// Rows are split into chunks whose number depends only on the data size, never on the thread
// count, so the scatter below writes every row to the same place on every run.
size_t chunk_count(size_t n_rows, int32_t n_products) {
  constexpr size_t kMinChunkRows = size_t{1} << 18;
  constexpr size_t kMaxCounters = size_t{1} << 25;  // chunk x product counters (128 MiB)
  size_t chunks = std::max<size_t>(1, (n_rows + kMinChunkRows - 1) / kMinChunkRows);
  size_t cap = std::max<size_t>(1, kMaxCounters / std::max<size_t>(1, n_products));
  return std::min(chunks, cap);
}

// A row reduced to what the cell median needs: (store * n_weeks + week) in the high 32 bits, the
// unit price's float bits in the low 32. Positive floats order like their bit patterns, so
// sorting these orders by cell and then by price.
inline uint64_t pack(uint32_t cell_key, float price) {
  return (uint64_t{cell_key} << 32) | std::bit_cast<uint32_t>(price);
}
inline uint32_t key_of(uint64_t packed) {
  return static_cast<uint32_t>(packed >> 32);
}
inline float price_of(uint64_t packed) {
  return std::bit_cast<float>(static_cast<uint32_t>(packed));
}

// Stable LSD radix sort of `values` by their cell key (bits 32..32+key_bits), 8 bits a pass.
void radix_sort_by_key(std::span<uint64_t> values, std::vector<uint64_t>& scratch, int key_bits) {
  scratch.resize(values.size());
  std::span<uint64_t> from = values;
  std::span<uint64_t> to(scratch.data(), values.size());
  for (int shift = 0; shift < key_bits; shift += 8) {
    size_t counts[257] = {};
    for (uint64_t v : from) ++counts[((v >> (32 + shift)) & 0xFF) + 1];
    for (int d = 0; d < 256; ++d) counts[d + 1] += counts[d];
    for (uint64_t v : from) to[counts[(v >> (32 + shift)) & 0xFF]++] = v;
    std::swap(from, to);
  }
  if (from.data() != values.data()) std::copy(from.begin(), from.end(), values.begin());
}

// Per product: the cells found in its rows.
struct ProductCells {
  std::vector<uint32_t> key;  // store * n_weeks + week
  std::vector<float> price;
  std::vector<uint32_t> n_rows;
};

struct Scratch {
  std::vector<float> prices;
  std::vector<uint64_t> sort_buffer;
};

// Row access shared by the two row layouts (widened test tables, the store's own columns).
inline int32_t week_of(const PriceRows& rows, size_t i) {
  return rows.week[i];
}
inline int32_t week_of(const StorePriceRows& rows, size_t i) {
  return int32_t{rows.week[i]} - rows.week_offset;
}

}  // namespace

Json OutlierSummary::to_json() const {
  return Json{{"rows_in", rows_in},
              {"rows_invalid", rows_invalid},
              {"rows_removed", rows_removed},
              {"rows_kept", rows_kept}};
}

namespace {

template <typename Rows>
PriceCells actual_prices_of(const Rows& rows, const PriceDims& dims, const PriceConfig& config,
                            OutlierSummary* outliers) {
  const size_t n = rows.size();
  if (rows.store.size() != n || rows.week.size() != n || rows.quantity.size() != n ||
      rows.spend_cents.size() != n) {
    fail("actual_prices: row columns differ in length");
  }
  if (dims.n_products <= 0 || dims.n_stores <= 0 || dims.n_weeks <= 0) {
    fail("actual_prices: empty dimensions ({} products, {} stores, {} weeks)", dims.n_products,
         dims.n_stores, dims.n_weeks);
  }
  const uint64_t n_keys = uint64_t(dims.n_stores) * uint64_t(dims.n_weeks);
  if (n_keys > 0xFFFFFFFFull) fail("actual_prices: {} store-weeks exceed 2^32", n_keys);
  const int32_t n_products = dims.n_products;
  const size_t n_chunks = chunk_count(n, n_products);
  const size_t chunk_rows = (n + n_chunks - 1) / n_chunks;

  // Pass 1: valid rows per (chunk, product); ids checked here once.
  std::vector<uint32_t> counts(n_chunks * n_products, 0);
  std::vector<uint64_t> invalid(n_chunks, 0);
  tbb::parallel_for(tbb::blocked_range<size_t>(0, n_chunks, 1), [&](const auto& range) {
    for (size_t c = range.begin(); c != range.end(); ++c) {
      uint32_t* local = counts.data() + c * n_products;
      const size_t end = std::min(n, (c + 1) * chunk_rows);
      for (size_t i = c * chunk_rows; i < end; ++i) {
        const int32_t p = rows.product[i], s = rows.store[i], w = week_of(rows, i);
        if (p < 0 || p >= n_products || s < 0 || s >= dims.n_stores || w < 0 || w >= dims.n_weeks) {
          fail("actual_prices: row {} has product {}, store {}, week {} outside {}x{}x{}", i, p, s,
               w, n_products, dims.n_stores, dims.n_weeks);
        }
        if (rows.quantity[i] <= 0 || rows.spend_cents[i] <= 0) {
          ++invalid[c];
        } else {
          ++local[p];
        }
      }
    }
  });

  // Where each (chunk, product) writes: products contiguous, chunks in order inside a product.
  std::vector<uint64_t> product_start(n_products + 1, 0);
  for (size_t c = 0; c < n_chunks; ++c) {
    for (int32_t p = 0; p < n_products; ++p) product_start[p + 1] += counts[c * n_products + p];
  }
  std::partial_sum(product_start.begin(), product_start.end(), product_start.begin());
  std::vector<uint64_t> write_at(n_chunks * n_products);
  {
    std::vector<uint64_t> next(product_start.begin(), product_start.end() - 1);
    for (size_t c = 0; c < n_chunks; ++c) {
      for (int32_t p = 0; p < n_products; ++p) {
        write_at[c * n_products + p] = next[p];
        next[p] += counts[c * n_products + p];
      }
    }
  }
  counts = {};

  // Pass 2: scatter packed (cell, unit price) values into product buckets.
  const uint64_t n_valid = product_start[n_products];
  std::vector<uint64_t> packed(n_valid);
  tbb::parallel_for(tbb::blocked_range<size_t>(0, n_chunks, 1), [&](const auto& range) {
    for (size_t c = range.begin(); c != range.end(); ++c) {
      uint64_t* cursor = write_at.data() + c * n_products;
      const size_t end = std::min(n, (c + 1) * chunk_rows);
      for (size_t i = c * chunk_rows; i < end; ++i) {
        if (rows.quantity[i] <= 0 || rows.spend_cents[i] <= 0) continue;
        const float price = static_cast<float>(static_cast<double>(rows.spend_cents[i]) /
                                               static_cast<double>(rows.quantity[i]));
        const uint32_t key = static_cast<uint32_t>(rows.store[i]) * uint32_t(dims.n_weeks) +
                             static_cast<uint32_t>(week_of(rows, i));
        packed[cursor[rows.product[i]]++] = pack(key, price);
      }
    }
  });
  write_at = {};

  // Pass 3, per product: outlier bounds, removal, cell medians.
  std::vector<ProductCells> per_product(n_products);
  std::vector<float> low_bound(n_products, std::numeric_limits<float>::quiet_NaN());
  std::vector<float> high_bound(n_products, std::numeric_limits<float>::quiet_NaN());
  std::vector<uint32_t> removed(n_products, 0);
  const int key_bits = std::max(1, static_cast<int>(std::bit_width(n_keys - 1)));
  tbb::enumerable_thread_specific<Scratch> scratches;
  tbb::parallel_for(tbb::blocked_range<int32_t>(0, n_products, 1), [&](const auto& range) {
    Scratch& scratch = scratches.local();
    for (int32_t p = range.begin(); p != range.end(); ++p) {
      std::span<uint64_t> segment(packed.data() + product_start[p],
                                  product_start[p + 1] - product_start[p]);
      if (segment.empty()) continue;
      if (config.remove_outliers) {
        scratch.prices.resize(segment.size());
        for (size_t i = 0; i < segment.size(); ++i) scratch.prices[i] = price_of(segment[i]);
        std::span<float> prices(scratch.prices);
        const double q_low = quantile_inplace(prices, config.outlier_low_quantile);
        const double q_high = quantile_inplace(prices, config.outlier_high_quantile);
        const double range_width = q_high - q_low;
        const double low = q_low - config.outlier_range_factor * range_width;
        const double high = q_high + config.outlier_range_factor * range_width;
        low_bound[p] = static_cast<float>(low);
        high_bound[p] = static_cast<float>(high);
        size_t kept = 0;
        for (uint64_t v : segment) {
          const double price = price_of(v);
          if (price >= low && price <= high) segment[kept++] = v;
        }
        removed[p] = static_cast<uint32_t>(segment.size() - kept);
        segment = segment.first(kept);
      }
      // Small buckets: one sort orders by cell then price. Large ones: radix by cell, then the
      // short runs of one cell by price.
      if (segment.size() <= 2048) {
        std::sort(segment.begin(), segment.end());
      } else {
        radix_sort_by_key(segment, scratch.sort_buffer, key_bits);
      }
      // Exact sizes: growth by doubling would hold up to twice the cells while they are copied.
      size_t n_cells = 0;
      for (size_t k = 0; k < segment.size(); ++k) {
        n_cells += k == 0 || key_of(segment[k]) != key_of(segment[k - 1]);
      }
      ProductCells& out = per_product[p];
      out.key.reserve(n_cells);
      out.price.reserve(n_cells);
      out.n_rows.reserve(n_cells);
      size_t i = 0;
      while (i < segment.size()) {
        const uint32_t key = key_of(segment[i]);
        size_t j = i + 1;
        while (j < segment.size() && key_of(segment[j]) == key) ++j;
        const size_t m = j - i;
        if (segment.size() > 2048) std::sort(segment.begin() + i, segment.begin() + j);
        const float mid = price_of(segment[i + m / 2]);
        const float median =
            (m % 2 == 1) ? mid
                         : static_cast<float>(
                               (static_cast<double>(price_of(segment[i + m / 2 - 1])) + mid) / 2);
        out.key.push_back(key);
        out.price.push_back(median);
        out.n_rows.push_back(static_cast<uint32_t>(m));
        i = j;
      }
    }
  });
  packed = {};

  PriceCells cells;
  cells.product_offsets.assign(n_products + 1, 0);
  for (int32_t p = 0; p < n_products; ++p) {
    cells.product_offsets[p + 1] = cells.product_offsets[p] + per_product[p].key.size();
  }
  const uint64_t n_cells = cells.product_offsets[n_products];
  cells.product.resize(n_cells);
  cells.store.resize(n_cells);
  cells.week.resize(n_cells);
  cells.actual_price.resize(n_cells);
  cells.n_rows.resize(n_cells);
  cells.base_price.assign(n_cells, std::numeric_limits<float>::quiet_NaN());
  tbb::parallel_for(tbb::blocked_range<int32_t>(0, n_products, 16), [&](const auto& range) {
    for (int32_t p = range.begin(); p != range.end(); ++p) {
      ProductCells& from = per_product[p];
      const uint64_t at = cells.product_offsets[p];
      for (size_t k = 0; k < from.key.size(); ++k) {
        cells.product[at + k] = p;
        cells.store[at + k] = static_cast<int32_t>(from.key[k] / uint32_t(dims.n_weeks));
        cells.week[at + k] = static_cast<int32_t>(from.key[k] % uint32_t(dims.n_weeks));
        cells.actual_price[at + k] = from.price[k];
        cells.n_rows[at + k] = from.n_rows[k];
      }
      from = ProductCells{};
    }
  });

  if (outliers) {
    outliers->rows_in = n;
    outliers->rows_invalid = std::accumulate(invalid.begin(), invalid.end(), uint64_t{0});
    outliers->rows_removed = std::accumulate(removed.begin(), removed.end(), uint64_t{0});
    outliers->rows_kept = n - outliers->rows_invalid - outliers->rows_removed;
    outliers->low_bound = std::move(low_bound);
    outliers->high_bound = std::move(high_bound);
    outliers->removed_per_product = std::move(removed);
  }
  return cells;
}

}  // namespace

PriceCells actual_prices(const PriceRows& rows, const PriceDims& dims, const PriceConfig& config,
                         OutlierSummary* outliers) {
  return actual_prices_of(rows, dims, config, outliers);
}

PriceCells actual_prices(const StorePriceRows& rows, const PriceDims& dims,
                         const PriceConfig& config, OutlierSummary* outliers) {
  return actual_prices_of(rows, dims, config, outliers);
}

void estimate_base_prices(PriceCells& cells, const PriceConfig& config) {
  const BaseEstimator estimator = base_estimator_named(config.base_estimator);
  cells.base_price.resize(cells.size());
  const int32_t n_products = static_cast<int32_t>(cells.product_offsets.size()) - 1;
  tbb::parallel_for(tbb::blocked_range<int32_t>(0, std::max(0, n_products), 1),
                    [&](const auto& range) {
                      for (int32_t p = range.begin(); p != range.end(); ++p) {
                        uint64_t i = cells.product_offsets[p];
                        const uint64_t end = cells.product_offsets[p + 1];
                        while (i < end) {
                          uint64_t j = i + 1;
                          while (j < end && cells.store[j] == cells.store[i]) ++j;
                          estimator(std::span<const int32_t>(cells.week).subspan(i, j - i),
                                    std::span<const float>(cells.actual_price).subspan(i, j - i),
                                    std::span<float>(cells.base_price).subspan(i, j - i), config);
                          i = j;
                        }
                      }
                    });
}

PriceTable derive_prices(const PriceRows& rows, const PriceDims& dims, const StoreInfo& stores,
                         const PriceConfig& config, OutlierSummary* outliers) {
  PriceCells cells = actual_prices(rows, dims, config, outliers);
  estimate_base_prices(cells, config, stores);
  return build_price_table(std::move(cells), dims, stores, config);
}

PriceTable derive_prices(const StorePriceRows& rows, const PriceDims& dims, const StoreInfo& stores,
                         const PriceConfig& config, OutlierSummary* outliers) {
  PriceCells cells = actual_prices(rows, dims, config, outliers);
  estimate_base_prices(cells, config, stores);
  return build_price_table(std::move(cells), dims, stores, config);
}

}  // namespace retailsim::derive
