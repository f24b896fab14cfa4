// Internal to eval: the factories of the registered methods, the pieces of the baselines that
// tests check by hand (frequency rankings, TIFU-KNN's customer vectors and neighbours), and what
// the next-basket and store-visit parts share (the temporal weeks, truth and ranking folders).
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "eval/eval.h"

namespace retailsim::synth {
class TruthModel;
}

namespace retailsim::eval {

// Whether the dataset holds the generator's truth (truth/world.json): synthetic data.
bool has_truth(const fs::path& data_dir);
// The names of the folders in `dir` (e.g. reports/rankings/: the ranking-file methods), sorted;
// none when it does not exist.
std::vector<std::string> subfolders(const fs::path& dir);

// The temporal protocol's weeks, calendar week indices: the data weeks split as
// features::split_weeks with the [features] fractions. Throws Error for an empty store.
struct TemporalWeeks {
  int32_t first = 0;      // the first data week
  int32_t train_end = 0;  // first validation week
  int32_t test_begin = 0;
  int32_t end = 0;  // one past the last data week
};
TemporalWeeks temporal_weeks(const Store& store, const EvalConfig& config);

// The generator's world ids of the store's products, customers, stores and calendar weeks (-1
// where the world has none), for the methods that read the truth.
struct WorldIds {
  std::vector<int> product, customer, store, week;
};
WorldIds world_ids(const synth::TruthModel& truth, const Store& store);

// Candidates by the number of visible baskets holding them (most first, ties: lower id); only
// products bought at least once.
std::vector<int32_t> global_ranking(const TrainingView& view);
// The case's history products by how many history baskets hold them, then the latest purchase,
// then the lower id; candidates only.
std::vector<int32_t> personal_ranking(const TrainingView& view, const EvalCase& c);

// TIFU-KNN's customer vector as the reference implementation computes it: basket i of n gets
// r_b^(n-1-i) on its products; the baskets are cut into m groups in order (the last n mod m
// groups one basket longer), each group the mean of its baskets; group g (0 = oldest) is weighted
// r_g^(m-1-g) and the sum divided by the number of groups. With fewer than m baskets each basket
// is its own group (weights still r_g^(m-1-g)).
struct SparseVector {
  std::vector<int32_t> index;  // ascending product ids
  std::vector<double> value;
  double norm2 = 0;  // squared euclidean norm
};
SparseVector tifu_user_vector(const BasketTable& baskets, std::span<const int32_t> history,
                              double r_b, double r_g, int m);

std::unique_ptr<Recommender> make_g_topfreq(const MethodContext& context);
std::unique_ptr<Recommender> make_p_topfreq(const MethodContext& context);
std::unique_ptr<Recommender> make_gp_topfreq(const MethodContext& context);
std::unique_ptr<Recommender> make_tifu_knn(const MethodContext& context);
std::unique_ptr<Recommender> make_tifu_knn_tuned(const MethodContext& context);
std::unique_ptr<Recommender> make_oracle(const MethodContext& context);
std::unique_ptr<Recommender> make_oracle_history(const MethodContext& context);

// TIFU-KNN with explicit settings (tests and the tuned variant).
std::unique_ptr<Recommender> make_tifu_knn_with(const TifuSettings& settings);

}  // namespace retailsim::eval
