#pragma once
// The link between a scheduler and the worker processes that join it from other batch jobs:
// UCX (UCP active messages over a client/server connection), chosen over MPI dynamic
// processes because a killed peer is reported in milliseconds without traffic, no daemon is
// needed, and joins never block (measurements: bench/elastic_probe/README.md).
//
// One thread drives a UcxLink (UCX worker in single-thread mode); nothing here blocks except
// connect() and poll()'s bounded wait.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::elastic {

/// A connected peer of one UcxLink, numbered from 0 in the order they connected or joined.
using PeerId = std::uint32_t;

/// Something poll() found.
struct LinkEvent {
  enum class Kind {
    joined,   ///< a process connected to our listener; `peer` is its new id
    message,  ///< `payload` arrived from `peer`
    lost,     ///< `peer` is gone (killed, crashed or closed); `payload` is UCX's reason
  };
  Kind kind;
  PeerId peer;
  std::string payload;
};

/// The elastic transport of one process: listens for joining processes, connects to other
/// listeners, sends messages, and reports lost peers. A peer that closes normally is reported
/// lost too (UCX cannot tell the two apart), so a graceful leave is a message of the caller's
/// protocol sent before close().
class UcxLink {
 public:
  /// Starts a UCX context and worker. Throws tessera::IoError when UCX cannot start.
  UcxLink();
  ~UcxLink();
  UcxLink(const UcxLink&) = delete;
  UcxLink& operator=(const UcxLink&) = delete;

  /// Listens on every interface of this host, on `port` (0: a free port), and returns the
  /// address to publish, "<host>:<port>" with this host's name. Throws tessera::IoError
  /// naming the port when it cannot.
  std::string listen(std::uint16_t port = 0);

  /// Connects to a listener's "<host or IPv4>:<port>" and returns the new peer once the
  /// connection works. Throws tessera::ConfigError for a malformed address and
  /// tessera::IoError naming the address when it cannot connect within `timeout`.
  PeerId connect(const std::string& address, std::chrono::milliseconds timeout);

  /// Sends `message` to `peer` (it holds the bytes until they are sent). A peer that is lost before
  /// it arrives shows up as a `lost` event; sending to a lost or closed peer does nothing. Throws
  /// tessera::Error for a peer id this link never gave out.
  void send(PeerId peer, std::string message);

  /// Sends not yet completed (they hold their bytes until then).
  std::size_t sends_in_flight() const noexcept;

  /// Makes progress for at most `wait` (returning early once something happened) and returns
  /// the events found since the previous call, in order.
  std::vector<LinkEvent> poll(std::chrono::milliseconds wait = std::chrono::milliseconds(0));

  /// Ends the connection to `peer`; no event follows for it.
  void close(PeerId peer);

  /// Whether `peer` is still connected (not lost, not closed).
  bool connected(PeerId peer) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace tessera::elastic
