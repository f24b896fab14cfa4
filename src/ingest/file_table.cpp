// Per-file ingest: a oneTBB pipeline of read (serial) -> parse and validate (parallel) -> merge
// into the file's tables (serial, in file order, so the first row of a basket or product is its
// reference whatever the thread count).
#include "ingest/file_table.h"

#include <tbb/parallel_pipeline.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cstring>
#include <limits>

#include <fmt/format.h>

#include "core/error.h"
#include "ingest/csv_reader.h"
#include "ingest/row_validation.h"

namespace retailsim::ingest {

int32_t CodeDict::intern(std::string_view code) {
  auto it = ids_.find(code);
  if (it != ids_.end()) return it->second;
  if (blocks_.empty() || block_size_ - block_used_ < code.size()) {
    // Blocks grow from small: most dictionaries (regions, stores) hold a few bytes.
    block_size_ = std::max(code.size(), std::clamp<size_t>(block_size_ * 2, 256, 64 << 10));
    blocks_.push_back(std::make_unique<char[]>(block_size_));
    block_used_ = 0;
  }
  char* at = blocks_.back().get() + block_used_;
  if (!code.empty()) std::memcpy(at, code.data(), code.size());
  block_used_ += code.size();
  std::string_view owned(at, code.size());
  int32_t id = static_cast<int32_t>(codes_.size());
  codes_.push_back(owned);
  ids_.emplace(owned, id);
  return id;
}

void CodeDict::freeze() {
  if (frozen_) return;
  size_t total = 0;
  for (std::string_view code : codes_) total += code.size();
  if (total > std::numeric_limits<uint32_t>::max())
    fail("dictionary of {} bytes: too large", total);
  packed_ = std::make_unique<char[]>(std::max<size_t>(total, 1));
  offsets_.resize(codes_.size() + 1);
  uint32_t at = 0;
  for (size_t i = 0; i < codes_.size(); ++i) {
    offsets_[i] = at;
    if (!codes_[i].empty()) std::memcpy(packed_.get() + at, codes_[i].data(), codes_[i].size());
    at += static_cast<uint32_t>(codes_[i].size());
  }
  offsets_.back() = at;
  std::unordered_map<std::string_view, int32_t>().swap(ids_);
  std::vector<std::string_view>().swap(codes_);
  std::vector<std::unique_ptr<char[]>>().swap(blocks_);
  block_size_ = block_used_ = 0;
  frozen_ = true;
}

namespace {

// Equality of short codes without a memcmp call: the merger compares several per row.
bool same_code(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

struct ParsedChunk {
  std::unique_ptr<Chunk> chunk;             // owns the text the rows point into
  std::unique_ptr<RowValidator> validator;  // owns unescaped quoted values
  std::vector<ParsedRow> rows;
  std::vector<QuarantineEntry> quarantined;
  uint64_t rows_read = 0;
  uint64_t blank_lines = 0;
};

void parse_chunk(ParsedChunk& out, const HeaderLayout& layout, const Calendar& calendar,
                 int32_t file_index) {
  out.validator = std::make_unique<RowValidator>(layout, calendar, file_index);
  const std::string& text = out.chunk->text;
  const char* p = text.data();
  const char* end = p + text.size();
  int64_t line_number = out.chunk->first_line;
  out.rows.reserve(text.size() / 120);
  ParsedRow row;
  QuarantineEntry entry;
  while (p < end) {
    const char* newline =
        static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
    const char* line_end = newline ? newline : end;
    std::string_view line(p, static_cast<size_t>(line_end - p));
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) {
      ++out.blank_lines;
    } else {
      ++out.rows_read;
      if (out.validator->parse(line, line_number, row, entry)) {
        out.rows.push_back(row);
      } else {
        out.quarantined.push_back(std::move(entry));
        entry = QuarantineEntry();
      }
    }
    ++line_number;
    p = newline ? newline + 1 : end;
  }
}

// Folds parsed rows into a FileTable in file order, applying the checks that span rows.
class FileMerger {
 public:
  explicit FileMerger(FileTable& table, const Calendar& calendar)
      : table_(table), calendar_(calendar) {}

