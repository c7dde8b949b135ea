// The UCX link of elastic clusters (core/src/elastic/ucx_link.hpp), with real worker processes:
// each test forks its workers before the parent starts UCX, and the worker learns the
// listener's address through a pipe, as a batch job learns it from the scheduler file.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "elastic/ucx_link.hpp"
#include "tessera/errors.hpp"
#include "test_support.hpp"

namespace {

using tessera::elastic::LinkEvent;
using tessera::elastic::PeerId;
using tessera::elastic::UcxLink;
using namespace std::chrono_literals;

// What a forked worker does once connected.
enum class Behaviour {
  echo,  // says "hello", answers each message m with "echo:" + m until "bye", then leaves
  hang,  // says "ready", then waits to be killed
};

// Polls until an event of `kind` (and, for messages, with `payload` when given) arrives, or
// `limit` passes; every event seen is appended to `seen`.
std::optional<LinkEvent> wait_for(UcxLink& link, LinkEvent::Kind kind, std::vector<LinkEvent>& seen,
                                  std::chrono::milliseconds limit = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    for (LinkEvent& event : link.poll(10ms)) {
      seen.push_back(event);
      if (event.kind == kind) return event;
    }
  }
  return std::nullopt;
}

void run_worker(int address_pipe, Behaviour behaviour) {
  char buffer[256] = {};
  const ssize_t n = ::read(address_pipe, buffer, sizeof buffer - 1);
  if (n <= 0) ::_exit(10);
  try {
    UcxLink link;
    const PeerId scheduler = link.connect(std::string(buffer, static_cast<std::size_t>(n)), 10s);
    link.send(scheduler, behaviour == Behaviour::echo ? "hello" : "ready");
    if (behaviour == Behaviour::hang) {
      while (true) link.poll(100ms);
    }
    std::vector<LinkEvent> seen;
    while (true) {
      const auto message = wait_for(link, LinkEvent::Kind::message, seen);
      if (!message) ::_exit(11);
      if (message->payload == "bye") break;
      std::string answer = "echo:";
      answer += message->payload;
      link.send(scheduler, answer);
    }
    link.close(scheduler);
    link.poll(50ms);
  } catch (const std::exception&) {
    ::_exit(12);
  }
  ::_exit(0);
}

// A worker process waiting for an address; the parent must not have started UCX yet.
struct Worker {
  pid_t pid = -1;
  int address_pipe = -1;

  explicit Worker(Behaviour behaviour) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(fds[1]);
      run_worker(fds[0], behaviour);
    }
    ::close(fds[0]);
    address_pipe = fds[1];
  }
  void connect_to(const std::string& address) {
    REQUIRE(::write(address_pipe, address.data(), address.size()) ==
            static_cast<ssize_t>(address.size()));
    ::close(address_pipe);
  }
  // The exit status, or -1 (after a SIGKILL) when it has not exited within `limit`.
  int wait(std::chrono::milliseconds limit = 10s) {
    int status = 0;
    const bool exited =
        tessera_test::eventually([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }, limit);
    if (!exited) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
};

// The listener's port on the loopback interface: the published host name need not resolve on
// every test machine.
std::string loopback(const std::string& published) {
  std::string address = "127.0.0.1";
  address += published.substr(published.rfind(':'));
  return address;
}

}  // namespace

