#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <tessera/errors.hpp>
#include <tessera/io/zarr_group.hpp>

#include "io_support.hpp"

using Catch::Matchers::Contains;
using tessera::DType;
using tessera::IoError;
using tessera::io::consolidate_metadata;
using tessera::io::LocalStore;
using tessera::io::ZarrArray;
using tessera::io::ZarrArrayOptions;
using tessera::io::ZarrGroup;
using tessera::io::ZarrMember;
using tessera::io::ZarrNodeKind;
using tessera_io_test::bytes_of;
using tessera_io_test::TemporaryDirectory;
using tessera_io_test::text_of;

namespace {

constexpr auto array = ZarrNodeKind::array;
constexpr auto group = ZarrNodeKind::group;

ZarrArrayOptions small_array(int format) {
  ZarrArrayOptions options;
  options.zarr_format = format;
  options.shape = {6, 4};
  options.chunks = {3, 2};
  options.dtype = DType::float32;
  options.compressor = "zstd";
  return options;
}

// root: {"title": "root"}, with the array "a", the group "b" and the group "c" holding the
// group "d" (made by create_group("c/d")), which holds the array "e".
ZarrGroup hierarchy(const std::shared_ptr<LocalStore>& store, int format) {
  auto root = ZarrGroup::create(store, "", format, R"({"title": "root"})");
  root.create_array("a", small_array(format));
  root.create_group("b", R"({"kind": "empty"})");
  root.create_group("c/d").create_array("e", small_array(format));
  return root;
}

nlohmann::json json_at(const LocalStore& store, const std::string& key) {
  auto bytes = store.get(key);
  REQUIRE(bytes);
  return nlohmann::json::parse(text_of(*bytes));
}

}  // namespace

TEST_CASE("nested groups and arrays are created and listed as members, sorted",
          "[io][zarr][groups]") {
  TemporaryDirectory dir;
  for (int format : {2, 3}) {
    INFO("zarr_format " << format);
    auto store = std::make_shared<LocalStore>(dir.path() / ("v" + std::to_string(format)));
    auto root = hierarchy(store, format);
    CHECK(root.members() == std::vector<ZarrMember>{{"a", array}, {"b", group}, {"c", group}});
    CHECK_FALSE(root.consolidated());

    auto reopened = ZarrGroup::open(store, "");
    CHECK(reopened.zarr_format() == format);
    CHECK(reopened.members() == root.members());
    CHECK(ZarrGroup::open(store, "c").members() == std::vector<ZarrMember>{{"d", group}});
    CHECK(reopened.open_group("c/d").members() == std::vector<ZarrMember>{{"e", array}});
    CHECK(ZarrGroup::open(store, "b").members().empty());
    auto e = reopened.open_array("c/d/e");
    CHECK(e.shape() == std::vector<std::int64_t>{6, 4});
    CHECK(e.zarr_format() == format);
    CHECK(e.read_chunk({1, 1}).size() == 3 * 2 * 4);
  }
}

TEST_CASE("creating a deep group creates the missing groups above it", "[io][zarr][groups]") {
  TemporaryDirectory dir;
  for (int format : {2, 3}) {
    INFO("zarr_format " << format);
    auto store = std::make_shared<LocalStore>(dir.path() / ("v" + std::to_string(format)));
    auto deep = ZarrGroup::create(store, "x/y/z", format, R"({"depth": 3})");
    CHECK(deep.path() == "x/y/z");
    CHECK(ZarrGroup::open(store, "").members() == std::vector<ZarrMember>{{"x", group}});
    CHECK(ZarrGroup::open(store, "x").members() == std::vector<ZarrMember>{{"y", group}});
    auto y = ZarrGroup::open(store, "x/y");
    CHECK(y.attributes_json() == "{}");
    CHECK(y.members() == std::vector<ZarrMember>{{"z", group}});
    CHECK(ZarrGroup::open(store, "x/y/z").attributes_json() == R"({"depth":3})");
  }
}

