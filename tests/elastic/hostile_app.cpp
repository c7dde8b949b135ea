// A hostile probe of how an elastic cluster recovers from lost workers: the program is the
// client and scheduler when started alone with TESSERA_SCHEDULER_FILE, and a worker with
// TESSERA_ROLE=worker (tests/elastic/run_hostile.sh starts both). The client kills workers
// itself (SIGKILL to the pid a task on that worker reported) at the moment each scenario
// needs, checks every result, and never waits without a timeout: a hang is a WRONG line.
//
//   hostile_app SCENARIO [--workers N] [--gap-ms G] [--innocents K] [--kill-at F]
//
// Scenarios:
//   persist           persisted and computed futures, fetched only after their holder died
//   persist-released  a result whose input future the client released, then its holder died
//   large-fetch       a worker fetching a 64 MiB result when its holder dies (--kill-at: the
//                     fraction of a measured fetch's time at which it is killed)
//   two-kills         two of four workers killed, --gap-ms apart, during chains of tasks
//   nested            tasks that submit tasks (get_client) on a worker that dies
//   killer            a task that kills its worker each time: fails after 3 lost workers
//                     (--innocents K: K slow tasks run meanwhile: right, or a few blamed)
//   scatter           scattered data whose only holder dies (its readers fail clearly);
//                     broadcast data survives the loss of two of its holders
//   idle              a worker killed between computations; the next completes, and a
//                     worker that joins afterwards gets work
//   tree              a worker killed (by a task, half way) in a tree reduction of 20,000
//                     tiny tasks
//
// Lines "start-workers K" ask the driver for K more workers; "killed K workers" says how many
// worker processes must have ended by SIGKILL.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <map>
#include <numeric>
#include <optional>
#include <sstream>
#include <string>
#include <tessera/tessera.hpp>
#include <thread>
#include <vector>

namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
constexpr auto patience = seconds(8);  // no result within this: the client would hang

// ---- Tasks. Each one that makes a result someone will look for says where it ran.

void note(const std::string& tag) {
  tessera::log_event(
      "hostile", tag + " " + std::to_string(tessera::this_rank()) + " " + std::to_string(getpid()));
}

long square(long x) { return x * x; }
long add(long a, long b) { return a + b; }
long slow_square(long x) {
  std::this_thread::sleep_for(milliseconds(100));
  return x * x;
}
long pid_here() { return getpid(); }
int rank_here() {
  std::this_thread::sleep_for(milliseconds(20));
  return tessera::this_rank();
}
// A 1 MiB block of i.
std::vector<double> block(int i) {
  note("block-" + std::to_string(i));
  return std::vector<double>(131072, static_cast<double>(i));
}
// A 64 MiB block of i.
std::vector<double> big(int i) {
  note("big-" + std::to_string(i));
  return std::vector<double>(8u << 20, static_cast<double>(i));
}
std::vector<double> plus_one(const std::vector<double>& a, int label) {
  note("plus-" + std::to_string(label));
  auto next = a;
  for (auto& x : next) x += 1.0;
  return next;
}
double total(const std::vector<double>& a) { return std::accumulate(a.begin(), a.end(), 0.0); }
double labelled_total(const std::vector<double>& a, int label) {
  note("total-" + std::to_string(label));
  return total(a);
}
double total_after(const std::vector<double>& a, long) { return total(a); }
long nap(long ms) {
  std::this_thread::sleep_for(milliseconds(ms));
  return ms;
}
std::vector<double> slow_step(const std::vector<double>& a) {
  std::this_thread::sleep_for(milliseconds(20));
  auto next = a;
  for (auto& x : next) x += 1.0;
  return next;
}
// Submits four slow tasks from inside a task and waits for them.
long outer(long i) {
  note("outer-" + std::to_string(i));
  auto client = tessera::get_client();
  std::vector<tessera::Future<long>> inner;
  for (long j = 0; j < 4; ++j) inner.push_back(client.submit(slow_square, 10 * i + j));
  long sum = 0;
  for (auto& f : inner) sum += f.result();
  return sum;
}
int suicide(int x) {
  raise(SIGKILL);
  return x;
}
// A leaf of the tree; the one numbered `trigger` kills worker process `victim` first (it may
// run again after a loss: the victim is gone by then, and kill() finds nobody).
long leaf(long i, long trigger, long victim) {
  if (i == trigger) kill(static_cast<pid_t>(victim), SIGKILL);
  return i * i;
}
TESSERA_TASK(square);
TESSERA_TASK(add);
TESSERA_TASK(slow_square);
TESSERA_TASK(pid_here);
TESSERA_TASK(rank_here);
TESSERA_TASK(block);
TESSERA_TASK(big);
TESSERA_TASK(plus_one);
TESSERA_TASK(total);
TESSERA_TASK(labelled_total);
TESSERA_TASK(total_after);
TESSERA_TASK(nap);
TESSERA_TASK(slow_step);
TESSERA_TASK(outer);
TESSERA_TASK(suicide);
TESSERA_TASK(leaf);

