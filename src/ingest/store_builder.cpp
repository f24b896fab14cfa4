// The store builder: global dictionaries, cross-file checks, sorting and writing of every column.
#include "ingest/store_builder.h"

#include <tbb/parallel_sort.h>
#include <tbb/task_group.h>

#include <algorithm>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <limits>
#include <map>
#include <mutex>
#include <unordered_map>

#include <fmt/format.h>

#include "core/error.h"
#include "core/npy.h"
#include "ingest/lgsr_schema.h"

namespace retailsim::ingest {

namespace {

// Codes in sorted order with a lookup from code to id.
struct SortedDict {
  std::vector<std::string> codes;
  std::unordered_map<std::string_view, int32_t> ids;  // views into codes
  void build(std::vector<std::string> all) {
    std::sort(all.begin(), all.end());
    all.erase(std::unique(all.begin(), all.end()), all.end());
    codes = std::move(all);
    ids.reserve(codes.size());
    for (size_t i = 0; i < codes.size(); ++i) ids.emplace(codes[i], static_cast<int32_t>(i));
  }
  int32_t at(std::string_view code) const { return ids.at(code); }
};

struct Ref {
  int32_t file;
  int32_t local;
};

struct BasketKey {
  int32_t shop_date;
  int64_t basket_id;
  int32_t file;
  int32_t local;
  int16_t week_index;
  int8_t hour;
};

// Hands freed heap pages back to the system. The files' many small row vectors sit in malloc's
// arenas, so freeing them alone would not lower the resident size the output is built on top of.
void release_free_heap() {
#ifdef __GLIBC__
  malloc_trim(0);
#endif
}

bool basket_before(const BasketKey& a, const BasketKey& b) {
  if (a.week_index != b.week_index) return a.week_index < b.week_index;
  if (a.shop_date != b.shop_date) return a.shop_date < b.shop_date;
  if (a.hour != b.hour) return a.hour < b.hour;
  if (a.basket_id != b.basket_id) return a.basket_id < b.basket_id;
  if (a.file != b.file) return a.file < b.file;
  return a.local < b.local;
}

// Writes store files and records their dtype and shape; calls the hook after each.
class ColumnWriter {
 public:
  ColumnWriter(const fs::path& dir, const FileWrittenHook& hook, Json& columns)
      : dir_(dir), hook_(hook), out_(columns) {}
  // Records the columns in name order (they are written in parallel, in any order).
  void record_columns() {
    for (const auto& [name, info] : columns_) out_[name] = info;
  }

  template <typename T>
  void write(const std::string& name, const std::vector<T>& values) {
    write_npy(dir_ / (name + ".npy"), values);
    done(name, npy_dtype<T>(), values.size());
  }
  void write_strings(const std::string& name, const std::vector<std::string>& values) {
    write_npy_strings(dir_ / (name + ".npy"), values);
    done(name, read_npy_info(dir_ / (name + ".npy")).dtype, values.size());
  }
  void done(const std::string& name, const std::string& dtype, uint64_t n) {
    std::lock_guard lock(mutex_);
    columns_[name] = Json{{"dtype", dtype}, {"shape", Json::array({n})}};
    if (hook_) hook_(name + ".npy");
  }
  const fs::path& dir() const { return dir_; }

