#pragma once
// Keys name a task and its result: "inc-1f", "sum-4f1a,(2,3)". Users see strings; the
// engine interns them into dense integer ids before running a graph.

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace tessera {

/// A task's name. Two tasks with the same key are the same work.
using Key = std::string;

/// A key that no other key in this process has: "<prefix>-<hex counter>".
Key unique_key(std::string_view prefix);

/// A key for one block of a collection, as Dask writes them: indexed_key("x", {2, 3}) is
/// "x,(2,3)".
Key indexed_key(std::string_view name, std::initializer_list<std::int64_t> index);

}  // namespace tessera
