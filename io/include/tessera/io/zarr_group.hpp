#pragma once
// Zarr groups (v2 and v3): the nodes of a hierarchy that hold arrays and other groups, with
// attributes, and consolidated metadata that lists a whole hierarchy in one document.
//
//   auto store = std::make_shared<tessera::io::LocalStore>("era5.zarr");
//   auto root = tessera::io::ZarrGroup::create(store, "", 3, R"({"title": "ERA5"})");
//   auto surface = root.create_group("surface");
//   auto t2m = surface.create_array("t2m", options);
//   tessera::io::consolidate_metadata(store);
//   for (const auto& member : tessera::io::ZarrGroup::open(store, "surface").members()) ...

#include <memory>
#include <string>
#include <tessera/io/store.hpp>
#include <tessera/io/zarr.hpp>
#include <vector>

namespace tessera::io {

/// What a node of a Zarr hierarchy is.
enum class ZarrNodeKind { array, group };

/// A direct child of a group.
struct ZarrMember {
  /// The child's name (its last path segment).
  std::string name;
  ZarrNodeKind kind = ZarrNodeKind::array;

  bool operator==(const ZarrMember&) const = default;
};

/// One Zarr group of a store. Member names may be paths below the group ("surface/t2m").
class ZarrGroup {
 public:
  /// The group at `path` of `store` ("" for the root): its zarr.json (node_type "group"), or
  /// else its .zgroup and .zattrs. Its consolidated metadata, when present, lists its members.
  static ZarrGroup open(std::shared_ptr<Store> store, std::string path);
  /// Creates (or replaces) the metadata of a group at `path` and opens it; the groups above it
  /// that do not exist yet are created too (in the same format, without attributes).
  static ZarrGroup create(std::shared_ptr<Store> store, std::string path, int zarr_format = 3,
                          const std::string& attributes_json = "{}");

  ZarrGroup(ZarrGroup&&) noexcept;
  ZarrGroup& operator=(ZarrGroup&&) noexcept;
  ~ZarrGroup();

  /// 2 or 3.
  int zarr_format() const;
  /// The group's path in its store ("" for the root).
  const std::string& path() const;
  /// Whether the group was opened with consolidated metadata (members() then reads no store).
  bool consolidated() const;

  /// The direct children, sorted by name: from the consolidated metadata when the group has
  /// it (as of when it was consolidated, plus the members created through this object since),
  /// otherwise found by listing the store below the group.
  std::vector<ZarrMember> members() const;

  /// The attributes, as a JSON object.
  std::string attributes_json() const;
  /// Replaces the attributes (a JSON object) and writes them to the store.
  void set_attributes(const std::string& attributes_json);

  /// Creates a group below this one, in its format.
  ZarrGroup create_group(const std::string& name, const std::string& attributes_json = "{}");
  /// The group below this one; it shares this group's consolidated metadata when it has none.
  ZarrGroup open_group(const std::string& name) const;
  /// Creates an array below this one; options.zarr_format must be this group's.
  ZarrArray create_array(const std::string& name, const ZarrArrayOptions& options);
  /// The array below this one.
  ZarrArray open_array(const std::string& name) const;

  struct State;  ///< the implementation's
  explicit ZarrGroup(std::unique_ptr<State> state);

 private:
  std::unique_ptr<State> state_;
};

/// Writes the metadata of every array and group below the group at `path` into one document,
/// as zarr-python's consolidate_metadata does: for v2 the group's .zmetadata
/// (zarr_consolidated_format 1), for v3 the "consolidated_metadata" field of its zarr.json.
/// Run it again after the hierarchy changes. Returns the group, opened with the result.
ZarrGroup consolidate_metadata(std::shared_ptr<Store> store, const std::string& path = "");

}  // namespace tessera::io
