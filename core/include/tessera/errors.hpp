#pragma once
// The one exception hierarchy of tessera. Every message names the thing that is wrong
// (key, function, parameter, file, rank) and what was expected.

#include <stdexcept>
#include <string>

namespace tessera {

/// Base of every error tessera throws.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A graph that cannot run: a cycle, a key that is referenced but missing, a bad argument.
class GraphError : public Error {
 public:
  using Error::Error;
};

/// A function name that is not registered with TESSERA_TASK, or registered twice.
class RegistryError : public Error {
 public:
  using Error::Error;
};

/// A value that cannot be serialized, or bytes that do not deserialize to the asked type.
class SerializationError : public Error {
 public:
  using Error::Error;
};

/// A value read as a type it does not hold (a task argument of the wrong type, say).
class TypeError : public Error {
 public:
  using Error::Error;
};

/// A bad configuration value: names the setting, the value and what was expected.
class ConfigError : public Error {
 public:
  using Error::Error;
};

/// A file or directory that cannot be read or written: names the path and the system's reason.
class IoError : public Error {
 public:
  using Error::Error;
};

/// A wait or result() that ran out of time.
class TimeoutError : public Error {
 public:
  using Error::Error;
};

/// The result of a cancelled future (or of a task depending on one).
class CancelledError : public Error {
 public:
  using Error::Error;
};

/// An exception thrown inside a task, as seen by the caller of result() or compute().
/// Carries the key of the task that failed, where it ran, and the original exception.
class TaskError : public Error {
 public:
  TaskError(std::string key, std::string worker, std::string original_type,
            std::string original_message)
      : Error("task '" + key + "' failed on " + worker + ": " + original_type + ": " +
              original_message),
        key_(std::move(key)),
        worker_(std::move(worker)),
        original_type_(std::move(original_type)),
        original_message_(std::move(original_message)) {}

  /// Key of the task whose function threw (not of a dependent that was skipped).
  const std::string& key() const noexcept { return key_; }
  /// Where it ran: "thread 3" locally, "worker rank 2 thread 0" under MPI.
  const std::string& worker() const noexcept { return worker_; }
  /// Demangled type of the original exception, e.g. "std::invalid_argument".
  const std::string& original_type() const noexcept { return original_type_; }
  /// what() of the original exception.
  const std::string& original_message() const noexcept { return original_message_; }

 private:
  std::string key_;
  std::string worker_;
  std::string original_type_;
  std::string original_message_;
};

}  // namespace tessera
