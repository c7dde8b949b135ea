#pragma once
// Reading fields of Zarr's JSON documents: every missing or mistyped field is an IoError that
// names the document, the key and what was expected.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <tessera/errors.hpp>

namespace tessera::io::zarr {

[[noreturn]] inline void bad_field(std::string_view where, std::string_view key,
                                   const nlohmann::json* value, std::string_view expected) {
  std::string message = "zarr: " + std::string(where) + ": \"" + std::string(key) + "\" ";
  message += value ? "is " + value->dump() : std::string("is missing");
  throw IoError(message + ": expected " + std::string(expected));
}

// The field `key` of object `json`, or nullptr when absent.
inline const nlohmann::json* find_field(const nlohmann::json& json, std::string_view key) {
  auto it = json.find(key);
  return it == json.end() ? nullptr : &*it;
}

inline const nlohmann::json& required_field(const nlohmann::json& json, std::string_view where,
                                            std::string_view key, std::string_view expected) {
  const auto* value = find_field(json, key);
  if (!value) bad_field(where, key, nullptr, expected);
  return *value;
}

inline std::int64_t integer_field(const nlohmann::json& json, std::string_view where,
                                  std::string_view key, std::int64_t low, std::int64_t high,
                                  const std::int64_t* fallback = nullptr) {
  std::string expected = "an integer from " + std::to_string(low) + " to " + std::to_string(high);
  const auto* value = find_field(json, key);
  if (!value) {
    if (fallback) return *fallback;
    bad_field(where, key, nullptr, expected);
  }
  if (!value->is_number_integer()) bad_field(where, key, value, expected);
  if (value->is_number_unsigned() && value->get<std::uint64_t>() > static_cast<std::uint64_t>(high))
    bad_field(where, key, value, expected);
  auto number = value->get<std::int64_t>();
  if (number < low || number > high) bad_field(where, key, value, expected);
  return number;
}

inline std::string string_field(const nlohmann::json& json, std::string_view where,
                                std::string_view key, std::string_view expected,
                                const char* fallback = nullptr) {
  const auto* value = find_field(json, key);
  if (!value) {
    if (fallback) return fallback;
    bad_field(where, key, nullptr, expected);
  }
  if (!value->is_string()) bad_field(where, key, value, expected);
  return value->get<std::string>();
}

}  // namespace tessera::io::zarr
