// The compact price table: promotions of observed cells, the waterfall's fallback tables
// (format-region, global, forward fill), price bounds, O(1) lookups and the dense export.
#include <algorithm>
#include <bit>
#include <cmath>
#include <map>
#include <utility>

#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include "core/error.h"
#include "core/npy.h"
#include "derive/derive.h"
#include "derive/order_stats.h"

namespace retailsim::derive {

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

struct GroupScratch {
  std::vector<uint32_t> bucket_count;
  std::vector<uint32_t> bucket_of_cell;
  std::vector<float> actual;
  std::vector<float> base;
};

// Medians of the cells of one product bucketed by `bucket_of(cell)` into n_buckets, written to
// out_actual/out_base[bucket] (NaN where a bucket has no cell). Counting sort, then selection.
template <typename BucketOf>
void bucket_medians(uint64_t first, uint64_t last, const PriceCells& cells, size_t n_buckets,
                    BucketOf bucket_of, float* out_actual, float* out_base, GroupScratch& s) {
  s.bucket_count.assign(n_buckets + 1, 0);
  const size_t m = last - first;
  s.bucket_of_cell.resize(m);
  for (size_t k = 0; k < m; ++k) {
    s.bucket_of_cell[k] = static_cast<uint32_t>(bucket_of(first + k));
    ++s.bucket_count[s.bucket_of_cell[k] + 1];
  }
  for (size_t b = 0; b < n_buckets; ++b) s.bucket_count[b + 1] += s.bucket_count[b];
  s.actual.resize(m);
  s.base.resize(m);
  std::vector<uint32_t>& cursor = s.bucket_count;  // becomes the end of each bucket
  for (size_t k = 0; k < m; ++k) {
    const uint32_t at = cursor[s.bucket_of_cell[k]]++;
    s.actual[at] = cells.actual_price[first + k];
    s.base[at] = cells.base_price[first + k];
  }
  uint32_t begin = 0;
  for (size_t b = 0; b < n_buckets; ++b) {
    const uint32_t end = cursor[b];
    if (end > begin) {
      out_actual[b] = static_cast<float>(
          median_inplace(std::span<float>(s.actual.data() + begin, end - begin)));
      out_base[b] =
          static_cast<float>(median_inplace(std::span<float>(s.base.data() + begin, end - begin)));
    } else {
      out_actual[b] = kNaN;
      out_base[b] = kNaN;
    }
    begin = end;
  }
}

// The format-region cells of one product (group_actual/base [G, W]) where the group did not sell
// it that week: the median over the stores of the same format that week. Shelf prices are set per
// format (price zone); the global median mixes the formats' price levels and spreads one format's
// promotion to the others (docs/decisions.md has the measurements).
void fill_groups_from_formats(uint64_t first, uint64_t last, const PriceCells& cells,
                              const std::vector<int32_t>& store_format,
                              const std::vector<int32_t>& group_format, int32_t F, int32_t W,
                              float* group_actual, float* group_base, GroupScratch& s) {
  std::vector<float> actual(size_t(F) * W), base(size_t(F) * W);
  bucket_medians(
      first, last, cells, size_t(F) * W,
      [&](uint64_t c) { return size_t(store_format[cells.store[c]]) * W + cells.week[c]; },
      actual.data(), base.data(), s);
  const auto G = static_cast<int32_t>(group_format.size());
  for (int32_t g = 0; g < G; ++g) {
    for (int32_t w = 0; w < W; ++w) {
      const size_t gw = size_t(g) * W + w, fw = size_t(group_format[g]) * W + w;
      if (!std::isnan(group_actual[gw])) continue;
      group_actual[gw] = actual[fw];
      group_base[gw] = base[fw];
    }
  }
}

}  // namespace

Promotion promotion_of(float actual_price, float base_price, const PriceConfig& config) {
  Promotion promotion;
  if (!(base_price > 0) || std::isnan(actual_price)) return promotion;
  const double depth = std::max(0.0, 1.0 - static_cast<double>(actual_price) / base_price);
  promotion.depth = static_cast<float>(depth);
  // Depths are ratios of binary floats: 1 - 95/100 is 0.05000000000000004. A slack far below a
  // cent keeps "exactly 5% off" on the side of the edge a person would put it.
  constexpr double kSlack = 1e-9;
  promotion.promo = depth > config.promo_threshold + kSlack;
  // Right-inclusive bins like the seeds' pd.cut: (.., 0.05] none, (0.05, 0.15] shallow, ...
  int bin = 0;
  for (double edge : config.discount_bin_edges) bin += depth > edge + kSlack ? 1 : 0;
  promotion.bin = static_cast<DiscountBin>(std::min(bin, 3));
  return promotion;
}

