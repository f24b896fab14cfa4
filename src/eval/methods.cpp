// The registry of evaluation methods: a new method is one file with its factory plus one line
// here.
#include "eval/methods.h"

namespace retailsim::eval {

const std::vector<MethodInfo>& registered_methods() {
  static const std::vector<MethodInfo> methods = {
      {"g-topfreq", "the most popular products (G-TopFreq)", make_g_topfreq, false},
      {"p-topfreq", "the customer's most frequent products (P-TopFreq)", make_p_topfreq, false},
      {"gp-topfreq", "P-TopFreq filled up with G-TopFreq", make_gp_topfreq, false},
      {"tifu-knn", "TIFU-KNN, published dunnhumby settings", make_tifu_knn, false},
      {"tifu-knn-tuned", "TIFU-KNN tuned on validation customers by NDCG@10", make_tifu_knn_tuned,
       false},
      {"oracle", "the generator's true purchase probabilities (synthetic data)", make_oracle, true},
      {"oracle-history",
       "the oracle with each customer's favourite shares estimated from their history (synthetic "
       "data): the ceiling of methods that learn habits from purchases",
       make_oracle_history, true},
  };
  return methods;
}

}  // namespace retailsim::eval