TEST_CASE("group attributes round trip through the store", "[io][zarr][groups]") {
  TemporaryDirectory dir;
  for (int format : {2, 3}) {
    INFO("zarr_format " << format);
    auto store = std::make_shared<LocalStore>(dir.path() / ("v" + std::to_string(format)));
    auto root = ZarrGroup::create(store, "", format, R"({"title": "t", "n": [1, 2]})");
    CHECK(nlohmann::json::parse(ZarrGroup::open(store, "").attributes_json()) ==
          nlohmann::json{{"title", "t"}, {"n", {1, 2}}});
    root.set_attributes(R"({"title": "changed", "nested": {"pi": 3.5}})");
    auto expected = nlohmann::json{{"title", "changed"}, {"nested", {{"pi", 3.5}}}};
    CHECK(nlohmann::json::parse(root.attributes_json()) == expected);
    CHECK(nlohmann::json::parse(ZarrGroup::open(store, "").attributes_json()) == expected);
    if (format == 2) {
      CHECK(json_at(*store, ".zattrs") == expected);
      CHECK(json_at(*store, ".zgroup") == nlohmann::json{{"zarr_format", 2}});
    } else {
      auto document = json_at(*store, "zarr.json");
      CHECK(document["node_type"] == "group");
      CHECK(document["attributes"] == expected);
    }
    CHECK_THROWS_WITH(root.set_attributes("[1, 2]"), Contains("expected a JSON object"));
    CHECK_THROWS_WITH(root.set_attributes("{"), Contains("not valid JSON"));
  }
}

TEST_CASE("v2 consolidated metadata is written as .zmetadata and lists the members",
          "[io][zarr][groups][consolidated]") {
  TemporaryDirectory dir;
  auto store = std::make_shared<LocalStore>(dir.path() / "v2");
  hierarchy(store, 2);
  auto root = consolidate_metadata(store);
  CHECK(root.consolidated());
  auto zmetadata = json_at(*store, ".zmetadata");
  CHECK(zmetadata["zarr_consolidated_format"] == 1);
  std::vector<std::string> keys;
  for (const auto& [key, document] : zmetadata["metadata"].items()) keys.push_back(key);
  CHECK(keys == std::vector<std::string>{".zattrs", ".zgroup", "a/.zarray", "a/.zattrs",
                                         "b/.zattrs", "b/.zgroup", "c/.zattrs", "c/.zgroup",
                                         "c/d/.zattrs", "c/d/.zgroup", "c/d/e/.zarray",
                                         "c/d/e/.zattrs"});
  CHECK(zmetadata["metadata"][".zattrs"]["title"] == "root");
  CHECK(zmetadata["metadata"]["b/.zattrs"]["kind"] == "empty");
  CHECK(zmetadata["metadata"]["a/.zarray"] == json_at(*store, "a/.zarray"));

  // Members come from .zmetadata, not from a listing: b's own .zgroup no longer matters.
  store->erase("b/.zgroup");
  auto reopened = ZarrGroup::open(store, "");
  CHECK(reopened.consolidated());
  CHECK(reopened.members() == std::vector<ZarrMember>{{"a", array}, {"b", group}, {"c", group}});
  auto c = reopened.open_group("c");
  CHECK(c.consolidated());
  CHECK(c.members() == std::vector<ZarrMember>{{"d", group}});
  CHECK(c.open_group("d").members() == std::vector<ZarrMember>{{"e", array}});
}

