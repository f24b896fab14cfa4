// The Mamba selective state-space block, written with plain LibTorch operations.
#include <cmath>

#include "model/modules.h"

namespace retailsim::model {

MambaBlockImpl::MambaBlockImpl(int64_t d_model, int64_t d_state, int64_t expand, int64_t conv_width)
    : d_inner_(expand * d_model),
      d_state_(d_state),
      dt_rank_(std::max<int64_t>(1, (d_model + 15) / 16)),
      conv_width_(conv_width) {
  norm_ = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d_model})));
  in_proj_ = register_module("in_proj", torch::nn::Linear(d_model, 2 * d_inner_));
  conv_ = register_module("conv",
                          torch::nn::Conv1d(torch::nn::Conv1dOptions(d_inner_, d_inner_, conv_width)
                                                .groups(d_inner_)
                                                .padding(conv_width - 1)));
  x_proj_ = register_module(
      "x_proj",
      torch::nn::Linear(torch::nn::LinearOptions(d_inner_, dt_rank_ + 2 * d_state).bias(false)));
  dt_proj_ = register_module("dt_proj", torch::nn::Linear(dt_rank_, d_inner_));
  out_proj_ = register_module("out_proj", torch::nn::Linear(d_inner_, d_model));
  // S4D-real initialisation: A = -(1..N) per channel, kept as log for positivity.
  torch::Tensor a = torch::arange(1, d_state + 1, torch::kFloat32).repeat({d_inner_, 1});
  a_log_ = register_parameter("a_log", torch::log(a));
  d_skip_ = register_parameter("d_skip", torch::ones({d_inner_}));
}

torch::Tensor MambaBlockImpl::forward(const torch::Tensor& x) {
  const int64_t L = x.size(1);
  torch::Tensor xz = in_proj_->forward(norm_->forward(x));
  std::vector<torch::Tensor> parts = xz.chunk(2, -1);
  torch::Tensor xi = parts[0], z = parts[1];
  // Causal depthwise convolution: padded on both sides, keep the first L outputs.
  torch::Tensor xc = conv_->forward(xi.transpose(1, 2)).slice(2, 0, L).transpose(1, 2);
  xc = torch::silu(xc);
  std::vector<torch::Tensor> proj = x_proj_->forward(xc).split({dt_rank_, d_state_, d_state_}, -1);
  torch::Tensor dt = torch::softplus(dt_proj_->forward(proj[0]));  // [B, L, E]
  torch::Tensor b_in = proj[1], c_out = proj[2];                   // [B, L, N]
  torch::Tensor a = -torch::exp(a_log_);                           // [E, N]
  torch::Tensor state = torch::zeros({x.size(0), d_inner_, d_state_}, x.options());
  std::vector<torch::Tensor> ys;
  ys.reserve(L);
  for (int64_t t = 0; t < L; ++t) {
    torch::Tensor dt_t = dt.select(1, t).unsqueeze(-1);  // [B, E, 1]
    torch::Tensor decay = torch::exp(dt_t * a);          // [B, E, N]
    torch::Tensor x_t = xc.select(1, t);                 // [B, E]
    state = decay * state + dt_t * b_in.select(1, t).unsqueeze(1) * x_t.unsqueeze(-1);
    ys.push_back((state * c_out.select(1, t).unsqueeze(1)).sum(-1) + d_skip_ * x_t);
  }
  torch::Tensor y = torch::stack(ys, 1) * torch::silu(z);
  return x + out_proj_->forward(y);
}

}  // namespace retailsim::model