// ---- The client's side.

int failures = 0;
int killed = 0;

void say(const std::string& line) {
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}
void check(bool ok, const std::string& what) {
  say(std::string(ok ? "ok: " : "WRONG: ") + what);
  if (!ok) ++failures;
}

// Where a task that noted `tag` ran: {rank, pid}, once its event reached the scheduler.
std::optional<std::pair<int, long>> where_noted(const std::string& tag,
                                                milliseconds timeout = milliseconds(5000)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    for (const auto& event : tessera::get_events("hostile")) {
      std::istringstream in(event.message);
      std::string seen;
      int rank = 0;
      long pid = 0;
      if (in >> seen >> rank >> pid && seen == tag) return std::make_pair(rank, pid);
    }
    if (std::chrono::steady_clock::now() > deadline) return std::nullopt;
    std::this_thread::sleep_for(milliseconds(5));
  }
}

// The pid of each worker rank 1..count, from a task restricted to it.
std::map<int, long> worker_pids(tessera::Client& client, int count) {
  std::map<int, long> pids;
  for (int rank = 1; rank <= count; ++rank) {
    tessera::TaskOptions on;
    on.workers = {rank};
    pids[rank] = client.submit(on, pid_here).result(patience);
  }
  return pids;
}

void kill_worker(int rank, long pid) {
  say("killing worker rank " + std::to_string(rank) + " (pid " + std::to_string(pid) + ")");
  if (kill(static_cast<pid_t>(pid), SIGKILL) == 0) ++killed;
}

// Threads left waiting on a result that never came: joined once the Runtime has ended (which
// wakes them with an error), so that a hang is reported rather than suffered.
std::vector<std::thread> stuck;

// What waiting for a future gave: its value, its error, or nothing within `patience` (even
// result(timeout) may wait without end once the result is done but its fetch is not).
template <class T>
struct Outcome {
  std::optional<T> value;
  std::exception_ptr error;
  bool hung = false;
};

template <class T>
Outcome<T> await(const tessera::Future<T>& future) {
  auto promise = std::make_shared<std::promise<T>>();
  auto result = promise->get_future();
  std::thread waiter([future, promise] {
    try {
      promise->set_value(future.result());
    } catch (...) {
      promise->set_exception(std::current_exception());
    }
  });
  Outcome<T> outcome;
  // After one hang, the next ones are told sooner: the scenario stays short.
  const auto limit = stuck.empty() ? patience : seconds(2);
  if (result.wait_for(limit) != std::future_status::ready) {
    outcome.hung = true;
    say(std::string("(a hang: the future is ") +
        (future.done() ? "done, and fetching its result never ends)" : "not done)"));
    stuck.push_back(std::move(waiter));
    return outcome;
  }
  waiter.join();
  try {
    outcome.value = result.get();
  } catch (...) {
    outcome.error = std::current_exception();
  }
  return outcome;
}

std::string message_of(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "an exception that is no std::exception";
  }
}

