#pragma once
// Outbox: where a role (the scheduler) sends its control messages. The MPI transport is one;
// a test records the messages instead, so that the scheduler's decisions are tested in one
// process without mpirun.

#include <type_traits>
#include <utility>

#include "mpi/protocol.hpp"
#include "mpi/wire.hpp"

namespace tessera::detail {

/// A borrowed callable that writes a message body: no allocation, valid during the call.
class BodyWriter {
 public:
  template <class F>
  requires(!std::is_same_v<std::decay_t<F>, BodyWriter>) BodyWriter(F&& fill)
  noexcept  // NOLINT(google-explicit-constructor)
      : object_(const_cast<void*>(static_cast<const void*>(&fill))),
        call_([](void* object, WireWriter& out) {
          (*static_cast<std::remove_reference_t<F>*>(object))(out);
        }) {}

  void operator()(WireWriter& out) const { call_(object_, out); }

 private:
  void* object_;
  void (*call_)(void*, WireWriter&);
};

class Outbox {
 public:
  virtual ~Outbox() = default;
  /// Ranks in the job (rank 0 is the client and scheduler, 1.. are workers).
  virtual int ranks() const noexcept = 0;
  /// Queues a message of `kind` to `dest`; `write` appends its body.
  virtual void post(int dest, Kind kind, BodyWriter write) = 0;
};

}  // namespace tessera::detail
