#pragma once
// Scraping /metrics in tests (core and MPI): an HTTP GET, and a checker of the Prometheus
// text exposition format (version 0.0.4) that also reads the samples into a table.

#include <httplib.h>

#include <cmath>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace metrics_test {

/// The body of GET `path` from the server at `url` ("http://127.0.0.1:8787/"); nullopt if the
/// request fails or the status is not 200.
inline std::optional<std::string> http_get(const std::string& url, const std::string& path) {
  std::string base = url;
  if (!base.empty() && base.back() == '/') base.pop_back();
  httplib::Client client(base);
  client.set_connection_timeout(5);
  client.set_read_timeout(10);
  auto response = client.Get(path.c_str());
  if (!response || response->status != 200) return std::nullopt;
  return response->body;
}

/// A scrape, read: samples by their name and labels as written ("tessera_tasks{state=\"memory\"}"),
/// and what is wrong with the text (empty when it follows the format).
struct Exposition {
  std::map<std::string, double> samples;
  std::vector<std::string> problems;

  double value(const std::string& sample) const {
    auto found = samples.find(sample);
    return found == samples.end() ? NAN : found->second;
  }
  bool has(const std::string& sample) const { return samples.contains(sample); }
};

inline std::optional<double> parse_value(const std::string& text) {
  if (text == "+Inf") return INFINITY;
  if (text == "-Inf") return -INFINITY;
  if (text == "NaN") return NAN;
  try {
    std::size_t used = 0;
    double value = std::stod(text, &used);
    if (used == text.size()) return value;
  } catch (...) {
  }
  return std::nullopt;
}

/// Checks the lines of `text` one by one: # HELP and # TYPE before a family's samples, a known
/// type, metric and label names as the format allows them, label values quoted and escaped,
/// numbers Prometheus reads; histograms with cumulative buckets, a +Inf bucket equal to _count,
/// and _sum.
inline Exposition read_exposition(const std::string& text) {
  static const std::regex help(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .*)");
  static const std::regex type(
      R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped))");
  static const std::regex sample(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*"(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*")*)?\})? (\S+))");
  Exposition result;
  std::map<std::string, std::string> types;
  std::set<std::string> sampled_families;
  std::map<std::string, std::vector<double>> buckets;  // histogram -> cumulative counts in order
  std::istringstream in(text);
  int number = 0;
  auto problem = [&](const std::string& what, const std::string& line) {
    result.problems.push_back("line " + std::to_string(number) + ": " + what + ": " + line);
  };
  for (std::string line; std::getline(in, line);) {
    ++number;
    std::smatch m;
    if (line.empty()) continue;
    if (line.rfind("# HELP ", 0) == 0) {
      if (!std::regex_match(line, m, help)) problem("bad HELP", line);
      continue;
    }
    if (line.rfind("# TYPE ", 0) == 0) {
      if (!std::regex_match(line, m, type)) {
        problem("bad TYPE", line);
      } else if (types.contains(m[1]) || sampled_families.contains(m[1])) {
        problem("TYPE again, or after samples", line);
      } else {
        types[m[1]] = m[2];
      }
      continue;
    }
    if (line[0] == '#') continue;
    if (!std::regex_match(line, m, sample)) {
      problem("not a sample", line);
      continue;
    }
    const std::string name = m[1];
    const auto value = parse_value(m[7]);
    if (!value) problem("not a number", line);
    std::string family = name;
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      const std::string s = suffix;
      if (name.size() > s.size() && name.ends_with(s)) {
        const auto base = name.substr(0, name.size() - s.size());
        if (types.contains(base) && types[base] == "histogram") family = base;
      }
    }
    if (!types.contains(family)) problem("no TYPE before the sample", line);
    sampled_families.insert(family);
    if (name == family + "_bucket") {
      if (std::string(m[3]).find("le=\"") == std::string::npos) problem("bucket without le", line);
      auto& counts = buckets[family];
      if (value && !counts.empty() && *value < counts.back())
        problem("buckets not cumulative", line);
      if (value) counts.push_back(*value);
    }
    const std::string key = line.substr(0, line.rfind(' '));
    if (result.samples.contains(key)) problem("the same sample twice", line);
    if (value) result.samples[key] = *value;
  }
  for (const auto& [family, kind] : types) {
    if (kind != "histogram") continue;
    if (!result.has(family + "_bucket{le=\"+Inf\"}")) {
      result.problems.push_back(family + ": no +Inf bucket");
    } else if (result.value(family + "_bucket{le=\"+Inf\"}") != result.value(family + "_count")) {
      result.problems.push_back(family + ": +Inf bucket differs from _count");
    }
    if (!result.has(family + "_sum")) result.problems.push_back(family + ": no _sum");
  }
  return result;
}

}  // namespace metrics_test
