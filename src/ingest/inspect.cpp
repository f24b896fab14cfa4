// `retailsim inspect`: the store's figures from its manifest, checked against its columns.
#include <algorithm>

#include <fmt/format.h>

#include "core/dataset.h"
#include "core/error.h"
#include "core/progress.h"
#include "ingest/ingest.h"

namespace retailsim::ingest {

namespace {

// 105364 -> "105,364".
std::string with_separators(uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string format_date(int64_t yyyymmdd) {
  if (yyyymmdd <= 0) return "-";
  return fmt::format("{:04}-{:02}-{:02}", yyyymmdd / 10000, yyyymmdd / 100 % 100, yyyymmdd % 100);
}

}  // namespace

Json inspect_store(const fs::path& data_dir) {
  if (!fs::exists(data_dir / "store" / "manifest.json")) {
    fail("no store in {}: run retailsim ingest first", data_dir.string());
  }
  Store store = Store::open(data_dir);
  const Json& c = store.manifest.counts;

  uint64_t anonymous_rows = 0, anonymous_baskets = 0;
  for (size_t b = 0; b < store.n_baskets(); ++b) {
    if (store.basket_customer_id[b] < 0) {
      ++anonymous_baskets;
      anonymous_rows +=
          static_cast<uint64_t>(store.basket_row_offsets[b + 1] - store.basket_row_offsets[b]);
    }
  }
  uint64_t disk_bytes = 0;
  for (const auto& entry : fs::directory_iterator(store.dir)) {
    if (entry.is_regular_file()) disk_bytes += entry.file_size();
  }
  Json reasons = Json::object();
  if (c.contains("quarantined_by_reason")) {
    for (const auto& [reason, n] : c["quarantined_by_reason"].items()) {
      if (n.get<uint64_t>() > 0) reasons[reason] = n;
    }
  }
  Json files = Json::array();
  if (store.manifest.extra.contains("files")) {
    for (const auto& f : store.manifest.extra["files"]) {
      files.push_back({{"name", f.value("name", "")},
                       {"header_variant", f.value("header_variant", "")},
                       {"rows_read", f.value("rows_read", uint64_t{0})},
                       {"rows_stored", f.value("rows_stored", uint64_t{0})},
                       {"rows_quarantined", f.value("rows_quarantined", uint64_t{0})},
                       {"reconstructed_baskets", f.value("reconstructed_baskets", uint64_t{0})}});
    }
  }
  const double n_rows = static_cast<double>(store.n_rows());
  const double n_baskets = static_cast<double>(store.n_baskets());
  uint64_t weeks = 0;
  {
    std::vector<bool> seen(store.calendar.size(), false);
    for (size_t b = 0; b < store.n_baskets(); ++b)
      seen[static_cast<size_t>(store.basket_week_index[b])] = true;
    weeks = static_cast<uint64_t>(std::count(seen.begin(), seen.end(), true));
  }
  return {{"store", store.dir.string()},
          {"rows_read", c.value("rows_read", uint64_t{0})},
          {"rows_stored", store.n_rows()},
          {"rows_quarantined", c.value("rows_quarantined", uint64_t{0})},
          {"baskets", store.n_baskets()},
          {"customers", store.n_customers()},
          {"products", store.n_products()},
          {"stores", store.n_stores()},
          {"weeks", weeks},
          {"date_from", format_date(c.value("date_from", int64_t{0}))},
          {"date_to", format_date(c.value("date_to", int64_t{0}))},
          {"anonymous_rows", anonymous_rows},
          {"anonymous_row_share", n_rows > 0 ? anonymous_rows / n_rows : 0.0},
          {"anonymous_basket_share", n_baskets > 0 ? anonymous_baskets / n_baskets : 0.0},
          {"reconstructed_baskets", c.value("reconstructed_baskets", uint64_t{0})},
          {"quarantined_by_reason", reasons},
          {"disk_bytes", disk_bytes},
          {"files", files},
          {"retailsim_version", store.manifest.retailsim_version}};
}

std::string format_inspect(const Json& s) {
  auto count = [&](const char* key) { return with_separators(s.value(key, uint64_t{0})); };
  std::string out;
  out += fmt::format("store        {}\n", s.value("store", ""));
  out += fmt::format("rows         {} stored + {} quarantined = {} read\n", count("rows_stored"),
                     count("rows_quarantined"), count("rows_read"));
  out += fmt::format("baskets      {}\n", count("baskets"));
  out += fmt::format("customers    {}\n", count("customers"));
  out += fmt::format("products     {}\n", count("products"));
  out += fmt::format("stores       {}\n", count("stores"));
  out += fmt::format("weeks        {} ({} .. {})\n", count("weeks"), s.value("date_from", "-"),
                     s.value("date_to", "-"));
  out += fmt::format("anonymous    {:.1f}% of rows, {:.1f}% of baskets\n",
                     100 * s.value("anonymous_row_share", 0.0),
                     100 * s.value("anonymous_basket_share", 0.0));
  if (s.value("reconstructed_baskets", uint64_t{0}) > 0) {
    out += fmt::format("reconstructed {} baskets regrouped from damaged BASKET_IDs\n",
                       count("reconstructed_baskets"));
  }
  out += fmt::format("disk size    {}\n", human_bytes(s.value("disk_bytes", 0.0)));
  const Json& reasons =
      s.contains("quarantined_by_reason") ? s["quarantined_by_reason"] : Json::object();
  if (reasons.empty()) {
    out += "quarantine   none\n";
  } else {
    out += "quarantine   by reason:\n";
    for (const auto& [reason, n] : reasons.items()) {
      out += fmt::format("  {:<26} {}\n", reason, n.get<uint64_t>());
    }
  }
  if (s.contains("files")) {
    // One line for all files, then only the files worth a look (quarantined rows, the old header,
    // regrouped baskets): a full-size dataset has 117 of them.
    uint64_t n_files = s["files"].size(), n_old = 0;
    std::string notable;
    int n_notable = 0;
    for (const auto& f : s["files"]) {
      const bool old_header = f.value("header_variant", "") != "current";
      n_old += old_header ? 1 : 0;
      const uint64_t quarantined = f.value("rows_quarantined", uint64_t{0});
      const uint64_t reconstructed = f.value("reconstructed_baskets", uint64_t{0});
      if (!old_header && quarantined == 0 && reconstructed == 0) continue;
      if (++n_notable > 20) continue;
      notable += fmt::format(
          "  {:<44} {} header, {} read, {} stored, {} quarantined{}\n", f.value("name", ""),
          f.value("header_variant", ""), f.value("rows_read", uint64_t{0}),
          f.value("rows_stored", uint64_t{0}), quarantined,
          reconstructed > 0 ? fmt::format(", {} reconstructed baskets", reconstructed)
                            : std::string());
    }
    out += fmt::format("files        {} ({} with the old header); {} with something to note{}\n",
                       n_files, n_old, n_notable, n_notable ? ":" : "");
    out += notable;
    if (n_notable > 20)
      out += fmt::format("  ... and {} more (--json lists all)\n", n_notable - 20);
  }
  return out;
}

}  // namespace retailsim::ingest
