// The case list of a fold on disk (reports/eval_cases/<fold>.npy), so methods scored outside this
// process (the world model) rank exactly the cases evaluate measures.
#include "core/npy.h"
#include "eval/eval.h"

namespace retailsim::eval {

fs::path case_file(const fs::path& data_dir, const std::string& fold_name) {
  return data_dir / "reports" / "eval_cases" / (fold_name + ".npy");
}

void write_case_file(const fs::path& path, const Fold& fold) {
  const BasketTable& t = *fold.view.baskets;
  std::vector<int32_t> rows;
  rows.reserve((fold.cases.size() + fold.cold_cases.size()) * kCaseColumns);
  auto append = [&](const EvalCase& c, int32_t split) {
    rows.insert(rows.end(), {c.customer, t.store_basket[static_cast<size_t>(c.target)], c.n_history,
                             c.week, c.store, c.date, c.weekday, c.hour, split});
  };
  for (const EvalCase& c : fold.cases) append(c, 0);
  for (const EvalCase& c : fold.cold_cases) append(c, 1);
  fs::create_directories(path.parent_path());
  write_npy(path, rows,
            {static_cast<uint64_t>(fold.cases.size() + fold.cold_cases.size()),
             static_cast<uint64_t>(kCaseColumns)});
}

}  // namespace retailsim::eval
