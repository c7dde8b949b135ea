#include "tessera/graph.hpp"

#include "graph/plan.hpp"

namespace tessera {

void Graph::add_value(Key key, Value value) {
  Entry entry;
  entry.args.emplace_back(std::move(value));
  insert(std::move(key), std::move(entry));
}

void Graph::add(Key key, std::string_view function, std::vector<GraphArg> args, int retries) {
  const auto& entry = detail::find_function(function);
  if (entry.parameters.size() != args.size()) {
    throw GraphError("graph: task '" + key + "' calls '" + entry.name + "' with " +
                     std::to_string(args.size()) + " arguments, but it takes " +
                     std::to_string(entry.parameters.size()));
  }
  detail::TaskCode code;
  code.invoke = entry.invoke;
  code.callable = entry.callable;
  code.registered = &entry;
  code.name = entry.name;
  code.retries = retries;
  add_call(std::move(key), detail::TaskCodePtr::make(std::move(code)), std::move(args));
}

void Graph::add_call(Key key, detail::TaskCodePtr code, std::vector<GraphArg> args) {
  insert(std::move(key), Entry{std::move(code), std::move(args)});
}

void Graph::insert(Key key, Entry entry) {
  if (entries_.count(key)) {
    throw GraphError("graph: key '" + key + "' is added twice (a key names one task)");
  }
  entries_.emplace(std::move(key), std::move(entry));
}

std::vector<detail::NodePtr> Graph::nodes(const std::vector<Key>& keys) const {
  // Depth-first from the wanted keys, building each node after its inputs; a key met again
  // while still open closes a cycle.
  enum class Mark : std::uint8_t { open, built };
  struct Visit {
    Mark mark;
    detail::NodePtr node;
  };
  std::unordered_map<const Entry*, Visit> visits;
  struct Frame {
    const Key* key;
    const Entry* entry;
    std::size_t next_arg;
    std::size_t next_element;  // within a std::vector<Ref> argument
  };
  // The next reference of the frame's entry, in argument order; null when there is none.
  auto next_ref = [](Frame& frame) -> const Ref* {
    const auto& args = frame.entry->args;
    while (frame.next_arg < args.size()) {
      const auto& arg = args[frame.next_arg];
      if (const auto* pack = std::get_if<std::vector<Ref>>(&arg)) {
        if (frame.next_element < pack->size()) return &(*pack)[frame.next_element++];
        frame.next_element = 0;
        ++frame.next_arg;
        continue;
      }
      ++frame.next_arg;
      if (const auto* r = std::get_if<Ref>(&arg)) return r;
    }
    return nullptr;
  };
  std::vector<Frame> stack;

  auto lookup = [&](const Key& key, const Key* wanted_by) -> const std::pair<const Key, Entry>& {
    auto it = entries_.find(key);
    if (it == entries_.end()) {
      throw GraphError(wanted_by ? "graph: task '" + *wanted_by + "' depends on key '" + key +
                                       "', which is not in the graph"
                                 : "graph: key '" + key + "' is not in the graph");
    }
    return *it;
  };

  auto build = [&](const Key& key, const Entry& entry) {
    std::vector<detail::NodeArg> args;
    args.reserve(entry.args.size());
    auto node_of = [&](const Ref& r) { return visits.at(&entries_.at(r.key)).node; };
    for (const auto& arg : entry.args) {
      if (const auto* value = std::get_if<Value>(&arg)) {
        args.emplace_back(*value);
      } else if (const auto* r = std::get_if<Ref>(&arg)) {
        args.emplace_back(node_of(*r));
      } else {  // a pack: its size, then each element (as Delayed records a vector)
        const auto& pack = std::get<std::vector<Ref>>(arg);
        args.emplace_back(Value(detail::PackHeader{pack.size()}));
        for (const auto& element : pack) args.emplace_back(node_of(element));
      }
    }
    auto node = detail::make_node<detail::NodeOfMany>(std::move(args));
    node->key = key;
    node->code = entry.code;
    node->chosen_key = true;
    return detail::NodePtr(std::move(node));
  };

  std::vector<detail::NodePtr> result;
  for (const auto& wanted : keys) {
    const auto& [root_key, root] = lookup(wanted, nullptr);
    if (!visits.count(&root)) {
      visits[&root] = Visit{Mark::open, nullptr};
      stack.push_back({&root_key, &root, 0, 0});
      while (!stack.empty()) {
        auto& frame = stack.back();
        bool descended = false;
        while (const Ref* r = next_ref(frame)) {
          const auto& [child_key, child] = lookup(r->key, frame.key);
          auto [it, fresh] = visits.try_emplace(&child, Visit{Mark::open, nullptr});
          if (fresh) {
            stack.push_back({&child_key, &child, 0, 0});
            descended = true;
            break;
          }
          if (it->second.mark == Mark::open) {
            std::string cycle = child_key;
            bool in_cycle = false;
            for (const auto& f : stack) {
              in_cycle = in_cycle || f.entry == &child;
              if (in_cycle && f.entry != &child) cycle += " -> " + *f.key;
            }
            throw GraphError("graph: the tasks form a cycle: " + cycle + " -> " + child_key);
          }
        }
        if (!descended) {
          visits[frame.entry] = Visit{Mark::built, build(*frame.key, *frame.entry)};
          stack.pop_back();
        }
      }
    }
    result.push_back(visits.at(&root).node);
  }
  return result;
}

detail::NodePtr Graph::node(const Key& key) const { return nodes({key}).front(); }

std::string Graph::to_dot(const std::vector<Key>& keys) const {
  return detail::to_dot(nodes(keys));
}

}  // namespace tessera
