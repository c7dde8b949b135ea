#include "tessera/jobqueue/job.hpp"

namespace tessera::jobqueue {

std::string_view to_string(JobState state) noexcept {
  switch (state) {
    case JobState::pending:
      return "pending";
    case JobState::running:
      return "running";
    case JobState::cancelling:
      return "cancelling";
    case JobState::gone:
      return "gone";
  }
  return "unknown";
}

}  // namespace tessera::jobqueue