const std::string hang_text = "no result and no error within " + std::to_string(patience.count()) +
                              " s (the client would hang)";

// The value of `future`, or nothing with a WRONG line saying why (an error, or a hang).
template <class T>
std::optional<T> value_of(const tessera::Future<T>& future, const std::string& what) {
  auto outcome = await(future);
  if (outcome.hung) check(false, what + ": " + hang_text);
  if (outcome.error) check(false, what + ": " + message_of(outcome.error));
  return outcome.value;
}

// The future must fail, in time, with a TaskError whose message has `wanted`.
template <class T>
void expect_task_error(const tessera::Future<T>& future, const std::string& wanted,
                       const std::string& what) {
  auto outcome = await(future);
  if (outcome.hung) return check(false, what + ": " + hang_text);
  if (!outcome.error) return check(false, what + ": it succeeded, but should have failed");
  try {
    std::rethrow_exception(outcome.error);
  } catch (const tessera::TaskError& error) {
    check(std::string(error.what()).find(wanted) != std::string::npos, what + ": " + error.what());
  } catch (const std::exception& error) {
    check(false, what + ": not a TaskError: " + error.what());
  }
}

long tree_sum(std::vector<tessera::Delayed<long>> level) {
  while (level.size() > 1) {
    std::vector<tessera::Delayed<long>> next;
    for (std::size_t i = 0; i + 1 < level.size(); i += 2)
      next.push_back(tessera::delayed(add)(level[i], level[i + 1]));
    if (level.size() % 2) next.push_back(level.back());
    level = std::move(next);
  }
  auto outcome = await(tessera::get_client().compute(level[0]));
  if (outcome.hung) throw tessera::TimeoutError(hang_text);
  if (outcome.error) std::rethrow_exception(outcome.error);
  return *outcome.value;
}

long squares_up_to(long n) { return (n - 1) * n * (2 * n - 1) / 6; }

bool sum_of_squares(long n, const std::string& what) {
  std::vector<tessera::Delayed<long>> leaves;
  for (long i = 0; i < n; ++i) leaves.push_back(tessera::delayed(square)(i));
  try {
    const long sum = tree_sum(std::move(leaves));
    check(sum == squares_up_to(n), what);
    return sum == squares_up_to(n);
  } catch (const std::exception& error) {
    check(false, what + ": " + error.what());
    return false;
  }
}

struct Options {
  int workers = 3;
  int gap_ms = 300;
  int innocents = 0;
  double kill_at = 0.2;
};

// -- persist: the client keeps futures of three kinds; their holder dies before they are read.
void persist(tessera::Client& client, const Options& options) {
  const int n = 6;
  std::vector<tessera::Delayed<std::vector<double>>> persisted;  // client.persist
  std::vector<tessera::Future<double>> computed;                 // client.compute
  std::vector<tessera::Future<std::vector<double>>> submitted;   // client.submit
  std::vector<tessera::Delayed<double>> to_compute;
  for (int i = 0; i < n; ++i) {
    // The 1 MiB block under each is forgotten once used: made again from the graph.
    persisted.push_back(client.persist(tessera::delayed(plus_one)(tessera::delayed(block)(i), i)));
    to_compute.push_back(tessera::delayed(labelled_total)(
        tessera::delayed(plus_one)(tessera::delayed(block)(10 + i), 10 + i), 10 + i));
    submitted.push_back(client.submit(block, 20 + i));
  }
  computed = client.compute(to_compute);
  std::map<long, int> held;  // pid -> outputs it holds
  std::map<long, int> rank_of;
  for (int i = 0; i < n; ++i) {
    for (const auto& tag : {"plus-" + std::to_string(i), "total-" + std::to_string(10 + i),
                            "block-" + std::to_string(20 + i)}) {
      auto where = where_noted(tag);
      if (!where) {
        check(false, "task " + tag + " ran (its event came)");
        return;
      }
      ++held[where->second];
      rank_of[where->second] = where->first;
    }
  }
  tessera::wait(computed, patience);
  tessera::wait(submitted, patience);
  const auto victim = std::max_element(held.begin(), held.end(),
                                       [](auto& a, auto& b) { return a.second < b.second; });
  say("worker rank " + std::to_string(rank_of[victim->first]) + " holds " +
      std::to_string(victim->second) + " of the " + std::to_string(3 * n) + " results");
  kill_worker(rank_of[victim->first], victim->first);
  // Read at once: the scheduler may not have noticed the loss yet.
  bool right = true;
  for (int i = 0; i < n; ++i) {
    auto value = value_of(submitted[i], "submitted future " + std::to_string(i));
    right = right && value && total(*value) == 131072.0 * (20 + i);
  }
  check(right, "futures of client.submit whose holder died have the right values");
  right = true;
  for (int i = 0; i < n; ++i) {
    auto value = value_of(computed[i], "computed future " + std::to_string(i));
    right = right && value && *value == 131072.0 * (11 + i);
  }
  check(right, "futures of client.compute whose holder died have the right values");
  right = true;
  for (int i = 0; i < n; ++i) {
    auto value = value_of(client.compute(tessera::delayed(total)(persisted[i])),
                          "a total of persisted " + std::to_string(i));
    right = right && value && *value == 131072.0 * (i + 1);
  }
  check(right, "tasks reading persisted results whose holder died have the right values");
  (void)options;
}

