// Methods scored elsewhere (the world model inside the torch module, or any outside tool): their
// top-n lists are read from reports/rankings/<method>/<fold>.npy, one row per evaluation case.
#include "core/error.h"
#include "core/npy.h"
#include "eval/eval.h"

namespace retailsim::eval {

fs::path ranking_file(const fs::path& data_dir, const std::string& method,
                      const std::string& fold_name) {
  return data_dir / "reports" / "rankings" / method / (fold_name + ".npy");
}

namespace {

class RankingFile : public Recommender {
 public:
  RankingFile(const MethodContext& context, const std::string& method) {
    const fs::path path = ranking_file(context.data_dir, method, context.fold->name);
    if (!fs::exists(path))
      fail("{}: no rankings of method '{}' for {} (write one row per case of {})", path.string(),
           method, context.fold->name, case_file(context.data_dir, context.fold->name).string());
    Column<int32_t> column(path);
    const auto& shape = column.shape();
    const size_t n_cases = context.fold->cases.size() + context.fold->cold_cases.size();
    if (shape.size() != 2 || shape[0] != n_cases)
      fail("{}: expected int32 [{}, n] (one row per case of {}), got {} dimensions of {} rows",
           path.string(), n_cases, case_file(context.data_dir, context.fold->name).string(),
           shape.size(), shape.empty() ? 0 : shape[0]);
    width_ = static_cast<size_t>(shape[1]);
    values_.assign(column.begin(), column.end());
    fs::path probabilities = path;
    probabilities.replace_extension(".probabilities.npy");
    if (fs::exists(probabilities)) {
      Column<float> p(probabilities);
      if (p.shape() != shape)
        fail("{}: expected float32 of the rankings' shape [{}, {}]", probabilities.string(),
             shape[0], shape[1]);
      probabilities_.assign(p.begin(), p.end());
    }
  }

  void fit(const TrainingView& view) override { view_ = &view; }

  std::vector<int32_t> recommend(const EvalCase& c, int n) const override {
    std::vector<int32_t> out;
    for (size_t i : kept(static_cast<size_t>(c.index), n)) out.push_back(values_[i]);
    return out;
  }

  std::vector<double> probabilities(const EvalCase& c,
                                    std::span<const int32_t> ranked) const override {
    std::vector<double> out;
    if (probabilities_.empty()) return out;
    for (size_t i : kept(static_cast<size_t>(c.index), static_cast<int>(ranked.size())))
      out.push_back(probabilities_[i]);
    return out;
  }

 private:
  // Positions in values_ of row r's first n candidate products.
  std::vector<size_t> kept(size_t r, int n) const {
    std::vector<size_t> out;
    for (size_t i = 0; i < width_ && out.size() < static_cast<size_t>(n); ++i) {
      const int32_t p = values_[r * width_ + i];
      if (p < 0) break;
      if (static_cast<size_t>(p) < view_->candidate.size() &&
          view_->candidate[static_cast<size_t>(p)])
        out.push_back(r * width_ + i);
    }
    return out;
  }
  std::vector<int32_t> values_;
  std::vector<float> probabilities_;  // empty: no probabilities file
  size_t width_ = 0;
  const TrainingView* view_ = nullptr;
};

}  // namespace

std::unique_ptr<Recommender> ranking_file_method(const MethodContext& context,
                                                 const std::string& method) {
  return std::make_unique<RankingFile>(context, method);
}

}  // namespace retailsim::eval
