#pragma once
// Pictures of task graphs, drawn by Graphviz's `dot` program (Debian: apt-get install graphviz).
//
//   tessera::visualize(total, "graph.svg");   // or .png, .pdf; .dot writes the DOT text itself
//
// The graph is the one that would run: culled, with shared tasks once and fused chains boxed
// (see Delayed::to_dot). Arrays have their own overload (tessera/array.hpp).

#include <string>

#include "tessera/delayed.hpp"

namespace tessera {

/// Writes Graphviz DOT text to `path` in the format its extension names: .svg, .png or .pdf
/// through `dot`, or .dot as it is. tessera::Error if `dot` is not installed (saying what to
/// do) or fails (with what it said), IoError if a .dot file cannot be written.
void render_dot(const std::string& dot, const std::string& path);

/// Draws the graph of `d` into `path` (.svg, .png, .pdf or .dot).
template <class T>
void visualize(const Delayed<T>& d, const std::string& path) {
  render_dot(d.to_dot(), path);
}

}  // namespace tessera
