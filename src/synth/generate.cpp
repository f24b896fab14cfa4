// synth::generate: builds the world, streams it week by week into LGSR CSVs (customer blocks in
// parallel, byte-identical whatever the thread count) and writes truth/ with its calibration.
#include <chrono>
#include <numeric>

#include <spdlog/spdlog.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/npy.h"
#include "core/progress.h"
#include "retailsim_version.h"
#include "synth/calibration.h"
#include "synth/corruption.h"
#include "synth/lgsr_writer.h"
#include "synth/synth.h"
#include "synth/world.h"

namespace retailsim::synth {

namespace {

enum : uint64_t { kTripStream = 101, kCorruptStream = 102 };
// Customers per block: the unit of parallel work. Fixed, so output does not depend on threads.
constexpr int kBlockCustomers = 256;

struct CorruptRecord {
  int32_t week = 0;
  int64_t line = 0;  // 1-based, header = line 1
  Corruption kind = Corruption::kBadNumber;
};

struct Block {
  WeekSample sample;
  std::string text;
  std::string deflated;
  uint32_t crc = 0;
  uint64_t first_basket = 0, first_row = 0, rows = 0;
  std::vector<CorruptRecord> corruptions;
};

std::string week_file_name(const ShopWeek& week, bool gzip) {
  return fmt::format("transactions_{}.csv{}", week.shop_week, gzip ? ".gz" : "");
}

// Formats the block's baskets into block.text, replacing a share of rows by corrupt ones.
// products_written: products on some row of an earlier week.
void format_block(const World& w, const RowPieces& pieces, int week, int block_index,
                  const std::vector<uint8_t>& products_written, Block& block) {
  const auto& c = w.config;
  const ShopWeek& shop_week = w.calendar.at(week);
  Rng rng = Rng::stream(
      c.seed, {kCorruptStream, static_cast<uint64_t>(week), static_cast<uint64_t>(block_index)});
  std::string trip_text;
  uint64_t row = block.first_row;
  for (size_t t = 0; t < block.sample.trips.size(); ++t) {
    const Trip& trip = block.sample.trips[t];
    std::span<const TripLine> lines(block.sample.lines.data() + trip.line_begin,
                                    trip.line_end - trip.line_begin);
    const int64_t basket = static_cast<int64_t>(block.first_basket + t + 1);
    // At most one corrupt row per basket, so the basket's other rows stay a clean reference.
    int corrupt_at = -1;
    if (c.corrupt_rate > 0) {
      for (size_t k = 0; k < lines.size() && corrupt_at < 0; ++k)
        if (rng.bernoulli(c.corrupt_rate)) corrupt_at = static_cast<int>(k);
    }
    if (corrupt_at < 0) {
      append_trip_rows(block.text, w, pieces, shop_week, week, basket, trip, lines);
    } else {
      trip_text.clear();
      append_trip_rows(trip_text, w, pieces, shop_week, week, basket, trip, lines);
      size_t start = 0;
      for (size_t k = 0; k < lines.size(); ++k) {
        const size_t end = trip_text.find('\n', start) + 1;
        std::string one = trip_text.substr(start, end - start);
        if (static_cast<int>(k) == corrupt_at) {
          // Earlier in this week's block also counts (blocks are written in order).
          bool seen = products_written[lines[k].product] != 0;
          for (size_t t2 = 0; t2 <= t && !seen; ++t2) {
            const Trip& earlier = block.sample.trips[t2];
            const uint32_t end_line = t2 == t ? trip.line_begin + k : earlier.line_end;
            for (uint32_t i = earlier.line_begin; i < end_line && !seen; ++i)
              seen = block.sample.lines[i].product == lines[k].product;
          }
          const Corruption kind =
              draw_corruption(static_cast<int>(lines.size()), static_cast<int>(k), seen, rng);
          corrupt_row(one, kind, w, rng);
          block.corruptions.push_back({week, static_cast<int64_t>(row + k) + 2, kind});
        }
        block.text += one;
        start = end;
      }
    }
    row += lines.size();
  }
}

}  // namespace

GenerateSummary generate(const SynthConfig& config, const fs::path& out_dir, int n_threads) {
  const auto start = std::chrono::steady_clock::now();
  tbb::global_control parallelism(tbb::global_control::max_allowed_parallelism,
                                  static_cast<size_t>(std::max(1, n_threads)));
  fs::create_directories(out_dir);
  spdlog::info("synth: building the {} world ({} customers, {} products, {} stores, {} weeks)",
               config.preset, config.n_customers, config.n_products, config.n_stores,
               config.n_weeks);
  const World world = build_world(config);
  AtomicDir raw_dir(out_dir / "raw");
  AtomicDir truth_dir(out_dir / "truth");
  write_file_atomic(raw_dir.staging() / "time.csv",
                    Calendar::lgsr(config.n_weeks + config.extra_calendar_weeks).to_csv());

  const RowPieces pieces = make_row_pieces(world);
  const int n_customers = world.n_customers();
  const int n_blocks = (n_customers + kBlockCustomers - 1) / kBlockCustomers;
  std::vector<Block> blocks(n_blocks);
  tbb::enumerable_thread_specific<CalibrationCounts> calibration(
      [&] { return CalibrationCounts(world.n_cl()); });
  tbb::enumerable_thread_specific<std::vector<int32_t>> scratch;
  CustomerCounts customers{std::vector<uint32_t>(world.n_known),
                           std::vector<uint16_t>(world.n_known)};
  std::vector<CorruptRecord> corruptions;
  std::vector<int64_t> week_rows;
  std::vector<uint8_t> products_written(world.n_products());
  std::vector<uint8_t> stores_visited(world.n_stores());
  GenerateSummary summary;
  Progress progress("generate", static_cast<uint64_t>(config.n_weeks), "weeks");

  for (int week = 0; week < config.n_weeks; ++week) {
    const WeekPrices prices = true_week_prices(world, week);
    const DemandTables demand = build_demand_tables(world, prices);
    tbb::parallel_for(0, n_blocks, [&](int b) {
      Block& block = blocks[b];
      block.sample.clear();
      block.text.clear();
      block.corruptions.clear();
      const int first = b * kBlockCustomers;
      const int last = std::min(n_customers, first + kBlockCustomers);
      for (int c = first; c < last; ++c) {
        Rng rng = Rng::stream(config.seed,
                              {kTripStream, static_cast<uint64_t>(week), static_cast<uint64_t>(c)});
        sample_customer_week(world, c, week, prices, demand, rng, block.sample);
      }
      auto& counts = calibration.local();
      auto& cls = scratch.local();
      for (const Trip& trip : block.sample.trips) {
        std::span<const TripLine> lines(block.sample.lines.data() + trip.line_begin,
                                        trip.line_end - trip.line_begin);
        const bool anonymous = trip.customer >= world.n_known;
        counts.add_basket(world, trip, lines, anonymous, cls);
        if (anonymous) continue;
        ++customers.baskets[trip.customer];
        uint16_t bit = 1;
        const int64_t a0 = world.customer_alt_offsets[trip.customer];
        for (int64_t k = a0; k < world.customer_alt_offsets[trip.customer + 1]; ++k)
          if (world.customer_alt_stores[k] == trip.store)
            bit = static_cast<uint16_t>(2u << (k - a0));
        customers.store_mask[trip.customer] |= bit;
      }
      block.rows = block.sample.lines.size();
    });
    uint64_t baskets = 0, rows = 0;
    for (auto& block : blocks) {
      block.first_basket = baskets;
      block.first_row = rows;
      baskets += block.sample.trips.size();
      rows += block.rows;
    }
    if (baskets >= 100'000'000)
      fail("week {} has {} baskets: BASKET_ID holds 8 digits", week, baskets);
    tbb::parallel_for(0, n_blocks, [&](int b) {
      Block& block = blocks[b];
      if (b == 0) block.text.insert(0, kLgsrHeader);
      format_block(world, pieces, week, b, products_written, block);
      if (config.gzip) {
        block.crc = crc32_of(block.text);
        block.deflated = deflate_block(block.text, config.gzip_level, b + 1 == n_blocks);
      }
    });
    const ShopWeek& shop_week = world.calendar.at(week);
    AtomicFile file(raw_dir.staging() / week_file_name(shop_week, config.gzip));
    if (config.gzip) {
      file.write(gzip_header());
      uint32_t crc = 0;
      uint64_t total = 0;
      for (const auto& block : blocks) {
        file.write(block.deflated);
        crc = total == 0 ? block.crc : crc32_combine_of(crc, block.crc, block.text.size());
        total += block.text.size();
      }
      file.write(gzip_trailer(crc, total));
    } else {
      for (const auto& block : blocks) file.write(block.text);
    }
    summary.bytes_written += file.bytes_written();
    file.commit();
    for (const auto& block : blocks) {
      for (const auto& line : block.sample.lines) products_written[line.product] = 1;
      for (const auto& trip : block.sample.trips) stores_visited[trip.store] = 1;
    }
    for (const auto& block : blocks)
      corruptions.insert(corruptions.end(), block.corruptions.begin(), block.corruptions.end());
    summary.rows += rows;
    summary.baskets += baskets;
    week_rows.push_back(static_cast<int64_t>(rows));
    progress.advance(1);
  }
  progress.finish();

  CalibrationCounts counts(world.n_cl());
  for (const auto& local : calibration) counts.merge(local);
  // What the written files hold (what an ingest must find), not the world's catalogue size.
  for (uint8_t sold : products_written) summary.products += sold;
  for (uint8_t visited : stores_visited) summary.stores += visited;
  summary.weeks = config.n_weeks;
  summary.corrupt_rows = corruptions.size();
  for (uint32_t n : customers.baskets) summary.customers += n > 0 ? 1 : 0;

  // truth/
  std::vector<std::string> files = write_world(world, truth_dir.staging());
  Json report = calibration_report(world, counts, customers);
  write_json(truth_dir.staging() / "calibration.json", report);
  std::string csv = "file,line,kind\n";
  for (const auto& r : corruptions) {
    csv += fmt::format("{},{},{}\n", week_file_name(world.calendar.at(r.week), config.gzip), r.line,
                       kCorruptionNames[static_cast<int>(r.kind)]);
  }
  write_file_atomic(truth_dir.staging() / "corruptions.csv", csv);
  write_npy(truth_dir.staging() / "week_rows.npy", week_rows);
  files.insert(files.end(), {"calibration.json", "corruptions.csv", "week_rows.npy"});

  Manifest manifest;
  manifest.stage = "synth";
  manifest.retailsim_version = RETAILSIM_VERSION;
  manifest.config = config.to_json();
  manifest.counts = {{"rows", summary.rows},
                     {"clean_rows", summary.rows - summary.corrupt_rows},
                     {"corrupt_rows", summary.corrupt_rows},
                     {"baskets", summary.baskets},
                     {"customers", summary.customers},
                     {"products", summary.products},
                     {"stores", summary.stores},
                     {"weeks", summary.weeks},
                     {"products_in_world", world.n_products()},
                     {"stores_in_world", world.n_stores()}};
  manifest.extra = {{"files", files}, {"raw_bytes", summary.bytes_written}};
  manifest.write(truth_dir.staging());
  raw_dir.commit();
  truth_dir.commit();

  summary.calibration_scores = report["scores"];
  // Only worlds of the real sample's size are expected to match it figure by figure; on smaller
  // presets (fewer weeks, customers) the scores are indicative and not warned about.
  const bool sample_sized = config.n_weeks >= 100 && config.n_customers >= 4000;
  spdlog::info("calibration against the real LGSR sample (1 = identical{}):",
               sample_sized ? "" : "; indicative only on a preset smaller than the sample");
  for (auto& [name, score] : report["scores"].items()) {
    const double s = score.get<double>();
    if (s < 0.85 && sample_sized)
      spdlog::warn("  {:<22} {:.3f}  (below 0.85)", name, s);
    else
      spdlog::info("  {:<22} {:.3f}", name, s);
  }
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

}  // namespace retailsim::synth