const char* price_level_name(PriceLevel level) {
  switch (level) {
    case PriceLevel::kObserved:
      return "observed";
    case PriceLevel::kFormatRegion:
      return "format_region";
    case PriceLevel::kGlobal:
      return "global";
    case PriceLevel::kForwardFill:
      return "forward_fill";
    case PriceLevel::kNone:
      return "none";
  }
  return "none";
}

PriceTable build_price_table(PriceCells cells, const PriceDims& dims, const StoreInfo& stores,
                             const PriceConfig& config) {
  const int32_t P = dims.n_products, S = dims.n_stores, W = dims.n_weeks;
  if (P <= 0 || S <= 0 || W <= 0) fail("build_price_table: empty dimensions");
  if (stores.format.size() != size_t(S) || stores.region.size() != size_t(S)) {
    fail("build_price_table: store format/region columns have {}/{} entries for {} stores",
         stores.format.size(), stores.region.size(), S);
  }
  if (cells.product_offsets.size() != size_t(P) + 1 || cells.base_price.size() != cells.size()) {
    fail("build_price_table: cells do not match {} products or carry no base prices", P);
  }
  PriceTable table;
  table.dims = dims;

  // Format-region groups, numbered in (format, region) order.
  std::map<std::pair<int32_t, int32_t>, int32_t> groups;
  for (int32_t s = 0; s < S; ++s) groups.emplace(std::pair{stores.format[s], stores.region[s]}, 0);
  int32_t next_group = 0;
  for (auto& [key, id] : groups) id = next_group++;
  table.n_groups = next_group;
  table.store_group.resize(S);
  for (int32_t s = 0; s < S; ++s) {
    table.store_group[s] = groups.at({stores.format[s], stores.region[s]});
  }
  const int32_t G = table.n_groups;
  // Store formats, numbered in order; a group has one format (groups are format-region pairs).
  std::map<int32_t, int32_t> formats;
  for (int32_t s = 0; s < S; ++s) formats.emplace(stores.format[s], 0);
  int32_t next_format = 0;
  for (auto& [key, id] : formats) id = next_format++;
  const int32_t F = next_format;
  std::vector<int32_t> store_format(S), group_format(G);
  for (int32_t s = 0; s < S; ++s) {
    store_format[s] = formats.at(stores.format[s]);
    group_format[table.store_group[s]] = store_format[s];
  }

  // Series index and promotions of the observed cells.
  table.words_per_series = (W + 63) / 64;
  const size_t n_series = size_t(P) * size_t(S);
  table.series_start.assign(n_series, 0);
  table.series_mask.assign(n_series * table.words_per_series, 0);
  const size_t n_cells = cells.size();
  table.discount_depth.resize(n_cells);
  table.promo_flag.resize(n_cells);
  table.discount_bin.resize(n_cells);
  table.group_actual.assign(size_t(P) * G * W, kNaN);
  table.group_base.assign(size_t(P) * G * W, kNaN);
  table.global_actual.assign(size_t(P) * W, kNaN);
  table.global_base.assign(size_t(P) * W, kNaN);
  table.last_sold_week.assign(size_t(P) * W, -1);
  table.price_low.assign(P, kNaN);
  table.price_high.assign(P, kNaN);

  tbb::enumerable_thread_specific<GroupScratch> scratches;
  tbb::parallel_for(tbb::blocked_range<int32_t>(0, P, 1), [&](const auto& range) {
    GroupScratch& scratch = scratches.local();
    for (int32_t p = range.begin(); p != range.end(); ++p) {
      const uint64_t first = cells.product_offsets[p], last = cells.product_offsets[p + 1];
      for (uint64_t c = first; c < last; ++c) {
        const size_t series = size_t(p) * S + cells.store[c];
        if (c == first || cells.store[c - 1] != cells.store[c]) table.series_start[series] = c;
        const int32_t w = cells.week[c];
        table.series_mask[series * table.words_per_series + (w >> 6)] |= uint64_t{1} << (w & 63);
        const Promotion promotion =
            promotion_of(cells.actual_price[c], cells.base_price[c], config);
        table.discount_depth[c] = promotion.depth;
        table.promo_flag[c] = promotion.promo ? 1 : 0;
        table.discount_bin[c] = static_cast<uint8_t>(promotion.bin);
      }
      if (first == last) continue;
      bucket_medians(
          first, last, cells, size_t(G) * W,
          [&](uint64_t c) { return size_t(table.store_group[cells.store[c]]) * W + cells.week[c]; },
          table.group_actual.data() + size_t(p) * G * W,
          table.group_base.data() + size_t(p) * G * W, scratch);
      fill_groups_from_formats(first, last, cells, store_format, group_format, F, W,
                               table.group_actual.data() + size_t(p) * G * W,
                               table.group_base.data() + size_t(p) * G * W, scratch);
      bucket_medians(
          first, last, cells, size_t(W), [&](uint64_t c) { return size_t(cells.week[c]); },
          table.global_actual.data() + size_t(p) * W, table.global_base.data() + size_t(p) * W,
          scratch);
      int32_t last_sold = -1;
      for (int32_t w = 0; w < W; ++w) {
        if (!std::isnan(table.global_actual[size_t(p) * W + w])) last_sold = w;
        table.last_sold_week[size_t(p) * W + w] = last_sold;
      }
      scratch.actual.assign(cells.actual_price.begin() + first, cells.actual_price.begin() + last);
      std::span<float> prices(scratch.actual);
      table.price_low[p] = static_cast<float>(quantile_inplace(prices, config.bound_low_quantile));
      table.price_high[p] =
          static_cast<float>(quantile_inplace(prices, config.bound_high_quantile));
    }
  });
  table.cells = std::move(cells);
  return table;
}

