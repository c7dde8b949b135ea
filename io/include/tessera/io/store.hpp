#pragma once
// Key-value stores that hold Zarr arrays and groups: a key is a '/'-separated path relative to
// the store's root ("t2m/.zarray", "t2m/c/0/0"), a value is bytes. Small on purpose, so that
// other stores (object stores, archives) can be added by implementing five functions.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::io {

/// The bytes of one value (a chunk, a shard, a metadata document).
using Bytes = std::vector<std::byte>;

/// A key-value store (five functions to implement, and list_dir to make listing faster).
/// Every failure is a tessera::IoError naming the key (or its path) and the
/// reason. Implementations are safe to use from several threads at once.
class Store {
 public:
  virtual ~Store() = default;

  /// The value at key, or nothing when the key has none.
  virtual std::optional<Bytes> get(std::string_view key) const = 0;
  /// `length` bytes of the value at key from `offset` (a negative offset counts from the end),
  /// or nothing when the key has none; an IoError naming the key when the value is shorter.
  /// By default from get().
  virtual std::optional<Bytes> get_range(std::string_view key, std::int64_t offset,
                                         std::size_t length) const;
  /// Writes the value at key. A reader sees either the previous value or the whole new one,
  /// never a part: a failed write leaves the previous value (or none).
  virtual void set(std::string_view key, std::span<const std::byte> value) = 0;
  /// Removes the value at key; nothing happens when there is none.
  virtual void erase(std::string_view key) = 0;
  /// Every key that starts with prefix, sorted.
  virtual std::vector<std::string> list(std::string_view prefix) const = 0;
  /// The names one level below `prefix` ("" for the root, else ending in '/'): the next path
  /// component of the keys under it, sorted and distinct. By default from list().
  virtual std::vector<std::string> list_dir(std::string_view prefix) const;
  /// Where key lives, for messages: a file path, a URL.
  virtual std::string describe(std::string_view key) const = 0;
};

/// A store in a directory of the local file system: key "a/b/c" is the file root/a/b/c.
/// set() writes a temporary file in the same directory and renames it over the key.
class LocalStore final : public Store {
 public:
  /// A store rooted at root (created on the first write if it does not exist).
  explicit LocalStore(std::filesystem::path root);

  std::optional<Bytes> get(std::string_view key) const override;
  /// Reads only the range (one pread).
  std::optional<Bytes> get_range(std::string_view key, std::int64_t offset,
                                 std::size_t length) const override;
  void set(std::string_view key, std::span<const std::byte> value) override;
  void erase(std::string_view key) override;
  std::vector<std::string> list(std::string_view prefix) const override;
  /// One directory read, however many keys lie deeper.
  std::vector<std::string> list_dir(std::string_view prefix) const override;
  std::string describe(std::string_view key) const override;

  /// The directory of the store.
  const std::filesystem::path& root() const noexcept { return root_; }

 private:
  std::filesystem::path path_of(std::string_view key) const;

  std::filesystem::path root_;
};

}  // namespace tessera::io