// -- persist-pending: one output of a computation is done, and its holder dies while another
// output of the same computation is still being made; the done one is read afterwards.
void persist_pending(tessera::Client& client, const Options&) {
  std::vector<tessera::Delayed<double>> outputs{
      tessera::delayed(labelled_total)(tessera::delayed(block)(30), 30),
      tessera::delayed(total_after)(tessera::delayed(block)(31), tessera::delayed(nap)(2000L))};
  auto futures = client.compute(outputs);
  tessera::wait(std::vector{futures[0]}, patience);
  auto where = where_noted("total-30");
  if (!where) return check(false, "total-30's event came");
  kill_worker(where->first, where->second);
  std::this_thread::sleep_for(milliseconds(500));  // it is made again elsewhere meanwhile
  auto done = value_of(futures[0], "the output that was done when its holder died");
  check(done && *done == 131072.0 * 30,
        "an output whose holder died while the other output of its computation ran is right");
  auto pending = value_of(futures[1], "the output that was still being made");
  check(pending && *pending == 131072.0 * 31, "the output that was still being made is right");
}

// -- persist-released: y read future x; the client let x go; y's holder dies.
void persist_released(tessera::Client& client, const Options&) {
  auto x = client.submit(block, 7);
  auto y = client.submit(plus_one, x, 7);
  if (!value_of(y, "y")) return;
  x.release();  // y's result holds all the client still needs
  std::this_thread::sleep_for(milliseconds(300));
  auto where = where_noted("plus-7");
  if (!where) {
    check(false, "y's event came");
    return;
  }
  kill_worker(where->first, where->second);
  std::this_thread::sleep_for(milliseconds(300));
  auto outcome = await(y);
  if (outcome.hung) {
    check(false, "y, whose holder died after the client released its input x: " + hang_text);
  } else if (outcome.value) {
    check(total(*outcome.value) == 131072.0 * 8, "y, made again after its holder died, is right");
  } else {
    check(message_of(outcome.error).find("failed") != std::string::npos,
          "y fails with a clear error: " + message_of(outcome.error));
  }
}