int64_t PriceTable::find_cell(int32_t product, int32_t store, int32_t week) const {
  const size_t series = size_t(product) * dims.n_stores + store;
  const uint64_t* mask = series_mask.data() + series * words_per_series;
  const int word = week >> 6, bit = week & 63;
  if (!((mask[word] >> bit) & 1)) return -1;
  uint64_t rank = static_cast<uint64_t>(std::popcount(mask[word] & ((uint64_t{1} << bit) - 1)));
  for (int k = 0; k < word; ++k) rank += static_cast<uint64_t>(std::popcount(mask[k]));
  return static_cast<int64_t>(series_start[series] + rank);
}

PriceLookup PriceTable::lookup(int32_t product, int32_t store, int32_t week) const {
  PriceLookup result;
  if (const int64_t c = find_cell(product, store, week); c >= 0) {
    result.actual_price = cells.actual_price[c];
    result.base_price = cells.base_price[c];
    result.level = PriceLevel::kObserved;
    return result;
  }
  const int32_t W = dims.n_weeks;
  auto from_fallbacks = [&](int32_t w, PriceLookup& out) {
    const size_t g = (size_t(product) * n_groups + store_group[store]) * W + w;
    if (!std::isnan(group_actual[g])) {
      out.actual_price = group_actual[g];
      out.base_price = group_base[g];
      out.level = PriceLevel::kFormatRegion;
      return true;
    }
    const size_t pw = size_t(product) * W + w;
    if (!std::isnan(global_actual[pw])) {
      out.actual_price = global_actual[pw];
      out.base_price = global_base[pw];
      out.level = PriceLevel::kGlobal;
      return true;
    }
    return false;
  };
  if (from_fallbacks(week, result)) return result;
  // The product sold nowhere this week: carry this store's price from the last week it sold
  // anywhere (then that store's cell is observed or has a fallback).
  const int32_t source = last_sold_week[size_t(product) * W + week];
  if (source < 0) return result;
  if (const int64_t c = find_cell(product, store, source); c >= 0) {
    result.actual_price = cells.actual_price[c];
    result.base_price = cells.base_price[c];
  } else {
    from_fallbacks(source, result);
  }
  result.level = PriceLevel::kForwardFill;
  return result;
}