  void merge(ParsedChunk& chunk) {
    table_.rows_read += chunk.rows_read;
    table_.blank_lines += chunk.blank_lines;
    for (auto& q : chunk.quarantined) table_.quarantine.push_back(std::move(q));
    for (const ParsedRow& row : chunk.rows) merge_row(row, *chunk.validator);
  }

  // Groups the accepted rows by basket (a stable counting sort, so line order holds within a
  // basket), fills basket_row_offsets and frees what only reading needed.
  void finish() {
    const size_t n_rows = row_basket_.size();
    if (n_rows > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
      fail("{}: {} rows: more than one file may hold (2^31 - 1)", table_.name, n_rows);
    }
    std::vector<int32_t>& offsets = table_.basket_row_offsets;
    offsets.assign(table_.baskets.size() + 1, 0);
    for (int32_t b : row_basket_) ++offsets[static_cast<size_t>(b) + 1];
    for (size_t i = 1; i < offsets.size(); ++i) offsets[i] += offsets[i - 1];
    // Destination of each row, computed in place of its basket id.
    {
      std::vector<int32_t> next(offsets.begin(), offsets.end() - 1);
      for (int32_t& b : row_basket_) b = next[static_cast<size_t>(b)]++;
    }
    auto regroup = [&](auto& column) {
      std::remove_reference_t<decltype(column)> grouped(n_rows);
      for (size_t r = 0; r < n_rows; ++r) grouped[static_cast<size_t>(row_basket_[r])] = column[r];
      column.swap(grouped);
    };
    regroup(table_.row_product);
    regroup(table_.row_quantity);
    regroup(table_.row_spend_cents);
    regroup(table_.row_line);
    std::vector<int32_t>().swap(row_basket_);
    std::vector<int64_t>().swap(basket_first_line_);
    table_.products.freeze();
    table_.customers.freeze();
    table_.stores.freeze();
    table_.regions.freeze();
    for (auto& dict : table_.parent_codes) dict.freeze();
    table_.baskets.shrink_to_fit();
    table_.product_variants.shrink_to_fit();
    table_.store_variants.shrink_to_fit();
  }

 private:
  void quarantine(const ParsedRow& row, const RowValidator& validator, Field field, Reason reason,
                  std::string_view value, std::string detail) {
    QuarantineEntry e;
    e.file = table_.file_index;
    e.line = row.line;
    e.reason = reason;
    validator.locate(field, e);
    e.value.assign(value);
    e.detail = std::move(detail);
    table_.quarantine.push_back(std::move(e));
  }

  // The basket a row belongs to: found by BASKET_ID, or for a damaged BASKET_ID by the fields a
  // basket holds constant. -1 when the basket is new (its key is left in pending_*).
  int32_t find_basket(const ParsedRow& row) {
    if (!row.damaged_basket_id) {
      auto it = by_id_.find(row.basket_id);
      pending_id_ = row.basket_id;
      return it == by_id_.end() ? -1 : it->second;
    }
    pending_key_ = fmt::format("{}|{}|{}|{}|{}|{}|{}|{}|{}", row.week_index, row.shop_date,
                               row.hour, row.store, row.customer, row.basket_size,
                               row.basket_price_sensitivity, row.basket_type, row.basket_mission);
    auto it = by_key_.find(pending_key_);
    return it == by_key_.end() ? -1 : it->second;
  }

