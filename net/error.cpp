#include "net/error.hpp"

#include "runtime/error_text.hpp"

namespace tfarm::net {

std::string to_string(net_errc x) {
  switch (x) {
  case net_errc::none:
    return "none";
  case net_errc::bad_endpoint:
    return "bad_endpoint";
  case net_errc::publish_failed:
    return "publish_failed";
  case net_errc::connect_failed:
    return "connect_failed";
  case net_errc::http_bind_failed:
    return "http_bind_failed";
  case net_errc::tls_invalid:
    return "tls_invalid";
  case net_errc::certificate_failed:
    return "certificate_failed";
  case net_errc::insecure_bind:
    return "insecure_bind";
  case net_errc::crypto_failed:
    return "crypto_failed";
  case net_errc::cluster_failed:
    return "cluster_failed";
  }
  return "unknown";
}

void register_net_error_names() {
  runtime::add_error_category_names(
      caf::atom("tfnet"), [](uint8_t code) { return to_string(static_cast<net_errc>(code)); });
}

} // namespace tfarm::net
