#pragma once
// Names the calling thread as `top -H`, `ps -L`, gdb and perf show it ("tessera-sched",
// "tessera-task-3"), so that a user who sees a busy thread knows which part of tessera it is.

#include <pthread.h>

#include <string>
#include <string_view>

namespace tessera::detail {

/// Names this thread; Linux keeps the first 15 characters.
inline void name_this_thread(std::string_view name) noexcept {
  std::string text(name.substr(0, 15));
  pthread_setname_np(pthread_self(), text.c_str());
}

}  // namespace tessera::detail
