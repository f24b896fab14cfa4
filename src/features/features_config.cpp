// The [features] config section: defaults, reading, validation and its JSON for manifests.
#include "core/error.h"
#include "features/features.h"

namespace retailsim::features {

FeaturesConfig FeaturesConfig::from_section(const Section& section, uint64_t seed) {
  section.check_known_keys(
      {"train_fraction", "val_fraction", "cold_start_trips", "price_scale", "substitute_penalty",
       "complement_bonus", "graph_dims", "graph_hidden_dims", "graph_epochs", "graph_batch_edges",
       "graph_neighbours_1", "graph_neighbours_2", "graph_negatives", "graph_learning_rate",
       "graph_holdout_fraction", "graph_neighbours_report", "graph_threads"});
  FeaturesConfig c;
  c.train_fraction = section.get_double("train_fraction", c.train_fraction);
  c.val_fraction = section.get_double("val_fraction", c.val_fraction);
  c.cold_start_trips = static_cast<int>(section.get_int("cold_start_trips", c.cold_start_trips));
  c.price_scale = section.get_double("price_scale", c.price_scale);
  c.substitute_penalty = section.get_double("substitute_penalty", c.substitute_penalty);
  c.complement_bonus = section.get_double("complement_bonus", c.complement_bonus);
  GraphEmbeddingConfig& g = c.graph;
  auto get_int = [&](const char* key, int value) {
    return static_cast<int>(section.get_int(key, value));
  };
  g.dims = get_int("graph_dims", g.dims);
  g.hidden_dims = get_int("graph_hidden_dims", g.hidden_dims);
  g.epochs = get_int("graph_epochs", g.epochs);
  g.batch_edges = get_int("graph_batch_edges", g.batch_edges);
  g.neighbours_1 = get_int("graph_neighbours_1", g.neighbours_1);
  g.neighbours_2 = get_int("graph_neighbours_2", g.neighbours_2);
  g.negatives = get_int("graph_negatives", g.negatives);
  g.learning_rate = section.get_double("graph_learning_rate", g.learning_rate);
  g.holdout_fraction = section.get_double("graph_holdout_fraction", g.holdout_fraction);
  g.neighbours_report = get_int("graph_neighbours_report", g.neighbours_report);
  g.threads = get_int("graph_threads", g.threads);
  c.seed = seed;
  g.seed = seed;
  c.validate();
  return c;
}

void FeaturesConfig::validate() const {
  if (!(train_fraction > 0 && val_fraction > 0 && train_fraction + val_fraction < 1)) {
    fail("[features] train_fraction and val_fraction must be > 0 with a sum below 1 (got {}, {})",
         train_fraction, val_fraction);
  }
  if (cold_start_trips < 1)
    fail("[features] cold_start_trips must be >= 1 (got {})", cold_start_trips);
  if (!(price_scale > 0)) fail("[features] price_scale must be > 0 (got {})", price_scale);
  if (substitute_penalty < 0 || complement_bonus < 0) {
    fail("[features] substitute_penalty and complement_bonus must be >= 0");
  }
  graph.validate();
}

void GraphEmbeddingConfig::validate() const {
  auto at_least = [](const char* key, int value, int low) {
    if (value < low) fail("[features] {} must be >= {} (got {})", key, low, value);
  };
  at_least("graph_dims", dims, 1);
  at_least("graph_hidden_dims", hidden_dims, 1);
  at_least("graph_epochs", epochs, 0);
  at_least("graph_batch_edges", batch_edges, 1);
  at_least("graph_neighbours_1", neighbours_1, 1);
  at_least("graph_neighbours_2", neighbours_2, 1);
  at_least("graph_negatives", negatives, 1);
  at_least("graph_neighbours_report", neighbours_report, 1);
  at_least("graph_threads", threads, 0);
  if (!(learning_rate > 0)) {
    fail("[features] graph_learning_rate must be > 0 (got {})", learning_rate);
  }
  if (!(holdout_fraction >= 0 && holdout_fraction < 1)) {
    fail("[features] graph_holdout_fraction must be in [0, 1) (got {})", holdout_fraction);
  }
}

Json GraphEmbeddingConfig::to_json() const {
  return Json{{"dims", dims},
              {"hidden_dims", hidden_dims},
              {"epochs", epochs},
              {"batch_edges", batch_edges},
              {"neighbours_1", neighbours_1},
              {"neighbours_2", neighbours_2},
              {"negatives", negatives},
              {"learning_rate", learning_rate},
              {"holdout_fraction", holdout_fraction},
              {"neighbours_report", neighbours_report},
              {"threads", threads},
              {"seed", seed}};
}

GraphEmbeddingConfig GraphEmbeddingConfig::from_json(const Json& j) {
  GraphEmbeddingConfig c;
  c.dims = j.at("dims").get<int>();
  c.hidden_dims = j.at("hidden_dims").get<int>();
  c.epochs = j.at("epochs").get<int>();
  c.batch_edges = j.at("batch_edges").get<int>();
  c.neighbours_1 = j.at("neighbours_1").get<int>();
  c.neighbours_2 = j.at("neighbours_2").get<int>();
  c.negatives = j.at("negatives").get<int>();
  c.learning_rate = j.at("learning_rate").get<double>();
  c.holdout_fraction = j.at("holdout_fraction").get<double>();
  c.neighbours_report = j.at("neighbours_report").get<int>();
  c.threads = j.at("threads").get<int>();
  c.seed = j.at("seed").get<uint64_t>();
  c.validate();
  return c;
}

Json FeaturesConfig::to_json() const {
  return Json{{"train_fraction", train_fraction},
              {"val_fraction", val_fraction},
              {"cold_start_trips", cold_start_trips},
              {"price_scale", price_scale},
              {"substitute_penalty", substitute_penalty},
              {"complement_bonus", complement_bonus},
              {"seed", seed},
              {"graph", graph.to_json()}};
}

}  // namespace retailsim::features