  // Compares a row with its basket's reference (first) row; false when it was quarantined.
  bool check_basket(const ParsedRow& row, int32_t basket, const RowValidator& v) {
    const FileBasket& b = table_.baskets[static_cast<size_t>(basket)];
    auto differs = [&](Field f, std::string_view value, std::string reference) {
      quarantine(row, v, f, Reason::kBasketMismatch, value,
                 fmt::format("basket {} has {} on its first row (line {})", basket_label(row),
                             reference, basket_first_line_[static_cast<size_t>(basket)]));
      return false;
    };
    if (row.week_index != b.week_index) {
      return differs(Field::kShopWeek, std::to_string(calendar_.at(row.week_index).shop_week),
                     std::to_string(calendar_.at(b.week_index).shop_week));
    }
    if (row.shop_date != b.shop_date) {
      return differs(Field::kShopDate, std::to_string(row.shop_date), std::to_string(b.shop_date));
    }
    if (row.hour != b.hour) {
      return differs(Field::kShopHour, std::to_string(row.hour), std::to_string(b.hour));
    }
    std::string_view ref_customer = b.customer < 0
                                        ? std::string_view()
                                        : table_.customers.code(static_cast<size_t>(b.customer));
    if (!same_code(row.customer, ref_customer)) {
      return differs(Field::kCustCode, row.customer,
                     ref_customer.empty() ? "no customer" : std::string(ref_customer));
    }
    auto code_differs = [&](Field f, Vocabulary voc, int8_t got, int8_t want) {
      return differs(f, vocabulary_codes(voc)[static_cast<size_t>(got)],
                     vocabulary_codes(voc)[static_cast<size_t>(want)]);
    };
    if (row.basket_size != b.size) {
      return code_differs(Field::kBasketSize, Vocabulary::kBasketSize, row.basket_size, b.size);
    }
    if (row.basket_price_sensitivity != b.price_sensitivity) {
      return code_differs(Field::kBasketPriceSensitivity, Vocabulary::kBasketPriceSensitivity,
                          row.basket_price_sensitivity, b.price_sensitivity);
    }
    if (row.basket_type != b.type) {
      return code_differs(Field::kBasketType, Vocabulary::kBasketType, row.basket_type, b.type);
    }
    if (row.basket_mission != b.mission) {
      return code_differs(Field::kBasketDominantMission, Vocabulary::kBasketMission,
                          row.basket_mission, b.mission);
    }
    const FileTable::StoreVariant& store = table_.store_variants[static_cast<size_t>(b.store)];
    std::string_view ref_store = table_.stores.code(static_cast<size_t>(store.store));
    if (!same_code(row.store, ref_store))
      return differs(Field::kStoreCode, row.store, std::string(ref_store));
    if (row.store_format != store.format) {
      return code_differs(Field::kStoreFormat, Vocabulary::kStoreFormat, row.store_format,
                          store.format);
    }
    std::string_view ref_region = table_.regions.code(static_cast<size_t>(store.region));
    if (!same_code(row.region, ref_region)) {
      return differs(Field::kStoreRegion, row.region, std::string(ref_region));
    }
    return true;
  }

  std::string basket_label(const ParsedRow& row) const {
    return row.damaged_basket_id ? fmt::format("(reconstructed from {})", row.basket_id_text)
                                 : std::to_string(row.basket_id);
  }

  // The (product, parents) variant of a row; most rows hit the product's first variant.
  int32_t product_variant(const ParsedRow& row) {
    int32_t product = table_.products.intern(row.product);
    if (static_cast<size_t>(product) == first_product_variant_.size()) {
      first_product_variant_.push_back(-1);
    }
    int32_t first = first_product_variant_[static_cast<size_t>(product)];
    if (first >= 0 && same_parents(row, table_.product_variants[static_cast<size_t>(first)])) {
      return first;
    }
    std::array<int32_t, 5> key;
    key[0] = product;
    for (int level = 0; level < 4; ++level) {
      key[level + 1] = table_.parent_codes[level].intern(row.parents[level]);
    }
    auto [it, added] =
        product_variant_ids_.try_emplace(key, static_cast<int32_t>(table_.product_variants.size()));
    if (added) {
      table_.product_variants.push_back({product, {key[1], key[2], key[3], key[4]}, row.line});
      if (first < 0) first_product_variant_[static_cast<size_t>(product)] = it->second;
    }
    return it->second;
  }

