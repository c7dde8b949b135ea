#pragma once
// A real headless browser for the dashboard's tests (core and MPI): Chromium loads a page,
// runs its JavaScript, and hands back the DOM it ended with and what it said on the console.

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace browser_test {

/// The path of `name` on PATH, or "" (chromium, prometheus, promtool).
inline std::string find_program(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    auto end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    auto candidate = std::filesystem::path(dirs.substr(start, end - start)) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return "";
}

/// Chromium's command, or "" when it is not installed (Debian: apt-get install chromium).
inline std::string chromium() {
  for (const char* name : {"chromium", "chromium-browser", "google-chrome"}) {
    auto found = find_program(name);
    if (!found.empty()) return found;
  }
  return "";
}

struct PageLoad {
  int status = -1;
  std::string dom;                   ///< the DOM after the page's scripts ran
  std::vector<std::string> console;  ///< console messages and uncaught errors
  std::string log;                   ///< all Chromium said on standard error
};

/// Loads `url` in headless Chromium, lets the page run for `budget_ms` of virtual time (its
/// timers fire, its fetches are answered), and dumps the DOM; with `screenshot`, saves a PNG
/// there instead of dumping the DOM.
inline PageLoad load_page(const std::string& url, int budget_ms = 3000,
                          const std::string& screenshot = "") {
  static int loads = 0;
  const auto dir =
      std::filesystem::temp_directory_path() /
      ("tessera-chromium-" + std::to_string(::getpid()) + "-" + std::to_string(++loads));
  std::filesystem::create_directories(dir);
  std::string command = "timeout 120 '" + chromium() + "'";
  command += " --headless --disable-gpu --no-sandbox --no-first-run --disable-extensions";
  command += " --user-data-dir='" + (dir / "profile").string() + "'";
  command += " --enable-logging=stderr --v=0 --virtual-time-budget=" + std::to_string(budget_ms);
  if (screenshot.empty()) {
    command += " --dump-dom";
  } else {
    command += " --window-size=1400,1800 --screenshot='" + screenshot + "'";
  }
  command += " '" + url + "' > '" + (dir / "dom.html").string() + "' 2> '" +
             (dir / "stderr.txt").string() + "'";
  PageLoad load;
  const int status = std::system(command.c_str());
  load.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  auto slurp = [](const std::filesystem::path& file) {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  };
  load.dom = slurp(dir / "dom.html");
  load.log = slurp(dir / "stderr.txt");
  std::istringstream lines(load.log);
  for (std::string line; std::getline(lines, line);) {
    if (line.find(":CONSOLE") != std::string::npos) load.console.push_back(line);
  }
  std::filesystem::remove_all(dir);
  return load;
}

/// The text of the element with id `id` in `dom` (no nested elements), or "".
inline std::string text_of(const std::string& dom, const std::string& id) {
  std::smatch m;
  if (std::regex_search(dom, m, std::regex("id=\"" + id + "\"[^>]*>([^<]*)<"))) return m[1];
  return "";
}

/// The value of attribute `attribute` of the element with id `id`, or "".
inline std::string attribute_of(const std::string& dom, const std::string& id,
                                const std::string& attribute) {
  std::smatch m;
  if (std::regex_search(dom, m, std::regex("<[^>]*id=\"" + id + "\"[^>]*>"))) {
    std::smatch a;
    const std::string tag = m[0];
    if (std::regex_search(tag, a, std::regex(attribute + "=\"([^\"]*)\""))) return a[1];
  }
  return "";
}

}  // namespace browser_test
