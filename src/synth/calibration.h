// Calibration of a generated world against the real LGSR sample (internal to synth): counters
// filled while writing, and the report of one similarity score per figure.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "core/manifest.h"
#include "synth/world.h"

namespace retailsim::synth {

// Counts of what was written (clean rows), mergeable across threads in any order.
struct CalibrationCounts {
  static constexpr int kMaxLines = 200;    // lines per basket histogram (last bin = more)
  static constexpr int kMaxPence = 20000;  // spend histograms in pence (last bin = more)
  static constexpr int kMaxQuantity = 100;

  explicit CalibrationCounts(int n_cl = 0);
  void add_basket(const World& world, const Trip& trip, std::span<const TripLine> lines,
                  bool anonymous, std::vector<int32_t>& scratch_cls);
  void merge(const CalibrationCounts& other);

  int n_cl = 0;
  uint64_t rows = 0, baskets = 0, anonymous_baskets = 0;
  int64_t spend_pence = 0;
  std::vector<uint64_t> lines_hist, spend_line_hist, spend_basket_hist, quantity_hist;
  std::array<uint64_t, 24> hour_rows{};
  std::array<uint64_t, 7> weekday_rows{};  // 0 = Sunday (LGSR 1) .. 6 = Saturday
  std::array<uint64_t, 4> type_baskets{}, format_rows{};
  std::array<uint64_t, 5> mission_baskets{};
  std::array<uint64_t, 3> size_baskets{};
  std::array<uint64_t, kDepartments> department_rows{};
  std::array<uint64_t, kSeg1> seg1_rows{};
  std::array<uint64_t, kSeg2 + 1> seg2_rows{};  // 0 = unknown, 1.. = kSeg2Names
  std::vector<uint64_t> cl_baskets;             // baskets holding the sub-commodity
  std::vector<uint32_t> pair_baskets;           // [a * n_cl + b], a < b
};

// Per known customer: baskets and the set of stores used (bit 0 = home, bit k = k-th other).
struct CustomerCounts {
  std::vector<uint32_t> baskets;
  std::vector<uint16_t> store_mask;
};

// The report written as truth/calibration.json: "scores" (figure -> similarity in [0, 1]) and
// "figures" (real and generated values and the method of each).
Json calibration_report(const World& world, const CalibrationCounts& counts,
                        const CustomerCounts& customers);

}  // namespace retailsim::synth
