#pragma once
// A performance report of the computations run in a scope, as one HTML file, like Dask's
// performance_report context manager:
//
//   {
//     auto report = tessera::performance_report("report.html");
//     client.compute(x).result();
//   }  // report.html is written here; it opens offline in any browser
//
// The report holds the task stream (a lane per worker thread, tasks coloured by prefix), the
// time per task prefix, each worker's profile (time computing and idle, from the task stream;
// bytes received and results spilled), the bandwidth between workers, memory over time
// (sampled while the report is open), the events logged, every setting and tessera's version.
// The engine records when each task ran, not how long transfers and spills took: the report
// gives their bytes, not their time. Memory, spills and transfers come from the dashboard's
// metrics, so they are in the report when dashboard_address is set (e.g. "127.0.0.1:0") before
// the Runtime or Client starts; without it the report says they are missing. Under MPI make the
// report on rank 0 (the client).

#include <memory>
#include <string>

namespace tessera {

/// Watches the computations of this process from its construction until close() or its
/// destruction, then writes the report.
class PerformanceReport {
 public:
  /// Starts watching; IoError naming `path` if its directory does not exist or cannot be
  /// written.
  explicit PerformanceReport(std::string path);
  /// Writes the report unless close() did; an error is printed on standard error (a
  /// destructor does not throw).
  ~PerformanceReport();
  PerformanceReport(const PerformanceReport&) = delete;
  PerformanceReport& operator=(const PerformanceReport&) = delete;

  /// Stops watching and writes the report now; IoError naming the path if it cannot be
  /// written. Does nothing the second time.
  void close();
  /// Where the report goes.
  const std::string& path() const noexcept;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

/// A report of what runs until the returned guard is closed or destroyed:
/// auto report = tessera::performance_report("report.html");
inline PerformanceReport performance_report(std::string path) {
  return PerformanceReport(std::move(path));
}

}  // namespace tessera
