// Private to tfarm::config: what every file loader needs: reading a file
// within config_file_bytes_max, parsing it, resolving the files it names,
// and its [tls] table. Only config/*.cpp include this header.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <toml++/toml.h>

#include "config/detail/table_reader.hpp"
#include "config/farm_config.hpp"

namespace tfarm::config::detail {

/// A whole file, or nullopt (the problem recorded in `ctx`).
std::optional<std::string> read_file(const std::string& path, load_context& ctx);

/// The TOML document, or nullopt (the parse error recorded in `ctx`).
std::optional<toml::table> parse_toml(std::string_view text, load_context& ctx);

/// `file` relative to `base_dir` (the folder of the file that names it),
/// unless absolute.
std::string resolve(const std::string& base_dir, const std::string& file);

/// [tls]: ca, cert and key, each a file relative to `base_dir`.
void read_tls(load_context& ctx, const toml::table& tbl, const std::string& base_dir,
              tls_settings& tls);

} // namespace tfarm::config::detail
