// How each product is bought across shoppers in the training weeks (ProductHabits): the product
// half of the repeat features, each product counted once per basket.
#include <tbb/blocked_range.h>
#include <tbb/combinable.h>
#include <tbb/parallel_for.h>

#include "prepare/prepare.h"

namespace retailsim::prepare {

namespace {

// A customer's training-week baskets holding each product, once per basket: own[p] counts them,
// touched lists each product on its first count; clear() zeroes own and seen_in (the last basket
// + 1 that counted a product) over touched before the next customer.
struct TrainingBasketCounts {
  std::vector<int32_t> own, seen_in, touched;
  void count(const Store& store, const SplitInfo& split, int32_t customer);
  void clear();
};

void TrainingBasketCounts::count(const Store& store, const SplitInfo& split, int32_t customer) {
  if (own.size() < store.n_products()) {
    own.resize(store.n_products());
    seen_in.resize(store.n_products());
  }
  for (int32_t basket : store.baskets_of_customer(customer)) {
    if (split.split_of(store.basket_week_index[static_cast<size_t>(basket)]) != 0) continue;
    for (int32_t p : store.basket_products(basket)) {
      const auto i = static_cast<size_t>(p);
      if (seen_in[i] == basket + 1) continue;
      seen_in[i] = basket + 1;
      if (own[i]++ == 0) touched.push_back(p);
    }
  }
}

void TrainingBasketCounts::clear() {
  for (int32_t p : touched) {
    own[static_cast<size_t>(p)] = 0;
    seen_in[static_cast<size_t>(p)] = 0;
  }
  touched.clear();
}

// Per-thread counts, and the current customer's.
struct Counts {
  std::vector<int32_t> buyers, repeaters;
  TrainingBasketCounts customer;
  explicit Counts(size_t n_products) : buyers(n_products), repeaters(n_products) {}
};

}  // namespace

ProductHabits product_habits(const Store& store, const SplitInfo& split) {
  const size_t P = store.n_products();
  tbb::combinable<Counts> counts([P] { return Counts(P); });
  tbb::parallel_for(tbb::blocked_range<size_t>(0, store.n_customers(), 256), [&](const auto& r) {
    Counts& c = counts.local();
    for (size_t customer = r.begin(); customer < r.end(); ++customer) {
      c.customer.count(store, split, static_cast<int32_t>(customer));
      for (int32_t p : c.customer.touched) {
        const auto i = static_cast<size_t>(p);
        ++c.buyers[i];
        if (c.customer.own[i] >= 2) ++c.repeaters[i];
      }
      c.customer.clear();
    }
  });
  ProductHabits h;
  h.buyers.assign(P, 0);
  h.repeaters.assign(P, 0);
  counts.combine_each([&](const Counts& c) {
    for (size_t p = 0; p < P; ++p) {
      h.buyers[p] += c.buyers[p];
      h.repeaters[p] += c.repeaters[p];
    }
  });
  return h;
}

float ProductHabits::repeat_share(int32_t product, int32_t own) const {
  const auto p = static_cast<size_t>(product);
  const double other_buyers = buyers[p] - (own >= 1 ? 1 : 0);
  const double other_repeaters = repeaters[p] - (own >= 2 ? 1 : 0);
  // Shrunk towards one half when few others bought it.
  return static_cast<float>((other_repeaters + 0.5) / (other_buyers + 1.0));
}

}  // namespace retailsim::prepare
