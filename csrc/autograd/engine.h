// The backward engine: counts dependencies once, then runs nodes from a ready
// queue (a node is ready when every gradient it waits for has arrived).
// Iterative throughout: deep graphs neither recurse nor overflow the stack.
#pragma once
#include <optional>
#include "node.h"

namespace st::autograd {

// Runs backward from `roots` seeded with `grads`.
// - `inputs` empty: every reachable AccumulateGrad runs (Tensor.backward()).
// - `inputs` given: only what leads to them runs and their gradients are
//   returned instead of accumulated (autograd.grad); an input that no path
//   reaches gets an undefined tensor, or RuntimeError unless allow_unused.
TensorList run_backward(const std::vector<Edge>& roots, TensorList grads, bool keep_graph, bool create_graph,
                        const std::vector<Edge>& inputs, bool allow_unused);

// The user-facing entry points, with PyTorch's argument checks.
void backward(const std::vector<Tensor>& outputs, std::vector<Tensor> grad_outputs,
              std::optional<bool> retain_graph, bool create_graph, const std::vector<Tensor>& inputs);
TensorList grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                std::vector<Tensor> grad_outputs, std::optional<bool> retain_graph, bool create_graph,
                bool allow_unused);

}  // namespace st::autograd
