// Where a trained model's checkpoint is (model.h); torch-free, so the CLI can ask too.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/error.h"
#include "core/manifest.h"
#include "model/model.h"

namespace retailsim::model {

fs::path find_checkpoint(const fs::path& data_dir, const std::string& which) {
  const fs::path dir = data_dir / "models" / which;
  if (fs::exists(dir / "best.pt")) return dir / "best.pt";
  if (fs::exists(dir / "latest.pt")) return dir / "latest.pt";
  return {};
}

fs::path require_checkpoint(const fs::path& data_dir, const std::string& which) {
  fs::path checkpoint = find_checkpoint(data_dir, which);
  if (checkpoint.empty()) {
    fail("{}: no trained {} model (run retailsim train --data {} --model {})",
         (data_dir / "models" / which).string(), which, data_dir.string(), which);
  }
  return checkpoint;
}

fs::path member_dir(const fs::path& data_dir, const std::string& which, int member) {
  const fs::path dir = data_dir / "models" / which;
  return member == 0 ? dir : dir / fmt::format("member-{}", member);
}

std::vector<fs::path> member_checkpoints(const fs::path& data_dir, const std::string& which) {
  std::vector<fs::path> out = {require_checkpoint(data_dir, which)};
  for (int k = 1; fs::exists(member_dir(data_dir, which, k) / "best.pt"); ++k)
    out.push_back(member_dir(data_dir, which, k) / "best.pt");
  return out;
}

bool store_visit_inputs_current(const fs::path& checkpoint) {
  const fs::path path = checkpoint.parent_path() / "model.json";
  if (!fs::exists(path)) return false;
  if (read_json(path).value("store_visit_inputs", std::string()) == kStoreVisitInputs) return true;
  spdlog::warn(
      "{}: this store-visit model was trained with the target trip's date, weekday and hour among "
      "its inputs, which give away whether the week holds a trip; its answers for weeks not yet "
      "shopped are wrong. Retrain it (retailsim train --model store-visit)",
      checkpoint.parent_path().string());
  return false;
}

}  // namespace retailsim::model