  bool same_parents(const ParsedRow& row, const FileTable::ProductVariant& variant) const {
    for (int level = 0; level < 4; ++level) {
      if (!same_code(table_.parent_codes[level].code(static_cast<size_t>(variant.parents[level])),
                     row.parents[level])) {
        return false;
      }
    }
    return true;
  }

  int32_t store_variant(const ParsedRow& row) {
    std::array<int32_t, 5> key{table_.stores.intern(row.store), row.store_format,
                               table_.regions.intern(row.region), 0, 0};
    auto [it, added] =
        store_variant_ids_.try_emplace(key, static_cast<int32_t>(table_.store_variants.size()));
    if (added) table_.store_variants.push_back({key[0], row.store_format, key[2], row.line});
    return it->second;
  }

  struct KeyHash {
    size_t operator()(const std::array<int32_t, 5>& key) const {
      uint64_t h = 1469598103934665603ULL;
      for (int32_t k : key) h = (h ^ static_cast<uint32_t>(k)) * 1099511628211ULL;
      return static_cast<size_t>(h ^ (h >> 29));
    }
  };

  void merge_row(const ParsedRow& row, const RowValidator& v) {
    if (row.damaged_basket_id) {
      ++table_.reconstructed_rows;
      if (table_.damaged_basket_id_example.empty()) {
        table_.damaged_basket_id_example.assign(row.basket_id_text);
      }
    }
    int32_t basket = find_basket(row);
    if (basket >= 0 && !check_basket(row, basket, v)) return;
    int32_t product = product_variant(row);
    int32_t store =
        basket >= 0 ? table_.baskets[static_cast<size_t>(basket)].store : store_variant(row);
    int32_t customer = -1;
    if (!row.customer.empty()) {
      size_t before = table_.customers.size();
      // A basket's later rows were checked to carry its customer: no need to look the code up.
      customer = basket >= 0 ? table_.baskets[static_cast<size_t>(basket)].customer
                             : table_.customers.intern(row.customer);
      if (table_.customers.size() > before) {
        table_.customer_seg_1.push_back(row.seg_1);
        table_.customer_seg_2.push_back(row.seg_2);
        table_.customer_segments_vary.push_back(0);
      } else if (table_.customer_seg_1[static_cast<size_t>(customer)] != row.seg_1 ||
                 table_.customer_seg_2[static_cast<size_t>(customer)] != row.seg_2) {
        table_.customer_segments_vary[static_cast<size_t>(customer)] = 1;
      }
    }
    if (basket < 0) {
      basket = static_cast<int32_t>(table_.baskets.size());
      FileBasket b;
      if (row.damaged_basket_id) {
        // Negative, unique per file and deterministic: -(file + 1) * 2^32 - ordinal.
        b.basket_id = -((static_cast<int64_t>(table_.file_index) + 1) << 32) -
                      static_cast<int64_t>(by_key_.size());
        b.flags |= kBasketReconstructed;
        by_key_.emplace(pending_key_, basket);
      } else {
        b.basket_id = pending_id_;
        by_id_.emplace(pending_id_, basket);
      }
      basket_first_line_.push_back(row.line);
      b.shop_date = row.shop_date;
      b.customer = customer;
      b.store = store;
      b.week_index = row.week_index;
      b.weekday = row.weekday;
      b.hour = row.hour;
      b.size = row.basket_size;
      b.price_sensitivity = row.basket_price_sensitivity;
      b.type = row.basket_type;
      b.mission = row.basket_mission;
      if (customer < 0) b.flags |= kBasketAnonymous;
      table_.baskets.push_back(b);
      if (table_.has_week.size() <= static_cast<size_t>(row.week_index)) {
        table_.has_week.resize(calendar_.size(), false);
      }
      table_.has_week[static_cast<size_t>(row.week_index)] = true;
    }
    row_basket_.push_back(basket);
    table_.row_product.push_back(product);
    table_.row_quantity.push_back(row.quantity);
    table_.row_spend_cents.push_back(row.spend_cents);
    if (row.line > std::numeric_limits<uint32_t>::max()) {
      fail("{}: more than 2^32 - 1 lines: split the file", table_.name);
    }
    table_.row_line.push_back(static_cast<uint32_t>(row.line));
  }

