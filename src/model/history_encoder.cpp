// The history encoder: transformer encoder layers or Mamba blocks, chosen by [model] encoder.
#include "model/modules.h"

namespace retailsim::model {

HistoryEncoderImpl::HistoryEncoderImpl(const ModelConfig& config)
    : mamba_(config.encoder == "mamba") {
  if (mamba_) {
    mamba_blocks_ = register_module("mamba", torch::nn::ModuleList());
    for (int64_t i = 0; i < config.encoder_layers; ++i) {
      mamba_blocks_->push_back(
          MambaBlock(config.d_model, config.mamba_state, config.mamba_expand, config.mamba_conv));
    }
  } else {
    auto layer = torch::nn::TransformerEncoderLayerOptions(config.d_model, config.n_heads)
                     .dim_feedforward(config.feedforward)
                     .dropout(config.dropout);
    transformer_ = register_module(
        "transformer", torch::nn::TransformerEncoder(
                           torch::nn::TransformerEncoderOptions(layer, config.encoder_layers)));
  }
}

torch::Tensor HistoryEncoderImpl::forward(const torch::Tensor& x, const torch::Tensor& padding) {
  torch::Tensor out;
  if (mamba_) {
    // Causal: padding sits after the real baskets, so it never reaches them.
    out = x;
    for (const auto& block : *mamba_blocks_) out = block->as<MambaBlock>()->forward(out);
  } else {
    out = transformer_->forward(x.transpose(0, 1), {}, padding).transpose(0, 1);
  }
  return out.masked_fill(padding.unsqueeze(-1), 0.0);
}

}  // namespace retailsim::model
