#pragma once
// The command lines of the benchmarks: "--flag value" pairs, the flags they share (--engine,
// --threads, --repeat, --workloads) and checked numbers, with one usage message per program.

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

namespace bench {

class Args {
 public:
  /// `program` names it in messages; `usage` is its one-screen help.
  Args(const char* program, const char* usage) : program_(program), usage_(usage) {}

  /// Prints the usage (with `problem`, to stderr, exit 2; without, to stdout, exit 0).
  [[noreturn]] void usage(const std::string& problem = "") const {
    if (!problem.empty()) std::fprintf(stderr, "%s: %s\n", program_, problem.c_str());
    std::fprintf(problem.empty() ? stdout : stderr, "%s", usage_);
    std::exit(problem.empty() ? 0 : 2);
  }

  /// Calls take(flag, value) for each pair; take returns false for a flag it does not know.
  template <class Take>
  void parse(int argc, char** argv, Take&& take) const {
    for (int i = 1; i < argc; ++i) {
      const std::string flag = argv[i];
      if (flag == "--help" || flag == "-h") usage();
      if (i + 1 >= argc) usage("missing value after " + flag);
      if (!take(flag, std::string(argv[++i]))) usage("unknown option " + flag);
    }
  }

  /// An integer of at least `least`.
  long integer(const std::string& flag, const std::string& value, long least) const {
    char* end = nullptr;
    const long n = std::strtol(value.c_str(), &end, 10);
    if (value.empty() || *end || n < least) {
      usage(flag + " must be an integer of at least " + std::to_string(least));
    }
    return n;
  }

  /// A number greater than 0.
  double positive(const std::string& flag, const std::string& value) const {
    char* end = nullptr;
    const double x = std::strtod(value.c_str(), &end);
    if (value.empty() || *end || !(x > 0)) usage(flag + " must be a positive number");
    return x;
  }

  /// sync, threads or mpi.
  std::string engine(const std::string& value) const {
    if (value != "sync" && value != "threads" && value != "mpi") {
      usage("--engine must be sync, threads or mpi");
    }
    return value;
  }

  /// A comma-separated list.
  static std::vector<std::string> list(const std::string& value) {
    std::vector<std::string> items;
    std::stringstream in(value);
    for (std::string item; std::getline(in, item, ',');) items.push_back(item);
    return items;
  }

 private:
  const char* program_;
  const char* usage_;
};

}  // namespace bench
