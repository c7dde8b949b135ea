#pragma once
// A plan is a graph lowered for execution: tasks are dense integer ids in priority order
// (a depth-first post-order from the outputs, so that results are consumed soon after
// they are made), with flat arrays for arguments and dependents. Strings stay at the edge.

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "tessera/delayed.hpp"
#include "tessera/future.hpp"
#include "tessera/task.hpp"
#include "tessera/value.hpp"

namespace tessera::detail {

inline constexpr std::uint32_t no_task = std::numeric_limits<std::uint32_t>::max();

/// An argument of a planned task: a Value held elsewhere (a literal, a future's result), or
/// the result of another task. One word, as plans hold millions: the Value's address, or the
/// task id shifted left with the low bit set (a Value's address is even).
class PlanArg {
 public:
  static PlanArg of_value(const Value* value) noexcept {
    return PlanArg(reinterpret_cast<std::uintptr_t>(value));
  }
  static PlanArg of_task(std::uint32_t task) noexcept {
    return PlanArg((static_cast<std::uintptr_t>(task) << 1) | 1);
  }
  /// Null when the argument is a task's result.
  const Value* value() const noexcept {
    return bits_ & 1 ? nullptr : reinterpret_cast<const Value*>(bits_);
  }
  /// The task whose result it is; only when value() is null.
  std::uint32_t task() const noexcept { return static_cast<std::uint32_t>(bits_ >> 1); }

 private:
  explicit PlanArg(std::uintptr_t bits) noexcept : bits_(bits) {}
  std::uintptr_t bits_;
};

/// An argument that is a future's result, and the task that waits for it.
struct ExternalInput {
  FutureStatePtr state;
  std::uint32_t task;
};

struct Plan {
  // Per task, indexed by task id (which is also the priority: lower runs first).
  std::vector<const TaskCode*> code;
  std::vector<const Key*> keys;
  std::vector<std::uint8_t> retries;        ///< empty when no task has retries
  std::vector<const Placement*> placement;  ///< empty when no task has a placement
  std::vector<std::uint32_t> arg_begin;     ///< size() + 1 offsets into args
  std::vector<PlanArg> args;
  std::vector<std::uint32_t> waiting;  ///< inputs (task results and futures) each task waits for
  std::vector<std::uint32_t> dependent_begin;  ///< size() + 1 offsets into dependents
  std::vector<std::uint32_t> dependents;       ///< one entry per edge, ascending ids

  std::vector<ExternalInput> externals;
  std::vector<std::uint32_t> outputs;  ///< distinct task ids whose results are wanted
  std::vector<std::shared_ptr<const void>> keep_alive;  ///< owners of what the pointers point into

  std::uint32_t size() const noexcept { return static_cast<std::uint32_t>(code.size()); }

  /// Per task, the dependent it runs with as a unit (its one dependent, which has it as its
  /// one input: executors run it next on the same thread), or no_task. For drawing: the
  /// executors find these chains as they go.
  std::vector<std::uint32_t> chain_next() const;

  /// Adds a task; its task arguments must have smaller ids (they were added before).
  std::uint32_t add_task(const TaskCode* task_code, const Key* key, int task_retries);
  void add_value_arg(const Value* value);
  void add_task_arg(std::uint32_t task);
  void add_external_arg(FutureStatePtr state);

  /// Builds dependents once all tasks are added.
  void finish();
};

/// Lowers the graph behind `outputs` (task nodes only) into a plan: culls what they do
/// not need, shares tasks with the same key, orders depth-first and fuses linear chains.
/// Returns the plan and, per output, its task id.
Plan lower(const std::vector<NodePtr>& outputs, std::vector<std::uint32_t>& output_tasks);

/// Graphviz DOT of a plan: one node per task labelled with its key, fused chains boxed.
std::string plan_to_dot(const Plan& plan);

}  // namespace tessera::detail