 private:
  fs::path dir_;
  const FileWrittenHook& hook_;
  std::map<std::string, Json> columns_;
  Json& out_;
  std::mutex mutex_;
};

}  // namespace

StoreFigures build_store(std::vector<FileTable>& files, const Calendar& calendar,
                         const fs::path& dir, const FileWrittenHook& on_file_written) {
  StoreFigures fig;
  const size_t n_files = files.size();

  // One shop week must come from one file: two files holding the same week are almost always the
  // same data twice (e.g. a re-saved copy), which would double every count of that week.
  std::vector<int32_t> week_owner(calendar.size(), -1);
  for (const auto& t : files) {
    for (size_t w = 0; w < t.has_week.size(); ++w) {
      if (!t.has_week[w]) continue;
      if (week_owner[w] >= 0) {
        fail(
            "{} and {} both hold rows of shop week {}: each week must come from one file "
            "(remove the duplicate file from the raw folder)",
            files[static_cast<size_t>(week_owner[w])].name, t.name, calendar.at(w).shop_week);
      }
      week_owner[w] = t.file_index;
    }
  }

  // Products and stores: the reference is the variant (attributes) of the earliest row in (file
  // name, line) order; variants are kept in first-line order within a file. Customers: the first
  // file's first row.
  std::unordered_map<std::string_view, Ref> product_ref;
  std::unordered_map<std::string_view, Ref> store_ref;
  std::unordered_map<std::string_view, Ref> customer_ref;
  for (size_t f = 0; f < n_files; ++f) {
    const auto& t = files[f];
    for (size_t i = 0; i < t.product_variants.size(); ++i) {
      product_ref.try_emplace(t.products.code(static_cast<size_t>(t.product_variants[i].product)),
                              Ref{int32_t(f), int32_t(i)});
    }
    for (size_t i = 0; i < t.store_variants.size(); ++i) {
      store_ref.try_emplace(t.stores.code(static_cast<size_t>(t.store_variants[i].store)),
                            Ref{int32_t(f), int32_t(i)});
    }
    for (size_t i = 0; i < t.customers.size(); ++i) {
      customer_ref.try_emplace(t.customers.code(i), Ref{int32_t(f), int32_t(i)});
    }
  }
  auto keys = [](const auto& map) {
    std::vector<std::string> out;
    out.reserve(map.size());
    for (const auto& [code, ref] : map) out.emplace_back(code);
    return out;
  };
  SortedDict products, stores, customers;
  products.build(keys(product_ref));
  stores.build(keys(store_ref));
  customers.build(keys(customer_ref));
  if (stores.codes.size() > static_cast<size_t>(std::numeric_limits<int16_t>::max())) {
    fail("{} stores: more than the int16 store_id column can hold", stores.codes.size());
  }

  auto product_variant = [&](const Ref& r) -> const FileTable::ProductVariant& {
    return files[static_cast<size_t>(r.file)].product_variants[static_cast<size_t>(r.local)];
  };
  auto store_variant = [&](const Ref& r) -> const FileTable::StoreVariant& {
    return files[static_cast<size_t>(r.file)].store_variants[static_cast<size_t>(r.local)];
  };
  auto parent_code = [&](const Ref& r, int level) {
    return files[static_cast<size_t>(r.file)].parent_codes[level].code(
        static_cast<size_t>(product_variant(r).parents[static_cast<size_t>(level)]));
  };
  auto region_code = [&](const Ref& r) {
    return files[static_cast<size_t>(r.file)].regions.code(
        static_cast<size_t>(store_variant(r).region));
  };
  auto format_of = [&](const Ref& r) { return store_variant(r).format; };

  std::array<SortedDict, 4> parents;
  for (int level = 0; level < 4; ++level) {
    std::vector<std::string> all;
    for (const auto& [code, ref] : product_ref) all.emplace_back(parent_code(ref, level));
    parents[level].build(std::move(all));
  }
  SortedDict regions;
  {
    std::vector<std::string> all;
    for (const auto& [code, ref] : store_ref) all.emplace_back(region_code(ref));
    regions.build(std::move(all));
  }

  // Local variant -> global id; -1 marks a variant that differs from its reference (its rows are
  // quarantined).
  std::vector<std::vector<int32_t>> product_map(n_files), store_map(n_files), customer_map(n_files);
  std::vector<uint8_t> customer_varies(customers.codes.size(), 0);
  static constexpr Field kParentFields[4] = {Field::kProdCode10, Field::kProdCode20,
                                             Field::kProdCode30, Field::kProdCode40};
  std::vector<QuarantineEntry> cross_file;
  for (size_t f = 0; f < n_files; ++f) {
    FileTable& t = files[f];
    std::vector<int> product_bad_level(t.product_variants.size(), -1);
    std::vector<int> store_bad_field(t.store_variants.size(), -1);  // 0 format, 1 region
    product_map[f].resize(t.product_variants.size());
    for (size_t i = 0; i < t.product_variants.size(); ++i) {
      std::string_view code = t.products.code(static_cast<size_t>(t.product_variants[i].product));
      const Ref& ref = product_ref.at(code);
      product_map[f][i] = products.at(code);
      for (int level = 0; level < 4; ++level) {
        if (parent_code(Ref{int32_t(f), int32_t(i)}, level) != parent_code(ref, level)) {
          product_bad_level[i] = level;
          product_map[f][i] = -1;
          break;
        }
      }
    }
    store_map[f].resize(t.store_variants.size());
    for (size_t i = 0; i < t.store_variants.size(); ++i) {
      std::string_view code = t.stores.code(static_cast<size_t>(t.store_variants[i].store));
      const Ref& ref = store_ref.at(code);
      store_map[f][i] = stores.at(code);
      Ref here{int32_t(f), int32_t(i)};
      if (format_of(here) != format_of(ref))
        store_bad_field[i] = 0;
      else if (region_code(here) != region_code(ref))
        store_bad_field[i] = 1;
      if (store_bad_field[i] >= 0) store_map[f][i] = -1;
    }
    customer_map[f].resize(t.customers.size());
    for (size_t i = 0; i < t.customers.size(); ++i) {
      std::string_view code = t.customers.code(i);
      const Ref& ref = customer_ref.at(code);
      int32_t g = customers.at(code);
      customer_map[f][i] = g;
      const FileTable& rt = files[static_cast<size_t>(ref.file)];
      if (t.customer_segments_vary[i] ||
          t.customer_seg_1[i] != rt.customer_seg_1[static_cast<size_t>(ref.local)] ||
          t.customer_seg_2[i] != rt.customer_seg_2[static_cast<size_t>(ref.local)]) {
        customer_varies[static_cast<size_t>(g)] = 1;
      }
    }

    // Quarantine the rows of product and store variants that are not the reference.
    bool any_bad =
        std::any_of(product_map[f].begin(), product_map[f].end(),
                    [](int32_t g) { return g < 0; }) ||
        std::any_of(store_map[f].begin(), store_map[f].end(), [](int32_t g) { return g < 0; });
    if (!any_bad) continue;
    auto where = [&](const Ref& ref, int64_t line) {
      return ref.file == int32_t(f)
                 ? fmt::format("line {}", line)
                 : fmt::format("{} line {}", files[static_cast<size_t>(ref.file)].name, line);
    };
    // Rows are grouped by basket; dropping some keeps the grouping, with new offsets.
    size_t kept = 0;
    size_t row = 0;
    for (size_t b = 0; b < t.baskets.size(); ++b) {
      const size_t basket_end = static_cast<size_t>(t.basket_row_offsets[b + 1]);
      t.basket_row_offsets[b] = static_cast<int32_t>(kept);
      const int32_t local_store = t.baskets[b].store;
      for (; row < basket_end; ++row) {
        const size_t r = row;
        int32_t variant = t.row_product[r];
        QuarantineEntry e;
        e.file = int32_t(f);
        e.line = t.row_line[r];
        auto locate = [&](Field field) {
          int position = t.layout.position[static_cast<int>(field)];
          e.column = position + 1;
          e.column_name = t.layout.names[static_cast<size_t>(position)];
        };
        if (int level = product_bad_level[static_cast<size_t>(variant)]; level >= 0) {
          std::string_view code = t.products.code(
              static_cast<size_t>(t.product_variants[static_cast<size_t>(variant)].product));
          const Ref& ref = product_ref.at(code);
          e.reason = Reason::kProductParentsMismatch;
          locate(kParentFields[level]);
          e.value.assign(parent_code(Ref{int32_t(f), variant}, level));
          e.detail = fmt::format("product {} has {} {} on its first row ({})", code,
                                 field_name(kParentFields[level]), parent_code(ref, level),
                                 where(ref, product_variant(ref).first_line));
          cross_file.push_back(std::move(e));
          continue;
        }
        if (int which = store_bad_field[static_cast<size_t>(local_store)]; which >= 0) {
          std::string_view code = t.stores.code(
              static_cast<size_t>(t.store_variants[static_cast<size_t>(local_store)].store));
          const Ref& ref = store_ref.at(code);
          Ref here{int32_t(f), local_store};
          e.reason = Reason::kStoreAttributeMismatch;
          locate(which == 0 ? Field::kStoreFormat : Field::kStoreRegion);
          const auto& formats = vocabulary_codes(Vocabulary::kStoreFormat);
          e.value = which == 0 ? formats[static_cast<size_t>(format_of(here))]
                               : std::string(region_code(here));
          e.detail = fmt::format("store {} has {} {} on its first row ({})", code,
                                 which == 0 ? "STORE_FORMAT" : "STORE_REGION",
                                 which == 0 ? formats[static_cast<size_t>(format_of(ref))]
                                            : std::string(region_code(ref)),
                                 where(ref, store_variant(ref).first_line));
          cross_file.push_back(std::move(e));
          continue;
        }
        t.row_product[kept] = t.row_product[r];
        t.row_quantity[kept] = t.row_quantity[r];
        t.row_spend_cents[kept] = t.row_spend_cents[r];
        t.row_line[kept] = t.row_line[r];
        ++kept;
      }
    }
    t.basket_row_offsets[t.baskets.size()] = static_cast<int32_t>(kept);
    t.row_product.resize(kept);
    t.row_quantity.resize(kept);
    t.row_spend_cents.resize(kept);
    t.row_line.resize(kept);
  }

  // Line numbers were only needed to quarantine; free them before the output is built.
  for (auto& t : files) std::vector<uint32_t>().swap(t.row_line);
  release_free_heap();

  // Baskets holding at least one stored row, in time order: week, date, hour, BASKET_ID.
  std::vector<BasketKey> order;
  for (size_t f = 0; f < n_files; ++f) {
    const auto& t = files[f];
    for (size_t b = 0; b < t.baskets.size(); ++b) {
      if (t.basket_row_offsets[b + 1] == t.basket_row_offsets[b]) continue;
      const FileBasket& fb = t.baskets[b];
      order.push_back({fb.shop_date, fb.basket_id, int32_t(f), int32_t(b), fb.week_index, fb.hour});
    }
  }
  tbb::parallel_sort(order.begin(), order.end(), basket_before);
  if (order.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    fail("{} baskets: more than the int32 basket_index column can hold", order.size());
  }
  {
    std::vector<std::pair<int64_t, int32_t>> ids;
    ids.reserve(order.size());
    for (const auto& k : order) {
      if (k.basket_id >= 0) ids.emplace_back(k.basket_id, k.file);
    }
    tbb::parallel_sort(ids.begin(), ids.end());
    for (size_t i = 1; i < ids.size(); ++i) {
      if (ids[i].first == ids[i - 1].first) {
        fail("BASKET_ID {} appears in both {} and {}: a basket must come from one file",
             ids[i].first, files[static_cast<size_t>(ids[i - 1].second)].name,
             files[static_cast<size_t>(ids[i].second)].name);
      }
    }
  }

  const size_t n_baskets = order.size();
  auto basket_of = [&](const BasketKey& k) -> const FileBasket& {
    return files[static_cast<size_t>(k.file)].baskets[static_cast<size_t>(k.local)];
  };
  auto global_customer = [&](const BasketKey& k) {
    int32_t c = basket_of(k).customer;
    return c < 0 ? -1 : customer_map[static_cast<size_t>(k.file)][static_cast<size_t>(c)];
  };
  auto global_store = [&](const BasketKey& k) {
    return static_cast<int16_t>(
        store_map[static_cast<size_t>(k.file)][static_cast<size_t>(basket_of(k).store)]);
  };

  ColumnWriter out(dir, on_file_written, fig.columns);

  // Row columns, streamed basket by basket (each column one pass, columns in parallel).
  auto row_column = [&]<typename T>(const std::string& name, T /*type tag*/, auto value) {
    NpyStreamWriter<T> writer(dir / (name + ".npy"));
    std::vector<T> buffer;
    buffer.reserve(1 << 18);
    for (size_t g = 0; g < n_baskets; ++g) {
      const BasketKey& k = order[g];
      const FileTable& t = files[static_cast<size_t>(k.file)];
      for (int32_t i = t.basket_row_offsets[static_cast<size_t>(k.local)];
           i < t.basket_row_offsets[static_cast<size_t>(k.local) + 1]; ++i) {
        buffer.push_back(value(t, k, static_cast<int32_t>(g), static_cast<size_t>(i)));
        if (buffer.size() == buffer.capacity()) {
          writer.append(buffer);
          buffer.clear();
        }
      }
    }
    writer.append(buffer);
    uint64_t n = writer.size();
    writer.finish();
    out.done(name, npy_dtype<T>(), n);
  };
  tbb::task_group group;
  group.run([&] {
    row_column("week_index", int16_t{},
               [](const FileTable&, const BasketKey& k, int32_t, size_t) { return k.week_index; });
  });
  group.run([&] {
    row_column("basket_index", int32_t{},
               [](const FileTable&, const BasketKey&, int32_t g, size_t) { return g; });
  });
  group.run([&] {
    row_column(
        "product_id", int32_t{}, [&](const FileTable& t, const BasketKey& k, int32_t, size_t r) {
          return product_map[static_cast<size_t>(k.file)][static_cast<size_t>(t.row_product[r])];
        });
  });
  group.run([&] {
    row_column("store_id", int16_t{}, [&](const FileTable&, const BasketKey& k, int32_t, size_t) {
      return global_store(k);
    });
  });
  group.run([&] {
    row_column(
        "customer_id", int32_t{},
        [&](const FileTable&, const BasketKey& k, int32_t, size_t) { return global_customer(k); });
  });
  group.run([&] {
    row_column("quantity", int32_t{}, [](const FileTable& t, const BasketKey&, int32_t, size_t r) {
      return t.row_quantity[r];
    });
  });
  group.run([&] {
    row_column("spend_cents", int32_t{},
               [](const FileTable& t, const BasketKey&, int32_t, size_t r) {
                 return t.row_spend_cents[r];
               });
  });
  group.wait();

  // The row columns are written: free the files' rows before the basket tables are built.
  std::vector<uint64_t> rows_stored_per_file(n_files);
  for (size_t f = 0; f < n_files; ++f) {
    FileTable& t = files[f];
    rows_stored_per_file[f] = t.rows_stored();
    std::vector<int32_t>().swap(t.row_product);
    std::vector<int32_t>().swap(t.row_quantity);
    std::vector<int32_t>().swap(t.row_spend_cents);
  }
  release_free_heap();

  // Basket table.
  {
    std::vector<int64_t> basket_id(n_baskets), offsets(n_baskets + 1, 0);
    std::vector<int16_t> week(n_baskets), store(n_baskets);
    std::vector<int32_t> date(n_baskets), customer(n_baskets);
    std::vector<int8_t> weekday(n_baskets), hour(n_baskets), size(n_baskets),
        price_sensitivity(n_baskets), type(n_baskets), mission(n_baskets);
    std::vector<uint8_t> flags(n_baskets);
    fig.date_from = n_baskets ? std::numeric_limits<int32_t>::max() : 0;
    for (size_t g = 0; g < n_baskets; ++g) {
      const BasketKey& k = order[g];
      const FileBasket& b = basket_of(k);
      const FileTable& t = files[static_cast<size_t>(k.file)];
      int64_t n_rows = t.basket_row_offsets[static_cast<size_t>(k.local) + 1] -
                       t.basket_row_offsets[static_cast<size_t>(k.local)];
      offsets[g + 1] = offsets[g] + n_rows;
      basket_id[g] = b.basket_id;
      week[g] = b.week_index;
      date[g] = b.shop_date;
      weekday[g] = b.weekday;
      hour[g] = b.hour;
      customer[g] = global_customer(k);
      store[g] = global_store(k);
      size[g] = b.size;
      price_sensitivity[g] = b.price_sensitivity;
      type[g] = b.type;
      mission[g] = b.mission;
      flags[g] = b.flags;
      fig.date_from = std::min(fig.date_from, b.shop_date);
      fig.date_to = std::max(fig.date_to, b.shop_date);
      if (b.flags & kBasketAnonymous) {
        ++fig.anonymous_baskets;
        fig.anonymous_rows += static_cast<uint64_t>(n_rows);
      }
      if (b.flags & kBasketReconstructed) ++fig.reconstructed_baskets;
    }
    fig.rows_stored = static_cast<uint64_t>(offsets.back());
    out.write("basket_id", basket_id);
    out.write("basket_row_offsets", offsets);
    out.write("basket_week_index", week);
    out.write("basket_date", date);
    out.write("basket_weekday", weekday);
    out.write("basket_hour", hour);
    out.write("basket_customer_id", customer);
    out.write("basket_store_id", store);
    out.write("basket_size", size);
    out.write("basket_price_sensitivity", price_sensitivity);
    out.write("basket_type", type);
    out.write("basket_mission", mission);
    out.write("basket_flags", flags);

    // Customer -> baskets in time order (the basket order is time order).
    std::vector<int64_t> customer_offsets(customers.codes.size() + 1, 0);
    for (int32_t c : customer) {
      if (c >= 0) ++customer_offsets[static_cast<size_t>(c) + 1];
    }
    for (size_t i = 1; i < customer_offsets.size(); ++i)
      customer_offsets[i] += customer_offsets[i - 1];
    std::vector<int32_t> customer_baskets(static_cast<size_t>(customer_offsets.back()));
    std::vector<int64_t> next(customer_offsets.begin(), customer_offsets.end() - 1);
    for (size_t g = 0; g < n_baskets; ++g) {
      if (customer[g] >= 0) {
        customer_baskets[static_cast<size_t>(next[static_cast<size_t>(customer[g])]++)] =
            static_cast<int32_t>(g);
      }
    }
    out.write("customer_basket_offsets", customer_offsets);
    out.write("customer_baskets", customer_baskets);
  }

  // Attribute tables and dictionaries.
  {
    std::array<std::vector<int32_t>, 4> parent_ids;
    for (auto& p : parent_ids) p.resize(products.codes.size());
    for (size_t g = 0; g < products.codes.size(); ++g) {
      const Ref& ref = product_ref.at(products.codes[g]);
      for (int level = 0; level < 4; ++level) {
        parent_ids[level][g] = parents[level].at(parent_code(ref, level));
      }
    }
    out.write_strings("product_code", products.codes);
    static const char* kLevels[4] = {"10", "20", "30", "40"};
    for (int level = 0; level < 4; ++level) {
      out.write(fmt::format("product_parent_{}", kLevels[level]), parent_ids[level]);
      out.write_strings(fmt::format("product_parent_{}_code", kLevels[level]),
                        parents[level].codes);
    }

    std::vector<int8_t> format(stores.codes.size());
    std::vector<int16_t> region(stores.codes.size());
    for (size_t g = 0; g < stores.codes.size(); ++g) {
      const Ref& ref = store_ref.at(stores.codes[g]);
      format[g] = format_of(ref);
      region[g] = static_cast<int16_t>(regions.at(region_code(ref)));
    }
    out.write_strings("store_code", stores.codes);
    out.write("store_format", format);
    out.write("store_region", region);
    out.write_strings("store_region_code", regions.codes);

    std::vector<int8_t> seg_1(customers.codes.size()), seg_2(customers.codes.size());
    for (size_t g = 0; g < customers.codes.size(); ++g) {
      const Ref& ref = customer_ref.at(customers.codes[g]);
      const FileTable& t = files[static_cast<size_t>(ref.file)];
      seg_1[g] = t.customer_seg_1[static_cast<size_t>(ref.local)];
      seg_2[g] = t.customer_seg_2[static_cast<size_t>(ref.local)];
    }
    out.write_strings("customer_code", customers.codes);
    out.write("customer_seg_1", seg_1);
    out.write("customer_seg_2", seg_2);
    fig.customers_with_varying_segments =
        static_cast<uint64_t>(std::count(customer_varies.begin(), customer_varies.end(), 1));

    out.write_strings("customer_seg_1_code", vocabulary_codes(Vocabulary::kSeg1));
    out.write_strings("customer_seg_2_code", vocabulary_codes(Vocabulary::kSeg2));
    out.write_strings("basket_size_code", vocabulary_codes(Vocabulary::kBasketSize));
    out.write_strings("basket_price_sensitivity_code",
                      vocabulary_codes(Vocabulary::kBasketPriceSensitivity));
    out.write_strings("basket_type_code", vocabulary_codes(Vocabulary::kBasketType));
    out.write_strings("basket_mission_code", vocabulary_codes(Vocabulary::kBasketMission));
    out.write_strings("store_format_code", vocabulary_codes(Vocabulary::kStoreFormat));

    std::vector<int32_t> shop_week(calendar.size()), date_from(calendar.size()),
        date_to(calendar.size());
    for (size_t w = 0; w < calendar.size(); ++w) {
      shop_week[w] = calendar.at(w).shop_week;
      date_from[w] = calendar.at(w).date_from;
      date_to[w] = calendar.at(w).date_to;
    }
    out.write("calendar_shop_week", shop_week);
    out.write("calendar_date_from", date_from);
    out.write("calendar_date_to", date_to);
  }

  out.record_columns();

  // Quarantine, in (file, line) order.
  std::vector<QuarantineEntry> quarantine;
  std::vector<std::string> names;
  for (auto& t : files) {
    names.push_back(t.name);
    for (auto& e : t.quarantine) quarantine.push_back(std::move(e));
    t.quarantine.clear();
  }
  for (auto& e : cross_file) quarantine.push_back(std::move(e));
  std::stable_sort(quarantine.begin(), quarantine.end(),
                   [](const QuarantineEntry& a, const QuarantineEntry& b) {
                     return a.file != b.file ? a.file < b.file : a.line < b.line;
                   });
  write_quarantine_csv(dir / "quarantine.csv", quarantine, names);
  if (on_file_written) on_file_written("quarantine.csv");

  // Figures.
  std::vector<uint64_t> quarantined_per_file(n_files, 0);
  for (const auto& e : quarantine) {
    ++fig.quarantined_by_reason[static_cast<size_t>(e.reason)];
    ++quarantined_per_file[static_cast<size_t>(e.file)];
  }
  fig.rows_quarantined = quarantine.size();
  for (size_t f = 0; f < n_files; ++f) {
    const FileTable& t = files[f];
    fig.rows_read += t.rows_read;
    fig.blank_lines += t.blank_lines;
    Json weeks = Json::array();
    for (size_t w = 0; w < t.has_week.size(); ++w) {
      if (t.has_week[w]) weeks.push_back(calendar.at(w).shop_week);
    }
    uint64_t reconstructed = 0;
    for (const auto& b : t.baskets) reconstructed += (b.flags & kBasketReconstructed) ? 1 : 0;
    fig.files.push_back(
        {{"name", t.name},
         {"header_variant", t.layout.variant == HeaderVariant::kOld ? "old" : "current"},
         {"input_bytes", t.input_bytes},
         {"rows_read", t.rows_read},
         {"rows_stored", rows_stored_per_file[f]},
         {"rows_quarantined", quarantined_per_file[f]},
         {"blank_lines", t.blank_lines},
         {"shop_weeks", weeks},
         {"damaged_basket_id_rows", t.reconstructed_rows},
         {"reconstructed_baskets", reconstructed},
         {"ignored_columns", t.layout.ignored}});
  }
  for (size_t w = 0; w < week_owner.size(); ++w) fig.weeks += week_owner[w] >= 0 ? 1 : 0;
  fig.baskets = n_baskets;
  fig.customers = customers.codes.size();
  fig.products = products.codes.size();
  fig.stores = stores.codes.size();
  if (fig.rows_read != fig.rows_stored + fig.rows_quarantined) {
    fail("internal error: {} rows read but {} stored + {} quarantined", fig.rows_read,
         fig.rows_stored, fig.rows_quarantined);
  }
  return fig;
}

}  // namespace retailsim::ingest
