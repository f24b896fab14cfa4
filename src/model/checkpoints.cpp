// Where a trained model's checkpoint is (model.h); torch-free, so the CLI can ask too.
#include <fmt/format.h>

#include "core/error.h"
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

}  // namespace retailsim::model
