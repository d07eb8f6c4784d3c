#include "net/detail/http_request_reading.hpp"

#include <algorithm>

#include <boost/asio/error.hpp>

namespace tfarm::net::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

void limit_request(request_parser& p, const http_server_options& opts) {
  p.body_limit(opts.request_bytes_max);
  p.header_limit(static_cast<uint32_t>(std::min(opts.request_bytes_max, http_header_bytes_max)));
}

std::optional<http_response> read_refusal(const beast::error_code& ec,
                                          const http_server_options& opts) {
  if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
      ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
      ec == asio::error::eof)
    return std::nullopt;
  http_response r;
  if (ec == http::error::body_limit || ec == http::error::header_limit ||
      ec == http::error::buffer_overflow) {
    r.status = 413;
    r.body = json_error("too_large", "the request is larger than " +
                                         std::to_string(opts.request_bytes_max) +
                                         " bytes (request_bytes_max)");
    return r;
  }
  r.status = 400;
  r.body = json_error("bad_request", "malformed HTTP request: " + ec.message());
  return r;
}

http_request to_http_request(request_message&& msg, const std::string& remote, bool& head) {
  http_request req;
  req.method = std::string{msg.method_string()};
  head = req.method == "HEAD";
  if (head)
    req.method = "GET";
  auto target = std::string{msg.target()};
  auto q = target.find('?');
  req.path = target.substr(0, q);
  if (q != std::string::npos)
    req.query = target.substr(q + 1);
  req.authorization = std::string{msg[http::field::authorization]};
  req.content_type = std::string{msg[http::field::content_type]};
  req.body = std::move(msg.body());
  req.remote = remote;
  return req;
}

} // namespace tfarm::net::detail
