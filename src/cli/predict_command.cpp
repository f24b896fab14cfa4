// `retailsim predict`: one customer's predicted next basket from the trained world model
// ("model.predict" job): top-k products with probabilities, basket size, next store.
#include <cstdio>

#include "cli/command.h"
#include "core/torch_runtime.h"

namespace retailsim::cli {

Command add_predict_command(CLI::App& root) {
  struct Options {
    fs::path data;
    std::string customer;
    int week = -1;
    std::string store;
    int top_k = 10;
    bool json = false;
  };
  auto options = std::make_shared<Options>();
  CLI::App* app = root.add_subcommand(
      "predict", "Top-k products with probabilities, basket size and next store of one customer");
  app->add_option("--data", options->data, "Dataset folder")->required();
  app->add_option("--customer", options->customer, "CUST_CODE")->required();
  app->add_option("--week", options->week,
                  "Calendar week index of the target (a next-basket sample's week; default: the "
                  "customer's latest)");
  app->add_option("--store", options->store, "STORE_CODE whose prices score the products");
  app->add_option("--top", options->top_k, "How many products")->check(CLI::PositiveNumber);
  app->add_flag("--json", options->json, "Print JSON");

  Command command;
  command.app = app;
  command.data_dir = [options] { return options->data; };
  command.run = [options](CommandContext& ctx) {
    load_torch_runtime(ctx.global.resolved_threads());
    Json args = {{"data_dir", options->data.string()},
                 {"customer", options->customer},
                 {"week", options->week},
                 {"top_k", options->top_k},
                 {"seed", ctx.seed()},
                 {"config_path", ctx.global.config_path.string()}};
    if (!options->store.empty()) args["store"] = options->store;
    const Json result = run_torch_job("model.predict", args, ctx.global.quiet);
    ctx.counts = {{"customer", options->customer}, {"products", result.at("products").size()}};
    if (options->json) {
      std::printf("%s\n", result.dump(2).c_str());
      return;
    }
    std::printf("customer %s, week %d (shop week %d), store %s\n",
                result.at("customer").get<std::string>().c_str(), result.at("week").get<int>(),
                result.at("shop_week").get<int>(), result.at("store").get<std::string>().c_str());
    for (const Json& p : result.at("products")) {
      std::printf("  %-12s p=%.3f  quantity %.2f\n", p.at("product").get<std::string>().c_str(),
                  p.at("probability").get<double>(), p.at("expected_quantity").get<double>());
    }
    if (result.contains("basket_size")) {
      std::printf("basket size %s (p=%.2f)\n",
                  result.at("basket_size").at("code").get<std::string>().c_str(),
                  result.at("basket_size").at("probability").get<double>());
    }
    if (result.contains("next_store")) {
      std::printf("next store %s (p=%.2f; no trip p=%.2f)\n",
                  result.at("next_store").at("store").get<std::string>().c_str(),
                  result.at("next_store").at("probability").get<double>(),
                  result.at("next_store").at("no_trip_probability").get<double>());
    }
  };
  return command;
}

}  // namespace retailsim::cli
