#include "config/detail/file_tables.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/limits.hpp"

namespace tfarm::config::detail {

// Reads a whole file, refusing anything larger than config_file_bytes_max.
std::optional<std::string> read_file(const std::string& path, load_context& ctx) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    ctx.error("cannot read file: is a directory");
    return std::nullopt;
  }
  std::ifstream in{path, std::ios::binary};
  if (!in) {
    ctx.error(std::string{"cannot read file: "} + std::strerror(errno));
    return std::nullopt;
  }
  auto size = std::filesystem::file_size(path, ec);
  if (!ec && size > config_file_bytes_max) {
    ctx.error("file is larger than " + std::to_string(config_file_bytes_max) + " bytes");
    return std::nullopt;
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

std::optional<toml::table> parse_toml(std::string_view text, load_context& ctx) {
  try {
    return toml::parse(text, std::string_view{ctx.file()});
  } catch (const toml::parse_error& e) {
    ctx.error(e.source(), "invalid TOML: " + std::string{e.description()});
    return std::nullopt;
  }
}

std::string resolve(const std::string& base_dir, const std::string& file) {
  std::filesystem::path p{file};
  if (p.is_absolute() || base_dir.empty() || base_dir == ".")
    return p.lexically_normal().string();
  return (std::filesystem::path{base_dir} / p).lexically_normal().string();
}

void read_tls(load_context& ctx, const toml::table& tbl, const std::string& base_dir,
              tls_settings& tls) {
  table_reader r{ctx, tbl, "[tls]"};
  auto ca = r.string("ca", true);
  auto cert = r.string("cert", true);
  auto key = r.string("key", true);
  for (auto& [name, value] : {std::pair{"ca", &ca}, {"cert", &cert}, {"key", &key}})
    if (*value && (*value)->empty())
      ctx.error(tbl.get(name)->source(), std::string{"[tls] "} + name + " must name a file");
  if (ca && cert && key && !ca->empty() && !cert->empty() && !key->empty()) {
    tls.ca = resolve(base_dir, *ca);
    tls.cert = resolve(base_dir, *cert);
    tls.key = resolve(base_dir, *key);
    tls.origin = ctx.file() + ":" + std::to_string(tbl.source().begin.line) + ":" +
                 std::to_string(tbl.source().begin.column);
  }
  r.finish();
}

} // namespace tfarm::config::detail