// -- large-fetch: a worker fetches a 64 MiB result; its holder dies half way.
void large_fetch(tessera::Client& client, const Options& options) {
  const double expected_1 = static_cast<double>(8u << 20) * 1;
  const double expected_2 = static_cast<double>(8u << 20) * 2;
  double fetch_seconds = 0;
  {
    auto made = client.submit(big, 1);
    tessera::wait(std::vector{made}, patience);
    auto holder = where_noted("big-1");
    if (!holder) return check(false, "big-1's event came");
    tessera::TaskOptions elsewhere;
    elsewhere.workers = {holder->first % options.workers + 1};
    const auto start = std::chrono::steady_clock::now();
    auto sum = value_of(client.submit(elsewhere, total, made), "the first 64 MiB fetch");
    fetch_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    check(sum && *sum == expected_1,
          "a 64 MiB result read on another worker (" + std::to_string(fetch_seconds) + " s)");
  }
  auto made = client.submit(big, 2);
  tessera::wait(std::vector{made}, patience);
  auto holder = where_noted("big-2");
  if (!holder) return check(false, "big-2's event came");
  tessera::TaskOptions elsewhere;
  elsewhere.workers = {holder->first % options.workers + 1};
  auto sum = client.submit(elsewhere, total, made);
  std::this_thread::sleep_for(std::chrono::duration<double>(fetch_seconds * options.kill_at));
  kill_worker(holder->first, holder->second);
  auto value = value_of(sum, "the sum of a 64 MiB result whose holder died while it was fetched");
  check(value && *value == expected_2, "a 64 MiB result whose holder died while rank " +
                                           std::to_string(elsewhere.workers[0]) +
                                           " fetched it is made again and read right");
  auto again = value_of(made, "the 64 MiB future itself, read by the client");
  check(again && total(*again) == expected_2, "the 64 MiB future reads right on the client");
}

// -- two-kills: two of four workers die, one after the other, during chains of tasks.
void two_kills(tessera::Client& client, const Options& options) {
  auto pids = worker_pids(client, options.workers);
  const int chains = 16;
  const int steps = 30;
  std::vector<tessera::Delayed<double>> ends;
  for (int c = 0; c < chains; ++c) {
    auto link = tessera::delayed(block)(c);
    for (int s = 0; s < steps; ++s) link = tessera::delayed(slow_step)(link);
    ends.push_back(tessera::delayed(total)(link));
  }
  auto sums = client.compute(ends);
  std::this_thread::sleep_for(milliseconds(500));
  kill_worker(2, pids[2]);
  std::this_thread::sleep_for(milliseconds(options.gap_ms));
  kill_worker(3, pids[3]);
  bool right = true;
  for (int c = 0; c < chains; ++c) {
    auto value = value_of(sums[c], "chain " + std::to_string(c));
    right = right && value && *value == 131072.0 * (c + steps);
  }
  check(right, std::to_string(chains) + " chains of " + std::to_string(steps) +
                   " steps on 1 MiB blocks, two workers killed " + std::to_string(options.gap_ms) +
                   " ms apart");
  sum_of_squares(2000, "a computation on the two workers left");
}

// -- nested: tasks that submit tasks and wait for them; the worker of one dies.
void nested(tessera::Client& client, const Options&) {
  const long n = 6;
  std::vector<tessera::Future<long>> outers;
  for (long i = 0; i < n; ++i) outers.push_back(client.submit(outer, i));
  auto where = where_noted("outer-0");
  if (!where) return check(false, "outer-0's event came");
  std::this_thread::sleep_for(milliseconds(150));  // its inner tasks are running
  kill_worker(where->first, where->second);
  bool right = true;
  for (long i = 0; i < n; ++i) {
    long expected = 0;
    for (long j = 0; j < 4; ++j) expected += (10 * i + j) * (10 * i + j);
    auto value = value_of(outers[i], "outer task " + std::to_string(i));
    right = right && value && *value == expected;
  }
  check(right, std::to_string(n) + " tasks that submit tasks, one of their workers killed");
  sum_of_squares(2000, "a computation afterwards");
}

