// Zarr groups: their metadata (v3 zarr.json with node_type "group"; v2 .zgroup and .zattrs),
// their members, and consolidated metadata in zarr-python's two forms (v2 .zmetadata; v3 the
// "consolidated_metadata" field of the group's zarr.json, with paths relative to the group).

#include <map>
#include <optional>
#include <tessera/errors.hpp>
#include <tessera/io/zarr_group.hpp>

#include "zarr/json_fields.hpp"
#include "zarr/metadata.hpp"

namespace tessera::io {

namespace {

using NodeMap = std::map<std::string, ZarrNodeKind>;  // by path relative to a group

std::string join(const std::string& path, const std::string& name) {
  return path.empty() ? name : name.empty() ? path : path + "/" + name;
}

std::string parent_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

std::string text_of(const Bytes& bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

void write_json(Store& store, const std::string& key, const nlohmann::json& json) {
  std::string text = json.dump(2);
  store.set(key, std::span(reinterpret_cast<const std::byte*>(text.data()), text.size()));
}

// A path of non-empty segments, none "." or ".." ("" only where `allow_root`).
void check_path(const std::string& path, const std::string& what, bool allow_root) {
  if (path.empty() && allow_root) return;
  std::size_t start = 0;
  while (true) {
    auto end = path.find('/', start);
    auto segment = path.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (segment.empty() || segment == "." || segment == "..") {
      throw IoError("zarr: " + what + " '" + path +
                    "' is not a path of names separated by '/' (none empty, '.' or '..')");
    }
    if (end == std::string::npos) return;
    start = end + 1;
  }
}

nlohmann::json object_of(const std::string& text, const std::string& where) {
  auto json = zarr::parse_json(text, where);
  if (!json.is_object()) throw IoError("zarr: " + where + ": expected a JSON object");
  return json;
}

std::optional<nlohmann::json> read_object(const Store& store, const std::string& key) {
  auto bytes = store.get(key);
  if (!bytes) return std::nullopt;
  return object_of(text_of(*bytes), store.describe(key));
}

ZarrNodeKind v3_node_kind(const nlohmann::json& json, const std::string& where) {
  auto node = zarr::string_field(json, where, "node_type", "\"array\" or \"group\"");
  if (node != "array" && node != "group") {
    zarr::bad_field(where, "node_type", &json["node_type"], "\"array\" or \"group\"");
  }
  return node == "array" ? ZarrNodeKind::array : ZarrNodeKind::group;
}

// The nodes of a v3 "consolidated_metadata" field: its flat form (zarr-python's), and nested
// forms too, where a group's entry holds its own children.
void add_v3_consolidated(const nlohmann::json& field, const std::string& prefix,
                         const std::string& where, NodeMap& nodes) {
  if (!field.is_object()) zarr::bad_field(where, "consolidated_metadata", &field, "an object");
  std::string at = where + ": consolidated_metadata";
  auto kind = zarr::string_field(field, at, "kind", "\"inline\"");
  if (kind != "inline") zarr::bad_field(at, "kind", &field["kind"], "\"inline\"");
  const auto& metadata = zarr::required_field(field, at, "metadata", "an object of documents");
  if (!metadata.is_object()) zarr::bad_field(at, "metadata", &metadata, "an object of documents");
  for (const auto& [name, document] : metadata.items()) {
    std::string entry = at + ".metadata[\"" + name + "\"]";
    check_path(name, entry + ": the key", false);
    if (!document.is_object()) throw IoError("zarr: " + entry + ": expected a JSON object");
    zarr::integer_field(document, entry, "zarr_format", 3, 3);
    auto node = v3_node_kind(document, entry);
    nodes[join(prefix, name)] = node;
    if (const auto* inner = zarr::find_field(document, "consolidated_metadata");
        node == ZarrNodeKind::group && inner && !inner->is_null()) {
      add_v3_consolidated(*inner, join(prefix, name), entry, nodes);
    }
  }
}

// The nodes of a v2 .zmetadata ("a/.zarray" is the array "a", "a/.zgroup" the group "a").
NodeMap v2_consolidated(const std::string& text, const std::string& where) {
  NodeMap nodes;
  for (const auto& [key, document] : zarr::parse_consolidated(text, where)) {
    auto slash = key.rfind('/');
    if (slash == std::string::npos) continue;  // the group's own documents
    auto file = key.substr(slash + 1);
    if (file != ".zarray" && file != ".zgroup") continue;
    std::string entry = where + ": metadata[\"" + key + "\"]";
    check_path(key.substr(0, slash), entry + ": the key", false);
    if (!document.is_object()) throw IoError("zarr: " + entry + ": expected a JSON object");
    nodes[key.substr(0, slash)] = file == ".zarray" ? ZarrNodeKind::array : ZarrNodeKind::group;
  }
  return nodes;
}

// What the store holds at `path`: nothing, or a node of a format.
struct Node {
  int zarr_format;
  ZarrNodeKind kind;
};

std::optional<Node> node_at(const Store& store, const std::string& path) {
  std::string key = join(path, "zarr.json");
  if (auto json = read_object(store, key)) return Node{3, v3_node_kind(*json, store.describe(key))};
  if (store.get(join(path, ".zarray"))) return Node{2, ZarrNodeKind::array};
  if (store.get(join(path, ".zgroup"))) return Node{2, ZarrNodeKind::group};
  return std::nullopt;
}

// Every metadata document below the group at `path`, by its key relative to `relative` (the
// group being consolidated): one directory listing per group, none inside arrays.
void collect_documents(const Store& store, const std::string& path, const std::string& relative,
                       int zarr_format, std::map<std::string, nlohmann::json>& documents) {
  static const std::vector<std::string> v3_files{"zarr.json"};
  static const std::vector<std::string> v2_files{".zarray", ".zgroup", ".zattrs"};
  for (const auto& name : store.list_dir(path.empty() ? "" : path + "/")) {
    const std::string child = join(path, name);
    const std::string child_relative = relative.empty() ? name : relative + "/" + name;
    auto node = node_at(store, child);
    if (!node || node->zarr_format != zarr_format) continue;
    for (const auto& file : zarr_format == 3 ? v3_files : v2_files) {
      if (auto json = read_object(store, join(child, file))) {
        documents[child_relative + "/" + file] = std::move(*json);
      }
    }
    if (node->kind == ZarrNodeKind::group) {
      collect_documents(store, child, child_relative, zarr_format, documents);
    }
  }
}

nlohmann::json group_document(int zarr_format, const nlohmann::json& attributes) {
  if (zarr_format == 2) return {{"zarr_format", 2}};
  return {{"zarr_format", 3}, {"node_type", "group"}, {"attributes", attributes}};
}

// Creates the groups above `path` that do not exist; an array among them is an error.
void create_parents(Store& store, const std::string& path, int zarr_format) {
  if (path.empty()) return;
  std::vector<std::string> above;
  for (auto parent = parent_of(path);; parent = parent_of(parent)) {
    above.push_back(parent);
    if (parent.empty()) break;
  }
  for (auto it = above.rbegin(); it != above.rend(); ++it) {
    auto node = node_at(store, *it);
    if (!node) {
      if (zarr_format == 3) {
        write_json(store, join(*it, "zarr.json"), group_document(3, nlohmann::json::object()));
      } else {
        write_json(store, join(*it, ".zgroup"), group_document(2, nullptr));
        write_json(store, join(*it, ".zattrs"), nlohmann::json::object());
      }
    } else if (node->kind == ZarrNodeKind::array) {
      throw IoError("zarr: cannot create '" + store.describe(path) + "': '" + store.describe(*it) +
                    "' above it is an array");
    }
  }
}

nlohmann::json attributes_of(const std::string& text) {
  auto json = zarr::parse_json(text, "attributes");
  if (!json.is_object()) throw IoError("zarr: attributes " + text + ": expected a JSON object");
  return json;
}

}  // namespace

struct ZarrGroup::State {
  std::shared_ptr<Store> store;
  std::string path;
  int zarr_format = 3;
  nlohmann::json document;  // v3: the zarr.json as read (consolidated metadata included)
  nlohmann::json attributes = nlohmann::json::object();
  std::optional<NodeMap> consolidated;

