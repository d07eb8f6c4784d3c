// How the HTTP server reads one request with Beast: the parser's limits,
// the answer to bytes that do not make a request, and the request its
// handler gets. One definition for the server and the fuzz harness, so
// that the harness reads bytes exactly as the server does. Includes Beast:
// for http_server.cpp and fuzz/ only.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include <boost/beast/http.hpp>

#include "net/http_server.hpp"

namespace tfarm::net::detail {

/// The most a request's head may take, whatever request_bytes_max allows.
constexpr std::size_t http_header_bytes_max = 16 * 1024;

using request_parser = boost::beast::http::request_parser<boost::beast::http::string_body>;
using request_message = boost::beast::http::request<boost::beast::http::string_body>;

/// Sets the body and head limits of a fresh parser from `opts`.
void limit_request(request_parser& p, const http_server_options& opts);

/// What a read that failed with `ec` is answered with: 413 beyond a limit,
/// 400 for bytes that are not HTTP; nullopt when the client went away or
/// timed out (nothing to answer).
std::optional<http_response> read_refusal(const boost::beast::error_code& ec,
                                          const http_server_options& opts);

/// The handler's view of a parsed request from `remote` ("address:port").
/// A HEAD comes as a GET (RFC 9110 9.3.2: the same answer without its
/// body), and `head` tells.
http_request to_http_request(request_message&& msg, const std::string& remote, bool& head);

} // namespace tfarm::net::detail
