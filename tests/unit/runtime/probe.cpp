#include "probe.hpp"

#include <mutex>

#include <cereal/cereal.hpp>

#include "runtime/builtin_kinds.hpp"
#include "runtime/state_codec.hpp"
#include "runtime/status_json.hpp"

namespace tfarm::test {

namespace {

std::mutex events_mtx;

void record(std::string event) {
  std::lock_guard<std::mutex> guard{events_mtx};
  probe_events().push_back(std::move(event));
}

bool param_is(const runtime::child_spec& spec, const std::string& key) {
  auto i = spec.params.find(key);
  return i != spec.params.end() && i->second == "true";
}

} // namespace

std::vector<std::string>& probe_events() {
  static std::vector<std::string> events;
  return events;
}

std::vector<std::string> probe_paths(const std::string& type) {
  std::lock_guard<std::mutex> guard{events_mtx};
  std::vector<std::string> result;
  auto prefix = type + ":";
  for (auto& e : probe_events()) {
    if (e.compare(0, prefix.size(), prefix) != 0)
      continue;
    auto rest = e.substr(prefix.size());
    result.push_back(rest.substr(0, rest.find(':')));
  }
  return result;
}

probe::probe(caf::actor_config& cfg, runtime::spawn_context ctx)
    : runtime::managed_actor(cfg, std::move(ctx)) {
  record("construct:" + path());
}

runtime::kind_info probe::kind() {
  return runtime::make_kind<probe>("probe", "test actor with an integer state",
                                   runtime::kind_persistent | runtime::kind_agent);
}

caf::behavior probe::make_behavior() {
  record("start:" + path() + ":" + std::to_string(value_));
  if (param_is(spec(), "stubborn"))
    set_exit_handler([](caf::exit_msg&) {});
  if (param_is(spec(), "fail_start"))
    quit(caf::error{runtime::runtime_errc::spawn_failed, "probe told to fail at start"});
  return {
      [this](caf::add_atom, int32_t n) {
        value_ += n;
        save_checkpoint();
        publish_description();
        return value_;
      },
      [this](caf::get_atom) { return value_; },
      // A change the probe does not publish itself (the base must).
      [this](caf::put_atom, int32_t n) { value_ = n; },
      [this](caf::close_atom) { quit(); },
  };
}

void probe::on_exit() {
  record("stop:" + path());
  runtime::managed_actor::on_exit();
}

std::string probe::save_state() {
  return runtime::encode_state(value_);
}

caf::error probe::restore_state(const std::string& blob, uint32_t) {
  return runtime::decode_state(blob, value_);
}

std::string probe::describe() const {
  return runtime::status_json(probe_status{value_});
}

runtime::kind_registry test_kinds() {
  auto result = runtime::builtin_kinds();
  result.add(probe::kind());
  runtime::kind_info broken;
  broken.name = "broken";
  broken.description = "a kind whose factory always fails";
  broken.spawn = [](caf::actor_system&, caf::local_actor*,
                    runtime::spawn_context) -> caf::expected<caf::actor> {
    return caf::error{runtime::runtime_errc::spawn_failed, "broken by design"};
  };
  result.add(std::move(broken));
  return result;
}

} // namespace tfarm::test
