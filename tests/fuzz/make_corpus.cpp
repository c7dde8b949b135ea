// Writes the seed corpus of the deserialize fuzzer: the header of one valid frame of each
// fuzzed type, one file each (corpus/deserialize/<n>.bin). Run through the fuzz_corpus target.

#include <cstdio>
#include <fstream>
#include <string>

#include "fuzz_types.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <corpus directory>\n", argv[0]);
    return 2;
  }
  int index = 0;
  bool ok = true;
  fuzz::for_each_example([&](const auto& value) {
    const tessera::Frames frames = tessera::serialize(value);
    const std::string path = std::string(argv[1]) + "/" + std::to_string(index++) + ".bin";
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(frames.header.data()),
              static_cast<std::streamsize>(frames.header.size()));
    ok = ok && static_cast<bool>(out);
  });
  std::printf("make_corpus: wrote %d seeds to %s\n", index, argv[1]);
  return ok ? 0 : 1;
}