TEST_CASE("a worker process joins the listener and messages go both ways, small and large",
          "[elastic][ucx]") {
  Worker worker(Behaviour::echo);
  UcxLink link;
  const std::string published = link.listen();
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  CHECK(published.rfind(std::string(host) + ":", 0) == 0);
  worker.connect_to(loopback(published));

  std::vector<LinkEvent> seen;
  const auto joined = wait_for(link, LinkEvent::Kind::joined, seen);
  REQUIRE(joined);
  const auto hello = wait_for(link, LinkEvent::Kind::message, seen);
  REQUIRE(hello);
  CHECK(hello->peer == joined->peer);
  CHECK(hello->payload == "hello");
  CHECK(link.connected(joined->peer));

  link.send(joined->peer, "ping-42");
  const auto echo = wait_for(link, LinkEvent::Kind::message, seen);
  REQUIRE(echo);
  CHECK(echo->payload == "echo:ping-42");

  // 4 MiB goes by rendezvous, not in one eager packet.
  std::string large(4u << 20, '\0');
  for (std::size_t i = 0; i < large.size(); ++i) large[i] = static_cast<char>(i * 7 + i / 4096);
  link.send(joined->peer, large);
  const auto large_echo = wait_for(link, LinkEvent::Kind::message, seen);
  REQUIRE(large_echo);
  CHECK(large_echo->payload.size() == large.size() + 5);
  CHECK(large_echo->payload == "echo:" + large);

  // The worker closes after "bye"; its close completes while this side makes progress, and
  // is seen here as the peer lost (UCX does not tell a close from a crash).
  link.send(joined->peer, "bye");
  const auto left = wait_for(link, LinkEvent::Kind::lost, seen, 5s);
  REQUIRE(left);
  CHECK(left->peer == joined->peer);
  CHECK(worker.wait() == 0);
}

TEST_CASE("a worker killed with SIGKILL is reported lost within a second, and others still join",
          "[elastic][ucx]") {
  Worker victim(Behaviour::hang);
  Worker late(Behaviour::echo);
  UcxLink link;
  const std::string address = loopback(link.listen());
  victim.connect_to(address);

  std::vector<LinkEvent> seen;
  const auto ready = wait_for(link, LinkEvent::Kind::message, seen);
  REQUIRE(ready);
  REQUIRE(ready->payload == "ready");
  const PeerId lost_peer = ready->peer;

  const auto killed_at = std::chrono::steady_clock::now();
  REQUIRE(::kill(victim.pid, SIGKILL) == 0);
  const auto lost = wait_for(link, LinkEvent::Kind::lost, seen, 5s);
  const auto detection = std::chrono::steady_clock::now() - killed_at;
  REQUIRE(lost);
  CHECK(lost->peer == lost_peer);
  CHECK_FALSE(lost->payload.empty());  // UCX's reason, e.g. "Endpoint timeout"
  CHECK(detection < 1s);
  CHECK_FALSE(link.connected(lost_peer));
  CHECK_NOTHROW(link.send(lost_peer, "to nobody"));
  CHECK(victim.wait() == 128 + SIGKILL);

  // The listener carries on: a worker started after the loss joins and answers.
  late.connect_to(address);
  const auto hello = wait_for(link, LinkEvent::Kind::message, seen);
  REQUIRE(hello);
  CHECK(hello->payload == "hello");
  CHECK(hello->peer != lost_peer);
  link.send(hello->peer, "bye");
  CHECK(wait_for(link, LinkEvent::Kind::lost, seen, 5s));
  CHECK(late.wait() == 0);
}

TEST_CASE("connecting where nobody listens is an IoError naming the address", "[elastic][ucx]") {
  UcxLink link;
  const auto start = std::chrono::steady_clock::now();
  try {
    link.connect("127.0.0.1:1", 5s);  // port 1: nothing listens there
    FAIL("no error");
  } catch (const tessera::IoError& error) {
    CHECK(tessera_test::contains(error.what(), "'127.0.0.1:1'"));
  }
  CHECK(std::chrono::steady_clock::now() - start < 5s);
  CHECK(link.poll().empty());  // the failed connect is not also a `lost` event
}

TEST_CASE("a malformed link address is a ConfigError naming it", "[elastic][ucx]") {
  UcxLink link;
  for (const std::string address :
       {"node7", "node7:", ":5000", "node7:0", "node7:70000", "node7:12x"}) {
    INFO(address);
    CHECK_THROWS_MATCHES(link.connect(address, 1s), tessera::ConfigError,
                         Catch::Matchers::Predicate<tessera::ConfigError>([&](const auto& e) {
                           return tessera_test::contains(e.what(), "'" + address + "'");
                         }));
  }
  CHECK_THROWS_WITH(link.send(3, "x"), Catch::Contains("no peer 3"));
}
