// Private to tfarm::config: reads one TOML table against its expected keys,
// recording every problem as a diagnostic instead of stopping at the first.
//
// Each accessor both reads a key and declares it as known; finish() then
// reports the keys nobody asked for, with the nearest known key as a
// suggestion. Only config/*.cpp include this header (it pulls in toml++).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "config/diagnostic.hpp"
#include "config/duration.hpp"

namespace tfarm::config::detail {

/// Collects the diagnostics of one file.
class load_context {
public:
  explicit load_context(std::string file) : file_(std::move(file)) {}

  void error(const toml::source_region& where, std::string message);
  void error(uint32_t line, uint32_t column, std::string message);
  /// A problem with no position in the file.
  void error(std::string message);

  const std::string& file() const noexcept { return file_; }
  std::vector<diagnostic>& diagnostics() noexcept { return diagnostics_; }
  bool failed() const noexcept { return !diagnostics_.empty(); }

private:
  std::string file_;
  std::vector<diagnostic> diagnostics_;
};

/// "a string", "an integer", ... for messages.
std::string describe_type(const toml::node& x);

class table_reader {
public:
  /// `name` is how messages refer to the table, e.g. "[[supervisor]]".
  table_reader(load_context& ctx, const toml::table& tbl, std::string name);

  table_reader(const table_reader&) = delete;
  table_reader& operator=(const table_reader&) = delete;

  /// Declares `key` known and returns its node, or nullptr when absent (a
  /// missing required key is reported against this table's header).
  const toml::node* get(std::string_view key, bool required = false);

  std::optional<std::string> string(std::string_view key, bool required = false);

  std::optional<int64_t> integer(std::string_view key, int64_t min, int64_t max,
                                 bool required = false);

  /// Integer or float in [min, max]; NaN and infinities are refused.
  std::optional<double> number(std::string_view key, double min, double max);

  std::optional<bool> boolean(std::string_view key);

  std::optional<milliseconds> duration(std::string_view key, milliseconds min, milliseconds max);

  /// A rate string ("20/min") or an integer count per minute.
  std::optional<rate> rate_value(std::string_view key, int64_t count_max);

  /// A string naming one of `names`; `what` names the concept in messages.
  std::optional<std::string> choice(std::string_view key, const std::vector<std::string>& names,
                                    std::string_view what);

  /// A sub-table (or nullptr when absent or of another type).
  const toml::table* table(std::string_view key);

  /// An array of tables ([[key]]); wrong element types are reported.
  std::vector<const toml::table*> tables(std::string_view key);

  /// An array of strings, each with its node for positions.
  std::vector<std::pair<std::string, const toml::node*>> strings(std::string_view key);

  /// Position of `key` itself (for problems about the key rather than its value).
  toml::source_region key_source(std::string_view key) const;

  /// Reports unknown keys. Call once, after every accessor.
  void finish();

  const std::string& name() const noexcept { return name_; }
  const toml::table& raw() const noexcept { return tbl_; }
  load_context& context() noexcept { return ctx_; }

private:
  void wrong_type(std::string_view key, const toml::node& x, std::string_view expected);

  load_context& ctx_;
  const toml::table& tbl_;
  std::string name_;
  std::vector<std::string> known_;
};

} // namespace tfarm::config::detail
