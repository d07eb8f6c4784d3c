#include "config/logging.hpp"

#include <mutex>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "config/logger.hpp"

namespace tfarm::config {

namespace {

// %* : the message, escaped for a JSON string.
class json_message_flag : public spdlog::custom_flag_formatter {
public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    for (auto c : msg.payload) {
      switch (c) {
      case '"':
        dest.append(std::string_view{"\\\""});
        break;
      case '\\':
        dest.append(std::string_view{"\\\\"});
        break;
      case '\n':
        dest.append(std::string_view{"\\n"});
        break;
      case '\r':
        dest.append(std::string_view{"\\r"});
        break;
      case '\t':
        dest.append(std::string_view{"\\t"});
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(c));
          dest.append(std::string_view{buf});
        } else {
          dest.push_back(c);
        }
      }
    }
  }

  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<json_message_flag>();
  }
};

struct logging_state {
  std::mutex mtx;
  spdlog::sink_ptr sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  spdlog::level::level_enum level = spdlog::level::info;
  log_format format = log_format::text;
};

logging_state& state() {
  static logging_state instance;
  return instance;
}

std::unique_ptr<spdlog::formatter> make_formatter(log_format format) {
  auto f = std::make_unique<spdlog::pattern_formatter>();
  if (format == log_format::json) {
    f->add_flag<json_message_flag>('*').set_pattern(
        R"({"ts":"%Y-%m-%dT%H:%M:%S.%f%z","level":"%l","logger":"%n","thread":%t,"msg":"%*"})");
  } else {
    f->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ [%n] %v");
  }
  return f;
}

} // namespace

bool parse_log_format(std::string_view x, log_format& out) {
  if (x == "text")
    out = log_format::text;
  else if (x == "json")
    out = log_format::json;
  else
    return false;
  return true;
}

bool setup_logging(const logging_options& opts, std::string& why) {
  auto level = spdlog::level::from_str(opts.level);
  if (level == spdlog::level::off && opts.level != "off") {
    why = "unknown log level '" + opts.level +
          "' (valid: trace, debug, info, warn, error, critical, off)";
    return false;
  }
  auto& st = state();
  std::lock_guard<std::mutex> guard{st.mtx};
  st.level = level;
  st.format = opts.format;
  st.sink->set_formatter(make_formatter(opts.format));
  spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& l) { l->set_level(level); });
  return true;
}

std::shared_ptr<spdlog::logger> module_logger(const std::string& module) {
  auto& st = state();
  std::lock_guard<std::mutex> guard{st.mtx};
  if (auto existing = spdlog::get(module))
    return existing;
  st.sink->set_formatter(make_formatter(st.format));
  auto result = std::make_shared<spdlog::logger>(module, st.sink);
  result->set_level(st.level);
  result->flush_on(spdlog::level::warn);
  spdlog::register_logger(result);
  return result;
}

spdlog::logger& log() {
  static auto instance = module_logger("config");
  return *instance;
}

} // namespace tfarm::config
