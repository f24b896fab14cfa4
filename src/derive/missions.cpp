// Shopping missions per customer: shares of BASKET_TYPE, BASKET_DOMINANT_MISSION,
// BASKET_PRICE_SENSITIVITY and BASKET_SIZE over their trips, typical hour and weekday, mean lines
// and spend, promotion share of spend.
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include "core/error.h"
#include "derive/derive.h"

namespace retailsim::derive {

namespace {

// Shares of known codes (0 <= code < n_codes) among `counts`; returns the argmax or -1.
int8_t write_shares(const std::vector<uint32_t>& counts, float* shares) {
  uint64_t total = 0;
  for (uint32_t c : counts) total += c;
  int8_t best = -1;
  for (size_t i = 0; i < counts.size(); ++i) {
    shares[i] = total > 0 ? static_cast<float>(double(counts[i]) / double(total)) : 0.0f;
    if (counts[i] > 0 && (best < 0 || counts[i] > counts[size_t(best)])) best = int8_t(i);
  }
  return best;
}

struct Scratch {
  std::vector<uint32_t> type, mission, sensitivity, size;
  std::array<uint32_t, 24> hour;
  std::array<uint32_t, 8> weekday;
};

template <size_t N>
int8_t most_frequent(const std::array<uint32_t, N>& counts) {
  int8_t best = -1;
  for (size_t i = 0; i < N; ++i) {
    if (counts[i] > 0 && (best < 0 || counts[i] > counts[size_t(best)])) best = int8_t(i);
  }
  return best;
}

}  // namespace

std::vector<int64_t> basket_promo_spend(std::span<const uint64_t> basket_offsets,
                                        std::span<const int64_t> row_spend_cents,
                                        std::span<const uint8_t> row_promo) {
  if (row_spend_cents.size() != row_promo.size()) {
    fail("basket_promo_spend: {} spend values but {} promo flags", row_spend_cents.size(),
         row_promo.size());
  }
  const size_t n = basket_offsets.empty() ? 0 : basket_offsets.size() - 1;
  std::vector<int64_t> out(n, 0);
  tbb::parallel_for(tbb::blocked_range<size_t>(0, n, 4096), [&](const auto& range) {
    for (size_t b = range.begin(); b != range.end(); ++b) {
      int64_t sum = 0;
      for (uint64_t r = basket_offsets[b]; r < basket_offsets[b + 1]; ++r) {
        if (row_promo[r]) sum += row_spend_cents[r];
      }
      out[b] = sum;
    }
  });
  return out;
}

CustomerMissions customer_missions(const CustomerBaskets& baskets, const MissionVocab& vocab) {
  if (vocab.n_types < 0 || vocab.n_missions < 0 || vocab.n_price_sensitivities < 0 ||
      vocab.n_sizes < 0 ||
      std::max({vocab.n_types, vocab.n_missions, vocab.n_price_sensitivities, vocab.n_sizes}) >
          127) {
    fail("customer_missions: vocabulary sizes must be in [0, 127]");
  }
  const size_t n = baskets.n_customers();
  CustomerMissions out;
  out.vocab = vocab;
  out.type_share.assign(n * vocab.n_types, 0.0f);
  out.mission_share.assign(n * vocab.n_missions, 0.0f);
  out.price_sensitivity_share.assign(n * vocab.n_price_sensitivities, 0.0f);
  out.size_share.assign(n * vocab.n_sizes, 0.0f);
  out.dominant_type.assign(n, -1);
  out.dominant_mission.assign(n, -1);
  out.typical_hour.assign(n, -1);
  out.typical_weekday.assign(n, -1);
  out.mean_lines.assign(n, 0.0f);
  out.mean_spend_cents.assign(n, 0.0f);
  out.promo_spend_share.assign(n, std::numeric_limits<float>::quiet_NaN());
  const bool has_promo = !baskets.promo_spend_cents.empty();

  tbb::enumerable_thread_specific<Scratch> scratches;
  tbb::parallel_for(tbb::blocked_range<size_t>(0, n, 256), [&](const auto& range) {
    Scratch& s = scratches.local();
    for (size_t c = range.begin(); c != range.end(); ++c) {
      s.type.assign(vocab.n_types, 0);
      s.mission.assign(vocab.n_missions, 0);
      s.sensitivity.assign(vocab.n_price_sensitivities, 0);
      s.size.assign(vocab.n_sizes, 0);
      s.hour.fill(0);
      s.weekday.fill(0);
      const uint64_t first = baskets.customer_offsets[c], last = baskets.customer_offsets[c + 1];
      if (first == last) continue;
      int64_t spend = 0, promo_spend = 0, lines = 0;
      auto tally = [](std::vector<uint32_t>& counts, int8_t code) {
        if (code >= 0 && size_t(code) < counts.size()) ++counts[size_t(code)];
      };
      for (uint64_t pos = first; pos < last; ++pos) {
        const int64_t b = baskets.basket_at(pos);
        tally(s.type, baskets.basket_type[b]);
        tally(s.mission, baskets.mission[b]);
        tally(s.sensitivity, baskets.price_sensitivity[b]);
        tally(s.size, baskets.size[b]);
        if (const int32_t h = baskets.hour[b]; h >= 0 && h < 24) ++s.hour[size_t(h)];
        if (const int32_t d = baskets.weekday[b]; d >= 0 && d < 8) ++s.weekday[size_t(d)];
        spend += baskets.spend_cents[b];
        lines += baskets.lines[b];
        if (has_promo) promo_spend += baskets.promo_spend_cents[b];
      }
      out.dominant_type[c] = write_shares(s.type, out.type_share.data() + c * vocab.n_types);
      out.dominant_mission[c] =
          write_shares(s.mission, out.mission_share.data() + c * vocab.n_missions);
      write_shares(s.sensitivity,
                   out.price_sensitivity_share.data() + c * vocab.n_price_sensitivities);
      write_shares(s.size, out.size_share.data() + c * vocab.n_sizes);
      out.typical_hour[c] = most_frequent(s.hour);
      out.typical_weekday[c] = most_frequent(s.weekday);
      const double trips = static_cast<double>(last - first);
      out.mean_lines[c] = static_cast<float>(double(lines) / trips);
      out.mean_spend_cents[c] = static_cast<float>(double(spend) / trips);
      if (has_promo) {
        out.promo_spend_share[c] =
            spend > 0 ? static_cast<float>(double(promo_spend) / double(spend)) : 0.0f;
      }
    }
  });
  return out;
}

}  // namespace retailsim::derive