std::vector<uint64_t> PriceTable::level_counts() const {
  const int32_t P = dims.n_products, S = dims.n_stores, W = dims.n_weeks, G = n_groups;
  std::vector<uint64_t> stores_in_group(G, 0);
  for (int32_t s = 0; s < S; ++s) ++stores_in_group[store_group[s]];
  struct Local {
    std::vector<uint64_t> counts = std::vector<uint64_t>(5, 0);
    std::vector<uint32_t> observed;  // per (group, week) of one product
  };
  tbb::enumerable_thread_specific<Local> locals;
  tbb::parallel_for(tbb::blocked_range<int32_t>(0, P, 1), [&](const auto& range) {
    Local& local = locals.local();
    for (int32_t p = range.begin(); p != range.end(); ++p) {
      local.observed.assign(size_t(G) * W, 0);
      for (uint64_t c = cells.product_offsets[p]; c < cells.product_offsets[p + 1]; ++c) {
        ++local.observed[size_t(store_group[cells.store[c]]) * W + cells.week[c]];
      }
      for (int32_t w = 0; w < W; ++w) {
        const bool global = !std::isnan(global_actual[size_t(p) * W + w]);
        const bool filled = last_sold_week[size_t(p) * W + w] >= 0;
        for (int32_t g = 0; g < G; ++g) {
          const uint64_t seen = local.observed[size_t(g) * W + w];
          const uint64_t missing = stores_in_group[g] - seen;
          local.counts[0] += seen;
          // A group with a median (its own cells' or its format's fallback): its other stores
          // fall back to it.
          const bool grouped = !std::isnan(group_actual[(size_t(p) * G + g) * W + w]);
          const int level = grouped ? 1 : global ? 2 : filled ? 3 : 4;
          local.counts[level] += missing;
        }
      }
    }
  });
  std::vector<uint64_t> total(5, 0);
  for (const Local& local : locals) {
    for (int k = 0; k < 5; ++k) total[k] += local.counts[k];
  }
  return total;
}

DensePrices dense_prices(const PriceTable& table, const PriceConfig& config) {
  const int32_t P = table.dims.n_products, S = table.dims.n_stores, W = table.dims.n_weeks;
  const uint64_t n = uint64_t(P) * S * W;
  if (n > static_cast<uint64_t>(config.dense_max_cells)) {
    fail("dense price grid of {} cells exceeds dense_max_cells = {}", n, config.dense_max_cells);
  }
  DensePrices dense;
  dense.actual_price.resize(n);
  dense.base_price.resize(n);
  dense.level.resize(n);
  dense.promo_flag.resize(n);
  tbb::parallel_for(tbb::blocked_range<int32_t>(0, P, 1), [&](const auto& range) {
    for (int32_t p = range.begin(); p != range.end(); ++p) {
      for (int32_t s = 0; s < S; ++s) {
        for (int32_t w = 0; w < W; ++w) {
          const size_t at = (size_t(p) * S + s) * W + w;
          const PriceLookup found = table.lookup(p, s, w);
          dense.actual_price[at] = found.actual_price;
          dense.base_price[at] = found.base_price;
          dense.level[at] = static_cast<uint8_t>(found.level);
          dense.promo_flag[at] = promotion_of(found.actual_price, found.base_price, config).promo;
        }
      }
    }
  });
  return dense;
}

std::vector<uint8_t> row_promo_flags(const PriceTable& table, const PriceRows& rows,
                                     const PriceConfig& config) {
  std::vector<uint8_t> flags(rows.size(), 0);
  tbb::parallel_for(tbb::blocked_range<size_t>(0, rows.size(), 1 << 14), [&](const auto& range) {
    for (size_t i = range.begin(); i != range.end(); ++i) {
      const PriceLookup found = table.lookup(rows.product[i], rows.store[i], rows.week[i]);
      flags[i] = promotion_of(found.actual_price, found.base_price, config).promo ? 1 : 0;
    }
  });
  return flags;
}

std::vector<std::string> write_price_table(const PriceTable& table, const fs::path& dir) {
  const PriceDims& d = table.dims;
  const uint64_t P = d.n_products, W = d.n_weeks, G = table.n_groups;
  std::vector<std::string> names;
  auto put = [&](const std::string& name, const auto& values, std::vector<uint64_t> shape) {
    write_npy(dir / name, values, std::move(shape));
    names.push_back(name);
  };
  const PriceCells& c = table.cells;
  put("cell_product.npy", c.product, {});
  put("cell_store.npy", c.store, {});
  put("cell_week.npy", c.week, {});
  put("cell_actual_price.npy", c.actual_price, {});
  put("cell_base_price.npy", c.base_price, {});
  put("cell_n_rows.npy", c.n_rows, {});
  put("cell_discount_depth.npy", table.discount_depth, {});
  put("cell_promo_flag.npy", table.promo_flag, {});
  put("cell_discount_bin.npy", table.discount_bin, {});
  put("product_cell_offsets.npy", c.product_offsets, {});
  put("store_group.npy", table.store_group, {});
  put("group_actual_price.npy", table.group_actual, {P, G, W});
  put("group_base_price.npy", table.group_base, {P, G, W});
  put("global_actual_price.npy", table.global_actual, {P, W});
  put("global_base_price.npy", table.global_base, {P, W});
  put("last_sold_week.npy", table.last_sold_week, {P, W});
  put("price_low.npy", table.price_low, {});
  put("price_high.npy", table.price_high, {});
  return names;
}