  FileTable& table_;
  const Calendar& calendar_;
  std::vector<int32_t> row_basket_;         // local basket of each accepted row, in line order
  std::vector<int64_t> basket_first_line_;  // by local basket, for mismatch messages
  std::unordered_map<int64_t, int32_t> by_id_;
  std::unordered_map<std::string, int32_t> by_key_;
  std::unordered_map<std::array<int32_t, 5>, int32_t, KeyHash> product_variant_ids_;
  std::unordered_map<std::array<int32_t, 5>, int32_t, KeyHash> store_variant_ids_;
  std::vector<int32_t> first_product_variant_;  // by local product code id
  int64_t pending_id_ = 0;
  std::string pending_key_;
};

}  // namespace

FileTable read_file_table(const fs::path& path, int32_t file_index, const Calendar& calendar,
                          Progress* progress, size_t chunk_bytes) {
  FileTable table;
  table.file_index = file_index;
  table.name = path.filename().string();
  table.input_bytes = fs::file_size(path);
  ChunkReader reader(path, chunk_bytes);
  std::string header;
  if (!reader.read_header(header)) fail("{}: empty file (no header line)", table.name);
  table.layout = parse_header(header, table.name);
  table.has_week.assign(calendar.size(), false);
  FileMerger merger(table, calendar);

  const size_t max_chunks_in_flight =
      static_cast<size_t>(std::min(tbb::this_task_arena::max_concurrency(), 6)) + 1;
  // Isolated so that a thread waiting here never picks up another file's work (bounding how many
  // files are in memory at once).
  tbb::this_task_arena::isolate([&] {
    tbb::parallel_pipeline(
        max_chunks_in_flight,
        tbb::make_filter<void, std::shared_ptr<ParsedChunk>>(
            tbb::filter_mode::serial_in_order,
            [&](tbb::flow_control& control) -> std::shared_ptr<ParsedChunk> {
              auto chunk = std::make_unique<Chunk>();
              if (!reader.next(*chunk)) {
                control.stop();
                return nullptr;
              }
              auto parsed = std::make_shared<ParsedChunk>();
              parsed->chunk = std::move(chunk);
              return parsed;
            }) &
            tbb::make_filter<std::shared_ptr<ParsedChunk>, std::shared_ptr<ParsedChunk>>(
                tbb::filter_mode::parallel,
                [&](std::shared_ptr<ParsedChunk> parsed) {
                  parse_chunk(*parsed, table.layout, calendar, file_index);
                  return parsed;
                }) &
            tbb::make_filter<std::shared_ptr<ParsedChunk>, void>(
                tbb::filter_mode::serial_in_order, [&](std::shared_ptr<ParsedChunk> owned) {
                  merger.merge(*owned);
                  if (progress) {
                    progress->advance(owned->chunk->input_bytes);
                  }
                }));
  });
  // Regrouping copies each row column into an exact-size vector: no doubling slack is kept while
  // the tables wait for all files.
  merger.finish();
  if (table.rows_read != table.rows_stored() + table.quarantine.size()) {
    fail("{}: internal error: {} rows read but {} stored + {} quarantined", table.name,
         table.rows_read, table.rows_stored(), table.quarantine.size());
  }
  return table;
}

}  // namespace retailsim::ingest