// -- killer: a task that kills its worker each time it runs.
void killer(tessera::Client& client, const Options& options) {
  std::vector<tessera::Future<long>> innocents;
  for (int i = 0; i < options.innocents; ++i) innocents.push_back(client.submit(slow_square, i));
  auto deadly = client.submit(suicide, 1);
  expect_task_error(deadly, "was on 3 workers that were lost",
                    "a task that kills its worker fails after 3 lost workers");
  killed = 3;  // by the task itself
  // An innocent task that was on the same three lost workers as the killer is blamed with
  // it, as Dask blames every task a dead worker was processing; the scheduler spreads the
  // tasks of a lost worker so that this is rare. Blamed ones must say so; the others be right.
  bool right = true;
  int blamed = 0;
  for (int i = 0; i < options.innocents; ++i) {
    auto outcome = await(innocents[i]);
    if (outcome.hung) check(false, "innocent task " + std::to_string(i) + ": " + hang_text);
    if (outcome.error &&
        message_of(outcome.error).find("was on 3 workers that were lost") != std::string::npos) {
      ++blamed;
      continue;
    }
    right = right && !outcome.error && outcome.value && *outcome.value == static_cast<long>(i) * i;
  }
  if (options.innocents > 0)
    check(right && blamed <= options.innocents / 4,
          std::to_string(options.innocents) + " tasks running meanwhile on the same workers: " +
              std::to_string(options.innocents - blamed) + " right, " + std::to_string(blamed) +
              " blamed with the killer");
  check(client.workers() == static_cast<std::size_t>(options.workers - 3),
        std::to_string(client.workers()) + " workers are left");
  sum_of_squares(2000, "a computation on the workers left");
}

// -- scatter: data on one worker only, and data on all of them.
void scatter(tessera::Client& client, const Options&) {
  client.wait_for_workers(1, patience);
  auto only = client.scatter(std::vector<double>(131072, 3.0));  // the only worker keeps it
  auto first = value_of(client.submit(total, only), "a read of scattered data");
  check(first && *first == 131072.0 * 3, "a task reads scattered data");
  say("start-workers 2");
  client.wait_for_workers(3, patience);
  auto everywhere = client.scatter(std::vector<double>(131072, 5.0), true);
  auto read = value_of(client.submit(total, everywhere), "a read of broadcast data");
  check(read && *read == 131072.0 * 5, "a task reads broadcast data");
  auto pids = worker_pids(client, 3);
  // Waits for a slow task first, then reads the data (queued when its holder dies).
  auto waiting = client.submit(total_after, only, client.submit(slow_square, 5L));
  kill_worker(1, pids[1]);
  auto at_once = client.submit(total, only);
  expect_task_error(at_once, "lost", "a task reading lost scattered data, submitted at once");
  expect_task_error(waiting, "lost", "a task that was waiting to read lost scattered data");
  std::this_thread::sleep_for(milliseconds(300));
  expect_task_error(client.submit(total, only), "scattered data was lost",
                    "a task reading lost scattered data, submitted later");
  std::vector<tessera::Future<double>> reads;
  for (int i = 0; i < 8; ++i) reads.push_back(client.submit(total_after, everywhere, i));
  bool right = true;
  for (auto& f : reads) {
    auto value = value_of(f, "a read of broadcast data after a loss");
    right = right && value && *value == 131072.0 * 5;
  }
  check(right, "8 tasks read broadcast data after one of its holders died");
  kill_worker(2, pids[2]);
  reads.clear();
  for (int i = 0; i < 8; ++i) reads.push_back(client.submit(total_after, everywhere, 10 + i));
  right = true;
  for (auto& f : reads) {
    auto value = value_of(f, "a read of broadcast data after two losses");
    right = right && value && *value == 131072.0 * 5;
  }
  check(right, "8 tasks read broadcast data after two of its holders died");
  auto local = value_of(only, "the lost scattered future on the client");
  check(local && total(*local) == 131072.0 * 3, "the client still reads its own scattered value");
}