  std::string key(const std::string& name) const { return join(path, name); }

  // Records a node created below the group in the consolidated list, with the groups above it.
  void created(const std::string& name, ZarrNodeKind kind) {
    if (!consolidated) return;
    (*consolidated)[name] = kind;
    for (auto parent = parent_of(name); !parent.empty(); parent = parent_of(parent)) {
      consolidated->emplace(parent, ZarrNodeKind::group);
    }
  }
};

ZarrGroup::ZarrGroup(std::unique_ptr<State> state) : state_(std::move(state)) {}
ZarrGroup::ZarrGroup(ZarrGroup&&) noexcept = default;
ZarrGroup& ZarrGroup::operator=(ZarrGroup&&) noexcept = default;
ZarrGroup::~ZarrGroup() = default;

ZarrGroup ZarrGroup::open(std::shared_ptr<Store> store, std::string path) {
  check_path(path, "group", true);
  auto state = std::make_unique<State>();
  state->store = store;
  state->path = path;
  std::string v3_key = join(path, "zarr.json");
  if (auto json = read_object(*store, v3_key)) {
    std::string where = store->describe(v3_key);
    zarr::integer_field(*json, where, "zarr_format", 3, 3);
    auto node = zarr::string_field(*json, where, "node_type", "\"group\"");
    if (node != "group") zarr::bad_field(where, "node_type", &(*json)["node_type"], "\"group\"");
    if (const auto* attributes = zarr::find_field(*json, "attributes")) {
      if (!attributes->is_object()) zarr::bad_field(where, "attributes", attributes, "an object");
      state->attributes = *attributes;
    }
    if (const auto* field = zarr::find_field(*json, "consolidated_metadata");
        field && !field->is_null()) {
      state->consolidated.emplace();
      add_v3_consolidated(*field, "", where, *state->consolidated);
    }
    state->document = std::move(*json);
    return ZarrGroup(std::move(state));
  }
  std::string v2_key = join(path, ".zgroup");
  auto zgroup = read_object(*store, v2_key);
  if (!zgroup) {
    throw IoError("zarr: no group at '" + store->describe(path) + "': neither '" +
                  store->describe(v3_key) + "' nor '" + store->describe(v2_key) + "' exists");
  }
  zarr::integer_field(*zgroup, store->describe(v2_key), "zarr_format", 2, 2);
  state->zarr_format = 2;
  if (auto attributes = read_object(*store, join(path, ".zattrs"))) {
    state->attributes = std::move(*attributes);
  }
  std::string consolidated_key = join(path, ".zmetadata");
  if (auto zmetadata = store->get(consolidated_key)) {
    state->consolidated = v2_consolidated(text_of(*zmetadata), store->describe(consolidated_key));
  }
  return ZarrGroup(std::move(state));
}

ZarrGroup ZarrGroup::create(std::shared_ptr<Store> store, std::string path, int zarr_format,
                            const std::string& attributes_json) {
  check_path(path, "group", true);
  if (zarr_format != 2 && zarr_format != 3) {
    throw IoError("zarr: creating group '" + store->describe(path) + "': zarr_format is " +
                  std::to_string(zarr_format) + ": expected 2 or 3");
  }
  auto attributes = attributes_of(attributes_json);
  if (auto node = node_at(*store, path); node && node->kind == ZarrNodeKind::array) {
    throw IoError("zarr: cannot create group '" + store->describe(path) + "': it is an array");
  }
  create_parents(*store, path, zarr_format);
  auto state = std::make_unique<State>();
  state->store = store;
  state->path = path;
  state->zarr_format = zarr_format;
  state->attributes = attributes;
  if (zarr_format == 3) {
    state->document = group_document(3, attributes);
    write_json(*store, state->key("zarr.json"), state->document);
  } else {
    write_json(*store, state->key(".zgroup"), group_document(2, nullptr));
    write_json(*store, state->key(".zattrs"), attributes);
    store->erase(state->key(".zmetadata"));  // a replaced group's would list stale members
  }
  return ZarrGroup(std::move(state));
}

int ZarrGroup::zarr_format() const { return state_->zarr_format; }
const std::string& ZarrGroup::path() const { return state_->path; }
bool ZarrGroup::consolidated() const { return state_->consolidated.has_value(); }
std::string ZarrGroup::attributes_json() const { return state_->attributes.dump(); }

std::vector<ZarrMember> ZarrGroup::members() const {
  const auto& s = *state_;
  NodeMap direct;
  if (s.consolidated) {
    for (const auto& [name, kind] : *s.consolidated) {
      if (name.find('/') == std::string::npos) direct[name] = kind;
    }
  } else {
    std::string prefix = s.path.empty() ? "" : s.path + "/";
    for (const auto& name : s.store->list_dir(prefix)) {
      auto node = node_at(*s.store, join(s.path, name));
      if (node && node->zarr_format == s.zarr_format) direct[name] = node->kind;
    }
  }
  std::vector<ZarrMember> members;
  for (const auto& [name, kind] : direct) members.push_back({name, kind});
  return members;
}

void ZarrGroup::set_attributes(const std::string& attributes_json) {
  auto& s = *state_;
  auto attributes = attributes_of(attributes_json);
  if (s.zarr_format == 3) {
    auto document = s.document;
    document["attributes"] = attributes;
    write_json(*s.store, s.key("zarr.json"), document);
    s.document = std::move(document);
  } else {
    write_json(*s.store, s.key(".zattrs"), attributes);
  }
  s.attributes = std::move(attributes);
}

ZarrGroup ZarrGroup::create_group(const std::string& name, const std::string& attributes_json) {
  check_path(name, "group", false);
  auto group = create(state_->store, state_->key(name), state_->zarr_format, attributes_json);
  state_->created(name, ZarrNodeKind::group);
  return group;
}

ZarrGroup ZarrGroup::open_group(const std::string& name) const {
  check_path(name, "group", false);
  auto group = open(state_->store, state_->key(name));
  if (!group.state_->consolidated && state_->consolidated) {
    auto& below = group.state_->consolidated.emplace();
    std::string prefix = name + "/";
    for (const auto& [path, kind] : *state_->consolidated) {
      if (path.compare(0, prefix.size(), prefix) == 0) below[path.substr(prefix.size())] = kind;
    }
  }
  return group;
}

ZarrArray ZarrGroup::create_array(const std::string& name, const ZarrArrayOptions& options) {
  check_path(name, "array", false);
  std::string path = state_->key(name);
  if (options.zarr_format != state_->zarr_format) {
    throw IoError("zarr: creating array '" + state_->store->describe(path) + "': zarr_format is " +
                  std::to_string(options.zarr_format) + ", but its group is zarr_format " +
                  std::to_string(state_->zarr_format));
  }
  if (auto node = node_at(*state_->store, path); node && node->kind == ZarrNodeKind::group) {
    throw IoError("zarr: cannot create array '" + state_->store->describe(path) +
                  "': it is a group");
  }
  create_parents(*state_->store, path, state_->zarr_format);
  auto array = ZarrArray::create(state_->store, path, options);
  state_->created(name, ZarrNodeKind::array);
  return array;
}

ZarrArray ZarrGroup::open_array(const std::string& name) const {
  check_path(name, "array", false);
  return ZarrArray::open(state_->store, state_->key(name));
}

ZarrGroup consolidate_metadata(std::shared_ptr<Store> store, const std::string& path) {
  auto group = ZarrGroup::open(store, path);
  int format = group.zarr_format();
  std::string prefix = path.empty() ? "" : path + "/";
  // Every metadata document below the group, by its key relative to the group.
  std::map<std::string, nlohmann::json> documents;
  collect_documents(*store, path, "", format, documents);
  NodeMap found;
  for (const auto& [relative, json] : documents) {
    auto slash = relative.rfind('/');
    auto node = relative.substr(0, slash), file = relative.substr(slash + 1);
    if (file == ".zattrs") continue;
    found[node] = format == 2 ? (file == ".zarray" ? ZarrNodeKind::array : ZarrNodeKind::group)
                              : v3_node_kind(json, store->describe(prefix + relative));
  }
  // The nodes of the hierarchy: those whose every ancestor below the group is a group.
  NodeMap nodes;
  for (const auto& [node, kind] : found) {
    bool reachable = true;
    for (auto parent = parent_of(node); reachable && !parent.empty(); parent = parent_of(parent)) {
      auto it = found.find(parent);
      reachable = it != found.end() && it->second == ZarrNodeKind::group;
    }
    if (reachable) nodes.emplace(node, kind);
  }
  nlohmann::json metadata = nlohmann::json::object();
  if (format == 3) {
    for (const auto& [node, kind] : nodes) {
      auto document = documents[node + "/zarr.json"];
      if (kind == ZarrNodeKind::group) {
        document["consolidated_metadata"] = {
            {"kind", "inline"}, {"must_understand", false}, {"metadata", nlohmann::json::object()}};
      }
      metadata[node] = std::move(document);
    }
    std::string key = join(path, "zarr.json");
    auto root = read_object(*store, key);
    if (!root) throw IoError("zarr: '" + store->describe(key) + "' vanished while consolidating");
    (*root)["consolidated_metadata"] = {
        {"kind", "inline"}, {"must_understand", false}, {"metadata", metadata}};
    write_json(*store, key, *root);
  } else {
    metadata[".zgroup"] = group_document(2, nullptr);
    metadata[".zattrs"] = nlohmann::json::parse(group.attributes_json());
    for (const auto& [node, kind] : nodes) {
      for (const char* file : {".zarray", ".zgroup", ".zattrs"}) {
        auto it = documents.find(node + "/" + file);
        if (it != documents.end()) metadata[it->first] = it->second;
      }
    }
    write_json(*store, join(path, ".zmetadata"),
               {{"zarr_consolidated_format", 1}, {"metadata", metadata}});
  }
  return ZarrGroup::open(std::move(store), path);
}

}  // namespace tessera::io
