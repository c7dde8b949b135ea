#include "graph/plan.hpp"

#include <algorithm>
#include <mutex>
#include <unordered_map>

namespace tessera::detail {

std::uint32_t Plan::add_task(const TaskCode* task_code, const Key* key, int task_retries) {
  auto id = size();
  code.push_back(task_code);
  keys.push_back(key);
  if (task_retries > 0 || !retries.empty()) {  // stays empty while no task has retries
    retries.resize(id, 0);
    retries.push_back(static_cast<std::uint8_t>(std::min(task_retries, 255)));
  }
  if (arg_begin.empty()) arg_begin.push_back(0);
  arg_begin.push_back(static_cast<std::uint32_t>(args.size()));
  waiting.push_back(0);
  return id;
}

void Plan::add_value_arg(const Value* value) {
  args.push_back(PlanArg::of_value(value));
  ++arg_begin.back();
}

void Plan::add_task_arg(std::uint32_t task) {
  args.push_back(PlanArg::of_task(task));
  ++arg_begin.back();
  ++waiting.back();
}

void Plan::add_external_arg(FutureStatePtr state) {
  args.push_back(PlanArg::of_value(state->value_address()));
  ++arg_begin.back();
  ++waiting.back();
  externals.push_back(ExternalInput{std::move(state), size() - 1});
}

void Plan::finish() {
  const std::uint32_t n = size();
  if (arg_begin.empty()) arg_begin.push_back(0);
  if (!retries.empty()) retries.resize(n, 0);

  dependent_begin.assign(n + 1, 0);
  for (const auto& arg : args) {
    if (!arg.value()) ++dependent_begin[arg.task() + 1];
  }
  for (std::uint32_t t = 0; t < n; ++t) dependent_begin[t + 1] += dependent_begin[t];
  dependents.resize(dependent_begin[n]);
  std::vector<std::uint32_t> fill(dependent_begin.begin(), dependent_begin.end() - 1);
  for (std::uint32_t t = 0; t < n; ++t) {
    for (auto a = arg_begin[t]; a < arg_begin[t + 1]; ++a) {
      if (!args[a].value()) dependents[fill[args[a].task()]++] = t;
    }
  }
}

std::vector<std::uint32_t> Plan::chain_next() const {
  const std::uint32_t n = size();
  std::vector<bool> is_output(n, false);
  for (auto t : outputs) is_output[t] = true;
  std::vector<std::uint32_t> next(n, no_task);
  for (std::uint32_t t = 0; t < n; ++t) {
    if (is_output[t] || dependent_begin[t + 1] - dependent_begin[t] != 1) continue;
    auto d = dependents[dependent_begin[t]];
    if (waiting[d] == 1) next[t] = d;
  }
  return next;
}

namespace {

// Node scratch fields are only valid under this lock, for the epoch that holds it.
std::mutex lowering_mutex;
std::uint64_t lowering_epoch = 0;

}  // namespace

Plan lower(const std::vector<NodePtr>& outputs, std::vector<std::uint32_t>& output_tasks) {
  Plan plan;
  std::lock_guard lock(lowering_mutex);
  const auto epoch = ++lowering_epoch;
  std::unordered_map<std::string_view, std::uint32_t> by_key;

  struct Frame {
    const Node* node;
    std::span<const NodeArg> args;
    std::uint32_t next_arg;
  };
  std::vector<Frame> stack;

  auto emit = [&](const Node& node) {
    if (node.chosen_key) {
      auto [it, inserted] = by_key.try_emplace(node.key, plan.size());
      if (!inserted) {
        node.plan_index = it->second;  // same key = same work
        return;
      }
    }
    node.plan_index = plan.add_task(node.code.get(), &node.key, node.code->retries);
    if (node.code->placement) {
      plan.placement.resize(plan.size(), nullptr);
      plan.placement.back() = node.code->placement.get();
    }
    for (const auto& arg : node.args()) {
      if (const NodePtr* child = arg.node()) {
        const Node& c = **child;
        if (c.is_task()) {
          plan.add_task_arg(c.plan_index);
        } else if (const Value* literal = c.args()[0].value()) {
          plan.add_value_arg(literal);
        } else {
          plan.add_external_arg(c.args()[0].future()->state());
        }
      } else if (const Value* value = arg.value()) {
        plan.add_value_arg(value);
      } else {
        plan.add_external_arg(arg.future()->state());
      }
    }
  };

  // A node whose chosen key was already planned is that task: its own inputs are not
  // visited at all (same key = same work).
  auto same_as_emitted = [&](const Node& node) {
    if (!node.chosen_key) return false;
    auto it = by_key.find(node.key);
    if (it == by_key.end()) return false;
    node.lowering_epoch = epoch;
    node.plan_index = it->second;
    return true;
  };

  output_tasks.clear();
  for (const auto& output : outputs) {
    if (output->lowering_epoch != epoch && !same_as_emitted(*output)) {
      output->lowering_epoch = epoch;
      stack.push_back({output.get(), output->args(), 0});
      while (!stack.empty()) {
        auto& frame = stack.back();
        const auto args = frame.args;
        bool descended = false;
        while (frame.next_arg < args.size()) {
          const NodePtr* child = args[frame.next_arg++].node();
          if (child && (*child)->is_task() && (*child)->lowering_epoch != epoch &&
              !same_as_emitted(**child)) {
            (*child)->lowering_epoch = epoch;
            stack.push_back({child->get(), (*child)->args(), 0});
            descended = true;
            break;
          }
        }
        if (!descended) {
          emit(*frame.node);
          stack.pop_back();
        }
      }
    }
    output_tasks.push_back(output->plan_index);
  }

  std::vector<bool> seen(plan.size(), false);
  for (auto t : output_tasks) {
    if (!seen[t]) plan.outputs.push_back(t);
    seen[t] = true;
  }
  plan.keep_alive.assign(outputs.begin(), outputs.end());
  plan.finish();
  return plan;
}

std::string plan_to_dot(const Plan& plan) {
  auto quote = [](const std::string& text) {
    std::string quoted = "\"";
    for (char c : text) {
      if (c == '"' || c == '\\') quoted += '\\';
      quoted += c;
    }
    return quoted + "\"";
  };
  std::vector<bool> is_output(plan.size(), false);
  for (auto t : plan.outputs) is_output[t] = true;

  std::string dot = "digraph tessera {\n  rankdir=BT;\n  node [shape=box, style=rounded];\n";
  const auto chain_next = plan.chain_next();
  std::vector<bool> is_successor(plan.size(), false);
  for (auto next : chain_next) {
    if (next != no_task) is_successor[next] = true;
  }
  for (std::uint32_t t = 0; t < plan.size(); ++t) {
    if (chain_next[t] == no_task || is_successor[t]) continue;
    dot += "  subgraph cluster_" + std::to_string(t) + " {\n    label=\"fused\"; style=dashed;\n";
    for (auto c = t; c != no_task; c = chain_next[c]) dot += "    t" + std::to_string(c) + ";\n";
    dot += "  }\n";
  }
  for (std::uint32_t t = 0; t < plan.size(); ++t) {
    dot += "  t" + std::to_string(t) + " [label=" + quote(*plan.keys[t]) +
           (is_output[t] ? ", penwidth=2" : "") + "];\n";
  }
  for (std::uint32_t t = 0; t < plan.size(); ++t) {
    for (auto a = plan.arg_begin[t]; a < plan.arg_begin[t + 1]; ++a) {
      if (!plan.args[a].value()) {
        dot += "  t" + std::to_string(plan.args[a].task()) + " -> t" + std::to_string(t) + ";\n";
      }
    }
  }
  return dot + "}\n";
}

}  // namespace tessera::detail
