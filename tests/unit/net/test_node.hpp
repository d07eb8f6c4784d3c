// Starts a node from farm-file text on a temporary SQLite database, the way
// `tfarm run` does (net::sqlite_node_options), for tests of the HTTP API
// and the monitor.
#pragma once

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "actors/vault/error.hpp"
#include "actors/vault/vault_setup.hpp"
#include "config/loader.hpp"
#include "config/logging.hpp"
#include "net/kinds.hpp"
#include "persistence/error.hpp"
#include "persistence/maintenance.hpp"
#include "runtime/error_text.hpp"
#include "runtime/node.hpp"

namespace tfarm::test {

inline std::unique_ptr<runtime::node> start_test_node(const std::string& text,
                                                      const std::string& db,
                                                      config::farm_config* out = nullptr) {
  persistence::register_error_names();
  actors::register_vault_error_names();
  auto farm = config::load_farm_text(text, db + ".toml");
  EXPECT_TRUE(farm.ok()) << (farm.diagnostics.empty() ? "" : to_string(farm.diagnostics[0]));
  if (!farm.ok())
    return nullptr;
  farm.value->store.path = db;
  farm.value->store.synchronous = "off";
  persistence::open_options open;
  open.synchronous = "off";
  auto preload = persistence::prepare_database(db, open);
  EXPECT_TRUE(preload) << runtime::to_text(preload.error());
  if (!preload)
    return nullptr;
  auto n = runtime::node::start(net::sqlite_node_options(*farm.value, std::move(*preload)));
  EXPECT_TRUE(n) << runtime::to_text(n.error());
  if (!n)
    return nullptr;
  auto err = actors::open_configured_accounts((*n)->system(), actors::find_gateway((*n)->context()),
                                              *farm.value, std::chrono::seconds{10});
  EXPECT_FALSE(err) << runtime::to_text(err);
  if (out != nullptr)
    *out = *farm.value;
  return std::move(*n);
}

} // namespace tfarm::test
