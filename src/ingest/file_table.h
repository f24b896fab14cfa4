// One transactions file read and validated into locally dictionary-encoded rows, baskets,
// products, stores and customers, with its quarantined rows. Files are read in parallel; the
// store builder merges their tables in file-name order.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/calendar.h"
#include "core/dataset.h"
#include "core/progress.h"
#include "ingest/lgsr_schema.h"
#include "ingest/quarantine.h"

namespace retailsim::ingest {

namespace fs = std::filesystem;

// Strings to dense ids in order of first appearance, with stable owned storage.
class CodeDict {
 public:
  static constexpr int32_t kAbsent = -2;
  int32_t find(std::string_view code) const {
    auto it = ids_.find(code);
    return it == ids_.end() ? kAbsent : it->second;
  }
  // The id of `code`, adding it when new.
  int32_t intern(std::string_view code);
  std::string_view code(size_t id) const {
    return frozen_ ? std::string_view(packed_.get() + offsets_[id], offsets_[id + 1] - offsets_[id])
                   : codes_[id];
  }
  size_t size() const { return frozen_ ? offsets_.size() - 1 : codes_.size(); }
  // Drops the lookup index and packs the codes into one exact buffer: a finished file's
  // dictionaries are only read by code from then on, and 117 files' indexes would otherwise
  // outweigh their rows.
  void freeze();

 private:
  std::vector<std::unique_ptr<char[]>> blocks_;
  size_t block_used_ = 0;
  size_t block_size_ = 0;
  std::unordered_map<std::string_view, int32_t> ids_;
  std::vector<std::string_view> codes_;
  // Once frozen: the codes back to back, code i at [offsets_[i], offsets_[i + 1]).
  bool frozen_ = false;
  std::unique_ptr<char[]> packed_;
  std::vector<uint32_t> offsets_;
};

// Per-basket flags (basket_flags.npy bits, defined with the store reader).
inline constexpr uint8_t kBasketAnonymous = kBasketFlagAnonymous;
inline constexpr uint8_t kBasketReconstructed = kBasketFlagReconstructed;

struct FileBasket {
  int64_t basket_id = 0;  // the BASKET_ID, or a negative surrogate for reconstructed baskets
  int32_t shop_date = 0;
  int32_t customer = -1;  // local customer id, -1 anonymous
  int32_t store = 0;      // local store variant
  int16_t week_index = 0;
  int8_t weekday = 0;
  int8_t hour = 0;
  int8_t size = 0;
  int8_t price_sensitivity = 0;
  int8_t type = 0;
  int8_t mission = 0;
  uint8_t flags = 0;
};

struct FileTable {
  int32_t file_index = 0;
  std::string name;  // file name inside the raw folder
  HeaderLayout layout;
  uint64_t input_bytes = 0;
  uint64_t rows_read = 0;  // data lines (blank lines are not rows)
  uint64_t blank_lines = 0;
  uint64_t reconstructed_rows = 0;  // rows whose BASKET_ID was damaged
  std::string damaged_basket_id_example;

  CodeDict products, customers, stores, regions;
  std::array<CodeDict, 4> parent_codes;  // PROD_CODE_10, _20, _30, _40
  // Each distinct (product, parents) and (store, format, region) seen, in order of first line.
  // Which variant is right is decided across all files by the store builder: the earliest.
  struct ProductVariant {
    int32_t product = 0;               // local product code id
    std::array<int32_t, 4> parents{};  // local parent code ids
    int64_t first_line = 0;
  };
  struct StoreVariant {
    int32_t store = 0;  // local store code id
    int8_t format = 0;
    int32_t region = 0;  // local region code id
    int64_t first_line = 0;
  };
  std::vector<ProductVariant> product_variants;
  std::vector<StoreVariant> store_variants;
  std::vector<int8_t> customer_seg_1, customer_seg_2;  // of the customer's first row
  std::vector<uint8_t> customer_segments_vary;         // 1: a later row had other segments

  std::vector<FileBasket> baskets;
  // Accepted rows grouped by local basket (line order within a basket): basket b's rows are
  // [basket_row_offsets[b], basket_row_offsets[b + 1]). Grouping them once the file is read
  // frees the per-row basket id and spares the store builder a permutation of every row.
  std::vector<int32_t> basket_row_offsets;
  std::vector<int32_t> row_product, row_quantity, row_spend_cents;  // product: local variant
  // 1-based line of each row, freed by the store builder once rows are quarantined. 32 bits: a
  // file of 2^32 lines (~500 GB of CSV) is refused rather than held at 8 bytes a row.
  std::vector<uint32_t> row_line;

  std::vector<QuarantineEntry> quarantine;
  std::vector<bool> has_week;  // by calendar week index

  uint64_t rows_stored() const { return row_product.size(); }
};

// Reads, validates and encodes one file. Chunks are parsed in parallel (oneTBB); a basket's
// reference is its first row in file order. Throws Error naming the file when it
// cannot be read, is not gzip although named so, or its header is unknown or lacks columns.
FileTable read_file_table(const fs::path& path, int32_t file_index, const Calendar& calendar,
                          Progress* progress, size_t chunk_bytes = 1 << 20);

}  // namespace retailsim::ingest
