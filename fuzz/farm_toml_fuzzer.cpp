// The farm, cluster and supervision-policy TOML: what an operator writes.
// First byte: which loader (even: farm file with the program's kinds and
// agent checks, odd: cluster file); the rest is the file.
// Properties: no crash, a value only without problems, every problem names
// the file and a position inside it (line 0 only for whole-file problems).
#include <algorithm>
#include <string>

#include "config/loader.hpp"
#include "fuzz/fuzz_support.hpp"
#include "net/kinds.hpp"

namespace {

constexpr const char* file_name = "fuzz.toml";
/// No file of the fuzz input's may be read: policy and farm files it names
/// resolve here.
constexpr const char* base_dir = "/nonexistent/tfarm-fuzz";

template <class T>
void check(const tfarm::config::load_result<T>& r, std::string_view text) {
  using tfarm::fuzz::require;
  require(r.value.has_value() == r.diagnostics.empty(), "a value exactly when there is no problem");
  auto lines = static_cast<uint32_t>(std::count(text.begin(), text.end(), '\n')) + 1;
  for (auto& d : r.diagnostics) {
    require(!d.message.empty(), "every problem says what is wrong");
    if (d.file == file_name)
      require(d.line <= lines, "a problem's line is inside the file");
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0)
    return 0;
  static const auto opts = [] {
    auto x = tfarm::net::farm_check_options();
    x.env = {}; // the file alone, whatever the fuzzing machine's environment holds
    return x;
  }();
  auto text = tfarm::fuzz::text_of(data + 1, size - 1);
  if (data[0] % 2 == 0)
    check(tfarm::config::load_farm_text(text, file_name, base_dir, opts), text);
  else
    check(tfarm::config::load_cluster_text(text, file_name, base_dir), text);
  return 0;
}
