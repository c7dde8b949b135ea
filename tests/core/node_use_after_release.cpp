// Uses a graph node after its release: ASan must report it, although the node's memory is kept
// by the thread for its next node (core/src/graph/node_memory.cpp poisons what it keeps).
// Built and run only under ASan; the test passes when ASan reports the use.

#include <cstdio>
#include <tessera/tessera.hpp>

namespace {
long node_after_release_inc(long x) { return x + 1; }
}  // namespace

int main() {
  const tessera::detail::Node* released = nullptr;
  {
    auto call = tessera::delayed(node_after_release_inc)(1L);
    released = call.node().get();
  }
  std::printf("the node is released; reading its key\n");
  std::fflush(stdout);
  const std::size_t size = released->key.size();
  std::printf("not reported (key of %zu characters)\n", size);
  return 0;
}
