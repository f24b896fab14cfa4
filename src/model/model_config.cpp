// ModelConfig: the [model] section, its JSON form (stored in checkpoints) and its checks.
#include "core/error.h"
#include "model/model.h"

namespace retailsim::model {
namespace {

// Every field once, so reading the TOML and the JSON round trip cannot drift apart.
template <typename Visit>
void visit_fields(ModelConfig& c, Visit&& visit) {
  visit("encoder", c.encoder);
  visit("product_price_scale", c.product_price_scale);
  visit("product_habits", c.product_habits);
  visit("store_lift", c.store_lift);
  visit("label_history", c.label_history);
  visit("label_reweight", c.label_reweight);
  visit("customer_weight", c.customer_weight);
  visit("d_model", c.d_model);
  visit("n_heads", c.n_heads);
  visit("encoder_layers", c.encoder_layers);
  visit("decoder_layers", c.decoder_layers);
  visit("n_queries", c.n_queries);
  visit("feedforward", c.feedforward);
  visit("mamba_state", c.mamba_state);
  visit("mamba_expand", c.mamba_expand);
  visit("mamba_conv", c.mamba_conv);
  visit("dropout", c.dropout);
  visit("max_history", c.max_history);
  visit("max_gap_weeks", c.max_gap_weeks);
  visit("focal_gamma", c.focal_gamma);
  visit("contrastive_temperature", c.contrastive_temperature);
  visit("n_negatives", c.n_negatives);
  visit("label_smoothing", c.label_smoothing);
  visit("store_hidden", c.store_hidden);
  visit("visit_calendar", c.visit_calendar);
  visit("loss_focal", c.loss.focal);
  visit("loss_contrastive", c.loss.contrastive);
  visit("loss_auxiliary", c.loss.auxiliary);
  visit("loss_sampled_softmax", c.loss.sampled_softmax);
  visit("loss_bce", c.loss.bce);
  visit("loss_quantity", c.loss.quantity);
  visit("loss_masked", c.loss.masked);
}

template <typename Visit>
void visit_vocabulary(ModelConfig& c, Visit&& visit) {
  visit("n_products", c.n_products);
  visit("n_stores", c.n_stores);
  visit("n_basket_sizes", c.n_basket_sizes);
  visit("n_price_sensitivities", c.n_price_sensitivities);
  visit("n_mission_types", c.n_mission_types);
  visit("n_mission_focuses", c.n_mission_focuses);
  visit("n_product_groups", c.n_product_groups);
}

}  // namespace

ModelConfig ModelConfig::from_section(const Section& section) {
  ModelConfig c;
  std::set<std::string, std::less<>> known;
  visit_fields(c, [&](const char* key, auto& field) {
    known.insert(key);
    using T = std::decay_t<decltype(field)>;
    if constexpr (std::is_same_v<T, std::string>) {
      field = section.get_string(key, field);
    } else if constexpr (std::is_same_v<T, double>) {
      field = section.get_double(key, field);
    } else {
      field = section.get_int(key, field);
    }
  });
  known.insert("ensemble");
  c.ensemble = section.get_int("ensemble", c.ensemble);
  section.check_known_keys(known);
  c.validate();
  return c;
}

Json ModelConfig::to_json() const {
  Json j = Json::object();
  ModelConfig copy = *this;
  visit_fields(copy, [&](const char* key, auto& field) { j[key] = field; });
  visit_vocabulary(copy, [&](const char* key, auto& field) { j[key] = field; });
  return j;
}

ModelConfig ModelConfig::from_json(const Json& j) {
  ModelConfig c;
  // Checkpoints written before the key scaled both price features per product.
  if (!j.contains("product_price_scale")) c.product_price_scale = "both";
  // ... and saw only the customer's own history of a repeat product.
  if (!j.contains("product_habits")) c.product_habits = 0;
  // ... and not how the target's store sells it.
  if (!j.contains("store_lift")) c.store_lift = 0;
  // ... and had heads over the user vector alone.
  if (!j.contains("label_history")) c.label_history = 0;
  if (!j.contains("label_reweight")) c.label_reweight = 0;
  // ... and weighed every training sample the same.
  if (!j.contains("customer_weight")) c.customer_weight = 0.0;
  // ... and the store-visit model read every block of T3 but its trend.
  if (!j.contains("visit_calendar")) c.visit_calendar = "on";
  auto read = [&](const char* key, auto& field) {
    if (j.contains(key)) j.at(key).get_to(field);
  };
  visit_fields(c, read);
  visit_vocabulary(c, read);
  return c;
}

void ModelConfig::validate() const {
  if (encoder != "transformer" && encoder != "mamba") {
    fail("[model] encoder: expected \"transformer\" or \"mamba\", got \"{}\"", encoder);
  }
  if (product_price_scale != "relative" && product_price_scale != "group" &&
      product_price_scale != "group-both" && product_price_scale != "both" &&
      product_price_scale != "none") {
    fail(
        "[model] product_price_scale: expected \"relative\", \"group\", \"group-both\", "
        "\"both\" or \"none\", got \"{}\"",
        product_price_scale);
  }
  if (product_habits != 0 && product_habits != 1) {
    fail("[model] product_habits: expected 0 or 1, got {}", product_habits);
  }
  if (store_lift != 0 && store_lift != 1) {
    fail("[model] store_lift: expected 0 or 1, got {}", store_lift);
  }
  if (store_lift == 1 && product_habits != 1) {
    fail("[model] store_lift = 1 needs product_habits = 1 (the feature follows it)");
  }
  if (label_history != 0 && label_history != 1) {
    fail("[model] label_history: expected 0 or 1, got {}", label_history);
  }
  if (label_reweight != 0 && label_reweight != 1) {
    fail("[model] label_reweight: expected 0 or 1, got {}", label_reweight);
  }
  if (!(customer_weight >= 0.0 && customer_weight <= 1.0)) {
    fail("[model] customer_weight: expected a power from 0 to 1, got {}", customer_weight);
  }
  if (d_model < 4 || n_heads < 1 || d_model % n_heads != 0) {
    fail("[model] d_model ({}) must be at least 4 and divisible by n_heads ({})", d_model, n_heads);
  }
  if (encoder_layers < 1 || decoder_layers < 1 || n_queries < 1 || feedforward < 1) {
    fail("[model] encoder_layers, decoder_layers, n_queries and feedforward must be positive");
  }
  if (mamba_state < 1 || mamba_expand < 1 || mamba_conv < 1) {
    fail("[model] mamba_state, mamba_expand and mamba_conv must be positive");
  }
  if (dropout < 0 || dropout >= 1) fail("[model] dropout must be in [0, 1), got {}", dropout);
  if (max_history < 1 || max_gap_weeks < 1)
    fail("[model] max_history and max_gap_weeks must be positive");
  if (focal_gamma < 0) fail("[model] focal_gamma must be >= 0, got {}", focal_gamma);
  if (contrastive_temperature <= 0) fail("[model] contrastive_temperature must be > 0");
  if (n_negatives < 1) fail("[model] n_negatives must be positive, got {}", n_negatives);
  if (label_smoothing < 0 || label_smoothing >= 1)
    fail("[model] label_smoothing must be in [0, 1)");
  if (store_hidden < 1) fail("[model] store_hidden must be positive");
  if (visit_calendar != "auto" && visit_calendar != "on" && visit_calendar != "off")
    fail("[model] visit_calendar must be auto, on or off (got '{}')", visit_calendar);
  if (ensemble < 1 || ensemble > 16)
    fail("[model] ensemble must be between 1 and 16 members, got {}", ensemble);
  for (double w : {loss.focal, loss.contrastive, loss.auxiliary, loss.sampled_softmax, loss.bce,
                   loss.quantity, loss.masked}) {
    if (w < 0) fail("[model] loss weights must be >= 0, got {}", w);
  }
}

}  // namespace retailsim::model