PriceTable read_price_table(const fs::path& dir) {
  PriceTable table;
  PriceCells& c = table.cells;
  c.product = read_npy<int32_t>(dir / "cell_product.npy");
  c.store = read_npy<int32_t>(dir / "cell_store.npy");
  c.week = read_npy<int32_t>(dir / "cell_week.npy");
  c.actual_price = read_npy<float>(dir / "cell_actual_price.npy");
  c.base_price = read_npy<float>(dir / "cell_base_price.npy");
  c.product_offsets = read_npy<uint64_t>(dir / "product_cell_offsets.npy");
  table.discount_depth = read_npy<float>(dir / "cell_discount_depth.npy");
  table.promo_flag = read_npy<uint8_t>(dir / "cell_promo_flag.npy");
  table.discount_bin = read_npy<uint8_t>(dir / "cell_discount_bin.npy");
  table.store_group = read_npy<int32_t>(dir / "store_group.npy");
  table.group_actual = read_npy<float>(dir / "group_actual_price.npy");
  table.group_base = read_npy<float>(dir / "group_base_price.npy");
  table.global_actual = read_npy<float>(dir / "global_actual_price.npy");
  table.global_base = read_npy<float>(dir / "global_base_price.npy");
  table.last_sold_week = read_npy<int32_t>(dir / "last_sold_week.npy");
  table.price_low = read_npy<float>(dir / "price_low.npy");
  table.price_high = read_npy<float>(dir / "price_high.npy");
  const std::vector<uint64_t> global_shape = read_npy_info(dir / "global_actual_price.npy").shape;
  const std::vector<uint64_t> group_shape = read_npy_info(dir / "group_actual_price.npy").shape;
  if (global_shape.size() != 2 || group_shape.size() != 3 || c.product_offsets.empty()) {
    fail("{}: the fallback tables are not [products, weeks] and [products, groups, weeks]",
         dir.string());
  }
  const size_t n = c.product.size();
  const size_t P = c.product_offsets.size() - 1, W = global_shape[1], G = group_shape[1];
  const size_t S = table.store_group.size();
  if (global_shape[0] != P || group_shape[0] != P || group_shape[2] != W ||
      c.product_offsets.back() != n || c.store.size() != n || c.week.size() != n ||
      c.actual_price.size() != n || c.base_price.size() != n || table.promo_flag.size() != n ||
      table.discount_depth.size() != n || table.discount_bin.size() != n ||
      table.last_sold_week.size() != P * W || table.price_low.size() != P || S == 0 || W == 0) {
    fail("{}: the price table's files do not agree in size (rebuild it with retailsim derive)",
         dir.string());
  }
  table.dims = PriceDims{static_cast<int32_t>(P), static_cast<int32_t>(S), static_cast<int32_t>(W)};
  table.n_groups = static_cast<int32_t>(G);
  table.words_per_series = static_cast<int32_t>((W + 63) / 64);
  table.series_start.assign(P * S, 0);
  table.series_mask.assign(P * S * size_t(table.words_per_series), 0);
  tbb::parallel_for(tbb::blocked_range<size_t>(0, P, 16), [&](const auto& range) {
    for (size_t p = range.begin(); p != range.end(); ++p) {
      for (uint64_t k = c.product_offsets[p]; k < c.product_offsets[p + 1]; ++k) {
        if (c.store[k] < 0 || size_t(c.store[k]) >= S || c.week[k] < 0 || size_t(c.week[k]) >= W) {
          fail("{}: cell {} is outside {} stores and {} weeks", dir.string(), k, S, W);
        }
        const size_t series = p * S + size_t(c.store[k]);
        if (k == c.product_offsets[p] || c.store[k - 1] != c.store[k]) {
          table.series_start[series] = k;
        }
        const int32_t w = c.week[k];
        table.series_mask[series * table.words_per_series + (w >> 6)] |= uint64_t{1} << (w & 63);
      }
    }
  });
  return table;
}

}  // namespace retailsim::derive
