// The basket model: history encoder, cross-attention decoder, product scores with the personal
// repeat term and the sign-constrained price term, auxiliary heads, quantity and masked items.
#include "core/error.h"
#include "model/modules.h"

namespace retailsim::model {
namespace {

// Counts and week spans of the repeat features range over orders of magnitude.
torch::Tensor signed_log1p(const torch::Tensor& x) {
  return torch::sign(x) * torch::log1p(torch::abs(x));
}

// Repeat features the score reads: the customer's own history, plus the product's habits, plus
// how the target's store sells it.
int64_t repeat_inputs_of(const ModelConfig& config) {
  return prepare::kPersonalRepeatDims + config.product_habits + config.store_lift;
}

// Classes of the auxiliary heads, in Batch::history_labels' order.
std::array<int32_t, 4> label_counts_of(const ModelConfig& config) {
  return {config.n_basket_sizes, config.n_price_sensitivities, config.n_mission_types,
          config.n_mission_focuses};
}

torch::nn::Linear head(int64_t d_model, int32_t n_classes) {
  return torch::nn::Linear(d_model, std::max<int64_t>(1, n_classes));
}

}  // namespace

BasketModelImpl::BasketModelImpl(const ModelConfig& config)
    : config_(config), n_products_(config.n_products) {
  const int64_t d = config.d_model;
  items_ = register_module("items", torch::nn::Embedding(n_products_ + 2, d));
  gaps_ = register_module("gaps", torch::nn::Embedding(config.max_gap_weeks + 1, d));
  stores_ = register_module("stores", torch::nn::Embedding(config.n_stores + 1, d));
  context_ = register_module(
      "context", torch::nn::Linear(prepare::kT1Dims + prepare::kT3Dims + prepare::kT5Dims, d));
  t2_proj_ = register_module("t2_proj", torch::nn::Linear(prepare::kT2Dims, d));
  t4_proj_ = register_module("t4_proj", torch::nn::Linear(prepare::kT4Dims, d));
  user_proj_ = register_module("user_proj", torch::nn::Linear(d, d));
  size_proj_ = register_module("size_proj", torch::nn::Linear(1, d));
  user_norm_ = register_module("user_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d})));
  history_encoder_ = register_module("history_encoder", HistoryEncoder(config));
  auto encoder_layer = torch::nn::TransformerEncoderLayerOptions(d, config.n_heads)
                           .dim_feedforward(config.feedforward)
                           .dropout(config.dropout);
  item_encoder_ = register_module(
      "item_encoder",
      torch::nn::TransformerEncoder(torch::nn::TransformerEncoderOptions(encoder_layer, 1)));
  auto decoder_layer = torch::nn::TransformerDecoderLayerOptions(d, config.n_heads)
                           .dim_feedforward(config.feedforward)
                           .dropout(config.dropout);
  decoder_ =
      register_module("decoder", torch::nn::TransformerDecoder(torch::nn::TransformerDecoderOptions(
                                     decoder_layer, config.decoder_layers)));
  const int64_t repeat_inputs = repeat_inputs_of(config);
  repeat_ =
      register_module("repeat", torch::nn::Sequential(torch::nn::Linear(repeat_inputs + 1, 32),
                                                      torch::nn::ReLU(), torch::nn::Linear(32, 1)));
  repeat_linear_ = register_module("repeat_linear", torch::nn::Linear(repeat_inputs, 1));
  price_coef_ = register_module("price_coef", torch::nn::Linear(d, kScoreFeatures));
  repeat_price_coef_ = register_module("repeat_price_coef", torch::nn::Linear(d, kScoreFeatures));
  price_scale_ = register_module("price_scale", torch::nn::Linear(d, kScoreFeatures));
  quantity_ = register_module("quantity", torch::nn::Linear(2 * d, 1));
  size_head_ = register_module("size_head", head(d, config.n_basket_sizes));
  sensitivity_head_ = register_module("sensitivity_head", head(d, config.n_price_sensitivities));
  type_head_ = register_module("type_head", head(d, config.n_mission_types));
  focus_head_ = register_module("focus_head", head(d, config.n_mission_focuses));
  queries_ = register_parameter("queries", torch::randn({config.n_queries, d}) * 0.02);
  product_bias_ = register_parameter("product_bias", torch::zeros({n_products_}));
  price_scale_bias_ =
      register_parameter("price_scale_bias", torch::zeros({n_products_, kScoreFeatures}));
  quantity_price_ = register_parameter("quantity_price", torch::zeros({2}));
  if (config.label_history) {
    const char* names[4] = {"size_label_prior", "sensitivity_label_prior", "type_label_prior",
                            "focus_label_prior"};
    for (size_t a = 0; a < 4; ++a) {
      const int32_t n = label_counts_of(config)[a];
      if (n > 0) label_prior_[a] = register_parameter(names[a], torch::eye(n));
    }
  }
  if (config.product_price_scale.starts_with("group")) {
    // "group": the own price's scale per sub-commodity; "group-both": both prices' scales.
    const int64_t n_groups = std::max<int64_t>(1, config.n_product_groups);
    product_group_ = register_buffer("product_group", torch::zeros({n_products_}, torch::kInt64));
    group_own_scale_ =
        config.product_price_scale == "group-both"
            ? register_parameter("group_price_scale", torch::zeros({n_groups, kScoreFeatures}))
            : register_parameter("group_own_price_scale", torch::zeros({n_groups}));
  }
  {
    torch::NoGradGuard no_grad;
    items_->weight.normal_(0.0, 0.1);
    // Price coefficients start at softplus(0) for every shopper and product scales at 1, not at
    // a random draw: the data pin the own-price level down only weakly, and a random start moved
    // it from one training seed to the next (docs/decisions.md).
    for (torch::nn::Linear* price : {&price_coef_, &repeat_price_coef_, &price_scale_}) {
      (*price)->weight.zero_();
      (*price)->bias.zero_();
    }
    // The repeat term starts as personal top-frequency (log1p of the purchase count, feature 0),
    // the strongest single signal in grocery; the MLP learns the rest (recency, regularity).
    repeat_linear_->weight.zero_();
    repeat_linear_->weight[0][0] = 1.0;
    repeat_linear_->bias.zero_();
  }
}

torch::Tensor BasketModelImpl::product_vectors() const {
  return items_->weight.slice(0, 0, n_products_);
}

void BasketModelImpl::set_product_groups(const std::vector<int64_t>& group) {
  if (!product_group_.defined())
    fail("product groups: product_price_scale is not \"group\" or \"group-both\"");
  if (static_cast<int64_t>(group.size()) != n_products_)
    fail("product groups: {} values for {} products", group.size(), n_products_);
  const int64_t n_groups = group_own_scale_.size(0);
  for (int64_t g : group) {
    if (g < 0 || g >= n_groups) fail("product groups: group {} outside 0..{}", g, n_groups - 1);
  }
  torch::NoGradGuard no_grad;
  product_group_.copy_(torch::tensor(group, torch::kInt64).to(product_group_.device()));
}

torch::Tensor BasketModelImpl::context_token(const BatchTensors& batch) {
  return context_->forward(torch::cat({batch.t1, batch.t3, batch.t5}, 1));
}

namespace {
// The direction of each score feature (model.h): a higher relative or own price lowers the
// score; the coefficients are positive, so demand moves one way only.
torch::Tensor price_signs(const torch::TensorOptions& options) {
  return torch::tensor({-1.0f, -1.0f}, options);
}
}  // namespace

PriceCoefficients BasketModelImpl::price_coefficients(const torch::Tensor& user) {
  const torch::Tensor sign = price_signs(user.options());
  return {torch::softplus(price_coef_->forward(user)) * sign,
          torch::softplus(repeat_price_coef_->forward(user)) * sign};
}

torch::Tensor BasketModelImpl::price_scale() {
  // 1 for every product at initialisation (softplus(0) / log 2).
  const torch::Tensor ones =
      torch::ones({n_products_, kScoreFeatures}, price_scale_bias_.options());
  if (config_.product_price_scale == "none") return ones;
  // Per sub-commodity: [n_products] ("group", the own price) or [n_products, kScoreFeatures].
  const torch::Tensor by_group =
      product_group_.defined()
          ? torch::softplus(group_own_scale_.index_select(0, product_group_)) / std::log(2.0)
          : torch::Tensor();
  if (config_.product_price_scale == "group-both") return by_group;
  const torch::Tensor learned =
      torch::softplus(price_scale_->forward(product_vectors()) + price_scale_bias_) / std::log(2.0);
  if (config_.product_price_scale == "both") return learned;
  if (config_.product_price_scale == "group")
    return torch::cat({learned.slice(1, 0, 1), by_group.unsqueeze(1)}, 1);
  return torch::cat({learned.slice(1, 0, 1), ones.slice(1, 1)}, 1);  // "relative"
}

torch::Tensor BasketModelImpl::price_term(const torch::Tensor& user,
                                          const torch::Tensor& price_features,
                                          const torch::Tensor& repeat_sample,
                                          const torch::Tensor& repeat_product) {
  const PriceCoefficients coef = price_coefficients(user);
  const torch::Tensor scaled =
      price_features.slice(2, 0, kScoreFeatures) * price_scale().unsqueeze(0);  // [B, P, K]
  torch::Tensor term = (scaled * coef.explore.unsqueeze(1)).sum(-1);            // [B, P]
  if (repeat_sample.defined() && repeat_sample.numel() > 0) {
    const torch::Tensor repeat =
        (scaled.index({repeat_sample, repeat_product}) * coef.repeat.index_select(0, repeat_sample))
            .sum(-1);
    term = term.index_put({repeat_sample, repeat_product}, repeat);
  }
  return term;
}

torch::Tensor BasketModelImpl::quantity_price_coefficients() {
  return torch::softplus(quantity_price_);
}

torch::Tensor BasketModelImpl::quantity_log_rate(const torch::Tensor& user,
                                                 const torch::Tensor& sample,
                                                 const torch::Tensor& product,
                                                 const torch::Tensor& price_features) {
  torch::Tensor input =
      torch::cat({user.index_select(0, sample), product_vectors().index_select(0, product)}, 1);
  torch::Tensor rate = quantity_->forward(input).squeeze(-1);
  if (price_features.defined()) {
    // Promotions add units (multibuys, stocking up): flag and depth, positive coefficients.
    rate = rate + torch::matmul(price_features.slice(1, 2, 4), quantity_price_coefficients());
  }
  return rate;
}

BasketOutputs BasketModelImpl::forward(const BatchTensors& batch) {
  const int64_t B = batch.size;
  const int64_t H = batch.history_index.size(1);
  const int64_t d = config_.d_model;
  torch::Tensor context = context_token(batch);

  // Each history basket: the mean of its product vectors, plus its gap, store and size.
  torch::Tensor pooled = std::get<0>(torch::embedding_bag(
      items_->weight, batch.history_items, batch.history_offsets, false, /*mean*/ 1));
  pooled = torch::cat({pooled, torch::zeros({1, d}, pooled.options())}, 0);
  torch::Tensor history =
      pooled.index_select(0, batch.history_index.reshape({-1})).reshape({B, H, d});
  history = history + gaps_->forward(batch.history_gap) + stores_->forward(batch.history_store) +
            size_proj_->forward(batch.history_size.unsqueeze(-1));
  torch::Tensor sequence = torch::cat({context.unsqueeze(1), history}, 1);  // [B, 1 + H, d]
  torch::Tensor padding = torch::cat(
      {torch::zeros({B, 1}, batch.history_valid.options()), batch.history_valid.logical_not()}, 1);
  torch::Tensor memory = history_encoder_->forward(sequence, padding);

  torch::Tensor queries = queries_.unsqueeze(1).expand({config_.n_queries, B, d});
  torch::Tensor decoded =
      decoder_->forward(queries, memory.transpose(0, 1), {}, {}, {}, padding).mean(0);  // [B, d]

  BasketOutputs out;
  out.user = user_norm_->forward(decoded + context);
  torch::Tensor scores =
      torch::matmul(user_proj_->forward(out.user), product_vectors().t()) + product_bias_;
  if (batch.repeat_product.numel() > 0) {
    // A product the customer bought before gets its own score (the repeat/explore split of
    // repeat-aware next-basket models): the MLP sees the personal history features and the
    // product's explore score, so it decides how much global popularity and taste still matter
    // once the customer's own habit is known.
    const torch::Tensor explore = scores.index({batch.repeat_sample, batch.repeat_product});
    const torch::Tensor features =
        signed_log1p(batch.repeat_features.slice(1, 0, repeat_inputs_of(config_)));
    const torch::Tensor repeat =
        (repeat_->forward(torch::cat({features, explore.unsqueeze(1)}, 1)) +
         repeat_linear_->forward(features))
            .squeeze(-1);
    scores = scores.index_put({batch.repeat_sample, batch.repeat_product}, repeat);
  }
  if (batch.price_features.defined())
    scores = scores +
             price_term(out.user, batch.price_features, batch.repeat_sample, batch.repeat_product);
  out.product_logits = scores;
  out.basket_size = size_head_->forward(out.user);
  out.price_sensitivity = sensitivity_head_->forward(out.user);
  out.mission_type = type_head_->forward(out.user);
  out.mission_focus = focus_head_->forward(out.user);
  if (config_.label_history && batch.history_labels.defined()) {
    // The customer's own habits: log((count + 1/2) / (trips + n/2)) of each label, mixed by the
    // head's label_prior (uniform, and so without effect at identity, for a customer without
    // earlier baskets).
    torch::Tensor* heads[4] = {&out.basket_size, &out.price_sensitivity, &out.mission_type,
                               &out.mission_focus};
    int64_t at = 0;
    for (size_t a = 0; a < 4; ++a) {
      const int64_t n = label_counts_of(config_)[a];
      if (n == 0) continue;
      const torch::Tensor counts = batch.history_labels.slice(1, at, at + n);
      const torch::Tensor shares =
          (counts + 0.5) / (counts.sum(1, /*keepdim=*/true) + 0.5 * static_cast<double>(n));
      *heads[a] = *heads[a] + torch::matmul(shares.log(), label_prior_[a].t());
      at += n;
    }
  }
  return out;
}

torch::Tensor BasketModelImpl::masked_logits(const BatchTensors& batch) {
  const int64_t B = batch.size;
  torch::Tensor tokens = items_->forward(batch.input_product) + t2_proj_->forward(batch.t2) +
                         t4_proj_->forward(batch.t4);
  torch::Tensor sequence = torch::cat({context_token(batch).unsqueeze(1), tokens}, 1);
  torch::Tensor padding = torch::cat(
      {torch::zeros({B, 1}, batch.attention_mask.options()), batch.attention_mask.logical_not()},
      1);
  torch::Tensor encoded =
      item_encoder_->forward(sequence.transpose(0, 1), {}, padding).transpose(0, 1).slice(1, 1);
  torch::Tensor chosen = encoded.index({batch.masked});  // [n_masked, d]
  return torch::matmul(user_proj_->forward(chosen), product_vectors().t()) + product_bias_;
}

}  // namespace retailsim::model