TEST_CASE("v3 consolidated metadata is written into the group's zarr.json as zarr-python does",
          "[io][zarr][groups][consolidated]") {
  TemporaryDirectory dir;
  auto store = std::make_shared<LocalStore>(dir.path() / "v3");
  hierarchy(store, 3);
  consolidate_metadata(store);
  auto document = json_at(*store, "zarr.json");
  CHECK(document["attributes"]["title"] == "root");
  const auto& consolidated = document["consolidated_metadata"];
  CHECK(consolidated["kind"] == "inline");
  CHECK(consolidated["must_understand"] == false);
  std::vector<std::string> keys;
  for (const auto& [key, entry] : consolidated["metadata"].items()) keys.push_back(key);
  CHECK(keys == std::vector<std::string>{"a", "b", "c", "c/d", "c/d/e"});
  CHECK(consolidated["metadata"]["a"] == json_at(*store, "a/zarr.json"));
  CHECK(consolidated["metadata"]["c/d"]["node_type"] == "group");
  // Groups inside are flat, with empty consolidated metadata of their own (zarr-python's form).
  CHECK(consolidated["metadata"]["c/d"]["consolidated_metadata"]["metadata"] ==
        nlohmann::json::object());
  CHECK(consolidated["metadata"]["b"]["attributes"]["kind"] == "empty");

  store->erase("b/zarr.json");
  auto root = ZarrGroup::open(store, "");
  CHECK(root.consolidated());
  CHECK(root.members() == std::vector<ZarrMember>{{"a", array}, {"b", group}, {"c", group}});
  CHECK(root.open_group("c").members() == std::vector<ZarrMember>{{"d", group}});

  // Attributes set on a consolidated group keep its consolidated metadata.
  root.set_attributes(R"({"title": "again"})");
  CHECK(json_at(*store, "zarr.json")["consolidated_metadata"] == consolidated);
  // Consolidating a group below the root lists only what is below it.
  consolidate_metadata(store, "c");
  CHECK(json_at(*store, "c/zarr.json")["consolidated_metadata"]["metadata"].size() == 2);
}

TEST_CASE("members created after consolidating are listed by the group that made them",
          "[io][zarr][groups][consolidated]") {
  TemporaryDirectory dir;
  for (int format : {2, 3}) {
    INFO("zarr_format " << format);
    auto store = std::make_shared<LocalStore>(dir.path() / ("v" + std::to_string(format)));
    hierarchy(store, format);
    auto root = consolidate_metadata(store);
    root.create_group("f/g");
    root.create_array("z", small_array(format));
    CHECK(root.members() ==
          std::vector<ZarrMember>{
              {"a", array}, {"b", group}, {"c", group}, {"f", group}, {"z", array}});
    CHECK(root.open_group("f").members() == std::vector<ZarrMember>{{"g", group}});
    // The store's consolidated metadata is as of consolidating, until consolidated again.
    CHECK(ZarrGroup::open(store, "").members().size() == 3);
    CHECK(consolidate_metadata(store).members().size() == 5);
  }
}

TEST_CASE("dimension names are written for xarray and read back", "[io][zarr][groups]") {
  TemporaryDirectory dir;
  auto store = std::make_shared<LocalStore>(dir.path() / "dims");
  for (int format : {2, 3}) {
    INFO("zarr_format " << format);
    auto options = small_array(format);
    options.dimension_names = {"lat", "lon"};
    options.attributes_json = R"({"units": "K"})";
    std::string name = "t" + std::to_string(format);
    ZarrArray::create(store, name, options);
    auto reopened = ZarrArray::open(store, name);
    CHECK(reopened.dimension_names() == std::vector<std::string>{"lat", "lon"});
    if (format == 2) {
      CHECK(json_at(*store, name + "/.zattrs") ==
            nlohmann::json{{"units", "K"}, {"_ARRAY_DIMENSIONS", {"lat", "lon"}}});
    } else {
      CHECK(json_at(*store, name + "/zarr.json")["dimension_names"] ==
            nlohmann::json{"lat", "lon"});
    }
    options.dimension_names = {"lat"};
    CHECK_THROWS_WITH(ZarrArray::create(store, name, options),
                      Contains("1 dimension_names for 2 axes"));
    CHECK(ZarrArray::create(store, "plain" + name, small_array(format)).dimension_names().empty());
  }
}