// -- idle: a worker dies while nothing runs.
void idle(tessera::Client& client, const Options& options) {
  sum_of_squares(2000, "a computation before the loss");
  auto kept = client.submit(block, 9);
  if (!value_of(kept, "a kept block")) return;
  auto where = where_noted("block-9");
  if (!where) return check(false, "block-9's event came");
  kill_worker(where->first, where->second);
  std::this_thread::sleep_for(milliseconds(1000));
  check(client.workers() == static_cast<std::size_t>(options.workers - 1),
        std::to_string(client.workers()) + " workers after the loss");
  sum_of_squares(2000, "a computation after a worker died while the scheduler was idle");
  auto value = value_of(kept, "the kept block");
  check(value && total(*value) == 131072.0 * 9, "a result kept on the dead worker reads right");
  say("start-workers 1");
  try {
    client.wait_for_workers(options.workers, patience);
  } catch (const std::exception& error) {
    return check(false, std::string("a new worker joins: ") + error.what());
  }
  std::vector<tessera::Delayed<int>> ranks;
  for (int i = 0; i < 64; ++i) ranks.push_back(tessera::delayed(rank_here)());
  try {
    auto seen = client.gather(client.compute(ranks));
    const int newest = *std::max_element(seen.begin(), seen.end());
    check(newest == options.workers + 1,
          "the worker that joined after the loss (rank " + std::to_string(options.workers + 1) +
              ") runs tasks (the highest rank that ran one: " + std::to_string(newest) + ")");
  } catch (const std::exception& error) {
    check(false, std::string("tasks after a new worker joined: ") + error.what());
  }
}

// -- tree: a worker dies half way through a tree reduction of 20,000 tiny tasks.
void tree(tessera::Client& client, const Options& options) {
  auto pids = worker_pids(client, options.workers);
  const long n = 20000;
  std::vector<tessera::Delayed<long>> leaves;
  for (long i = 0; i < n; ++i) leaves.push_back(tessera::delayed(leaf)(i, n / 2, pids[2]));
  killed = 1;  // by the leaf n / 2
  const auto start = std::chrono::steady_clock::now();
  try {
    const long sum = tree_sum(std::move(leaves));
    check(sum == squares_up_to(n),
          "a tree reduction of " + std::to_string(n) + " tiny tasks, a worker killed half way");
  } catch (const std::exception& error) {
    check(false, std::string("the tree reduction: ") + error.what());
  }
  say("it took " +
      std::to_string(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()) +
      " s");
  sum_of_squares(2000, "a computation afterwards");
}

int run(int argc, char** argv) {
  tessera::Runtime runtime(argc, argv);  // a worker never returns from here
  if (argc < 2) {
    std::fprintf(stderr, "usage: hostile_app SCENARIO [--workers N] [--gap-ms G] ...\n");
    return 2;
  }
  const std::string scenario = argv[1];
  Options options;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--workers") options.workers = std::atoi(argv[i + 1]);
    if (flag == "--gap-ms") options.gap_ms = std::atoi(argv[i + 1]);
    if (flag == "--innocents") options.innocents = std::atoi(argv[i + 1]);
    if (flag == "--kill-at") options.kill_at = std::atof(argv[i + 1]);
  }
  const std::map<std::string, void (*)(tessera::Client&, const Options&)> scenarios = {
      {"persist", persist},
      {"persist-pending", persist_pending},
      {"persist-released", persist_released},
      {"large-fetch", large_fetch},
      {"two-kills", two_kills},
      {"nested", nested},
      {"killer", killer},
      {"scatter", scatter},
      {"idle", idle},
      {"tree", tree}};
  const auto chosen = scenarios.find(scenario);
  if (chosen == scenarios.end()) {
    std::fprintf(stderr, "hostile_app: unknown scenario '%s'\n", scenario.c_str());
    return 2;
  }
  auto client = runtime.client();
  try {
    client.wait_for_workers(scenario == "scatter" ? 1 : options.workers, patience);
    say("computing");
    chosen->second(client, options);
  } catch (const std::exception& error) {
    check(false, std::string("the scenario ended with an exception: ") + error.what());
  }
  for (const auto& event : tessera::get_events("elastic")) say("event: " + event.message);
  say("killed " + std::to_string(killed) + " workers");
  say(failures == 0 ? "hostile_app: all results right" : "hostile_app: FAILED");
  return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const int status = run(argc, argv);
  for (auto& thread : stuck) thread.join();  // the Runtime's end woke them
  return status;
}
