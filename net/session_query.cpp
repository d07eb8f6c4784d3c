#include "net/session_query.hpp"

#include "runtime/ask.hpp"

namespace tfarm::net {

std::vector<session_ref>
find_sessions(runtime::node_context& node,
              const std::function<bool(const runtime::actor_info&)>& pick) {
  std::vector<session_ref> out;
  auto& reg = node.registry();
  for (auto& info : reg.query("/exchanges")) {
    if (info.kind != "exchange_session" || !pick(info))
      continue;
    auto e = reg.find(info.path);
    auto h = caf::actor_cast<actors::exchange_session_actor>(e ? e->handle() : caf::actor{});
    out.push_back(session_ref{std::move(info), std::move(h)});
  }
  return out;
}

bool session_named(const runtime::actor_info& info, const std::string& name) {
  if (name.empty())
    return true;
  return info.path == runtime::normalize_path(name) ||
         info.path.substr(info.path.rfind('/') + 1) == name;
}

std::vector<caf::expected<actors::exchange_status>>
ask_sessions(caf::actor_system& sys, const std::vector<session_ref>& sessions, session_request what,
             std::chrono::milliseconds timeout) {
  std::vector<actors::exchange_session_actor> handles;
  for (auto& s : sessions)
    handles.push_back(s.handle);
  using status = actors::exchange_status;
  switch (what) {
  case session_request::test:
    return runtime::ask_all<status>(sys, handles, timeout, actors::session_test_atom_v);
  case session_request::recover:
    return runtime::ask_all<status>(sys, handles, timeout, actors::session_recover_atom_v);
  case session_request::status:
    break;
  }
  return runtime::ask_all<status>(sys, handles, timeout, actors::session_status_atom_v);
}

} // namespace tfarm::net