TEST_CASE("bad or missing group metadata is an IoError naming the key",
          "[io][zarr][groups][errors]") {
  TemporaryDirectory dir;
  auto store = std::make_shared<LocalStore>(dir.path() / "bad");
  CHECK_THROWS_AS(ZarrGroup::open(store, "nothing"), IoError);
  CHECK_THROWS_WITH(ZarrGroup::open(store, "nothing"), Contains("no group at") &&
                                                           Contains("nothing/zarr.json") &&
                                                           Contains("nothing/.zgroup"));

  store->set("broken/zarr.json", bytes_of("{\"zarr_format\": 3,"));
  CHECK_THROWS_WITH(ZarrGroup::open(store, "broken"),
                    Contains("broken/zarr.json") && Contains("not valid JSON"));
  store->set("wrong/zarr.json", bytes_of(R"({"zarr_format": 3, "node_type": "array"})"));
  CHECK_THROWS_WITH(ZarrGroup::open(store, "wrong"),
                    Contains("wrong/zarr.json") && Contains("\"node_type\" is \"array\""));
  store->set("attrs/zarr.json",
             bytes_of(R"({"zarr_format": 3, "node_type": "group", "attributes": [1]})"));
  CHECK_THROWS_WITH(ZarrGroup::open(store, "attrs"),
                    Contains("attrs/zarr.json") && Contains("\"attributes\""));
  store->set("external/zarr.json", bytes_of(R"({"zarr_format": 3, "node_type": "group",
                          "consolidated_metadata": {"kind": "external", "metadata": {}}})"));
  CHECK_THROWS_WITH(ZarrGroup::open(store, "external"),
                    Contains("external/zarr.json") && Contains("\"kind\" is \"external\""));
  store->set("entry/zarr.json",
             bytes_of(R"({"zarr_format": 3, "node_type": "group", "consolidated_metadata":
                          {"kind": "inline", "metadata": {"x": {"zarr_format": 3}}}})"));
  CHECK_THROWS_WITH(ZarrGroup::open(store, "entry"), Contains("entry/zarr.json") &&
                                                         Contains("metadata[\"x\"]") &&
                                                         Contains("\"node_type\" is missing"));
  store->set("v2/.zgroup", bytes_of(R"({"zarr_format": 3})"));
  CHECK_THROWS_WITH(ZarrGroup::open(store, "v2"),
                    Contains("v2/.zgroup") && Contains("\"zarr_format\" is 3"));
  store->set("v2c/.zgroup", bytes_of(R"({"zarr_format": 2})"));
  store->set("v2c/.zmetadata", bytes_of(R"({"metadata": {}})"));
  CHECK_THROWS_WITH(ZarrGroup::open(store, "v2c"),
                    Contains("v2c/.zmetadata") && Contains("zarr_consolidated_format"));
  store->set("v2c/.zmetadata",
             bytes_of(R"({"zarr_consolidated_format": 1, "metadata": {"../x/.zarray": {}}})"));
  CHECK_THROWS_WITH(ZarrGroup::open(store, "v2c"), Contains("v2c/.zmetadata"));
}

TEST_CASE("groups and arrays are refused where the hierarchy does not allow them",
          "[io][zarr][groups][errors]") {
  TemporaryDirectory dir;
  auto store = std::make_shared<LocalStore>(dir.path() / "refused");
  auto root = ZarrGroup::create(store, "", 3);
  root.create_array("a", small_array(3));
  CHECK_THROWS_WITH(root.create_group("a/inside"), Contains("above it is an array"));
  CHECK_THROWS_WITH(root.create_group("a"), Contains("it is an array"));
  CHECK_THROWS_WITH(root.open_group("a"), Contains("\"node_type\" is \"array\""));
  root.create_group("g");
  CHECK_THROWS_WITH(root.create_array("g", small_array(3)), Contains("it is a group"));
  CHECK_THROWS_WITH(root.create_array("x", small_array(2)),
                    Contains("zarr_format is 2, but its group is zarr_format 3"));
  CHECK_THROWS_WITH(root.create_group("../up"), Contains("'../up' is not a path"));
  CHECK_THROWS_WITH(root.create_group(""), Contains("is not a path"));
  CHECK_THROWS_WITH(root.open_array("a//b"), Contains("is not a path"));
  CHECK_THROWS_WITH(ZarrGroup::create(store, "h", 4), Contains("zarr_format is 4"));
  CHECK_THROWS_WITH(ZarrGroup::create(store, "h", 3, "[]"), Contains("expected a JSON object"));
  CHECK_THROWS_WITH(root.open_array("missing"), Contains("no array at"));
}
