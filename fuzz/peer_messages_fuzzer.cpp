// The messages another node can send, as CAF's binary deserializer reads
// them off a connection, each through the check its receiver makes. First
// byte selects the type: 0 an order a session sends a venue
// (order_problem, then the matching engine), 1 a venue's report on an
// order (fill_problem on each fill against the order as sent), 2 a book
// top and 3 a trade (market_data_check.hpp), 4 a console request (the operator proof: certificate,
// signature, clock).
// Properties: no crash; what a check accepts holds the check's contract
// (a fill booked only at a positive price and quantity within the order,
// on its side, symbol and limit, with a fee from 0 to its value; an order
// in the book only with a known side and type).
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <caf/binary_deserializer.hpp>

#include "actors/exchange/exchange_messages.hpp"
#include "actors/exchange/fill_check.hpp"
#include "actors/exchange/market_data_check.hpp"
#include "actors/exchange/matching_engine.hpp"
#include "actors/exchange/order_check.hpp"
#include "fuzz/fuzz_support.hpp"
#include "net/cert_authority.hpp"
#include "net/console_protocol.hpp"
#include "net/operator_proof.hpp"

namespace {

namespace actors = tfarm::actors;
namespace net = tfarm::net;
using tfarm::fuzz::require;

template <class T>
bool read(const uint8_t* data, size_t size, T& x) {
  caf::binary_deserializer source{nullptr, reinterpret_cast<const char*>(data), size};
  return !source(x);
}

/// The order a session sent, that reports are checked against.
actors::order_request sent_order() {
  actors::order_request r;
  r.client_order_id = "alice.a1.7";
  r.account = "alice-main";
  r.venue = "sim-a";
  r.symbol = "BTC-USD";
  r.s = actors::side::buy;
  r.type = actors::order_type::limit;
  r.price = 50'000;
  r.qty = 10;
  return r;
}

void venue_order(const actors::order_request& r) {
  if (!actors::order_problem(r, "@sim").empty())
    return;
  require(r.s == actors::side::buy || r.s == actors::side::sell, "an accepted order has a side");
  require(r.qty > 0, "an accepted order has a quantity");
  // A book with one resting order of each side, then the order.
  actors::matching_engine engine{10, 5};
  engine.submit("BTC-USD",
                {"@sim:b", "@sim", actors::side::buy, actors::order_type::limit, 100, 5});
  engine.submit("BTC-USD",
                {"@sim:s", "@sim", actors::side::sell, actors::order_type::limit, 110, 5});
  auto res = engine.submit("BTC-USD", {r.account + ":" + r.client_order_id, r.account, r.s, r.type,
                                       r.type == actors::order_type::market ? 0 : r.price, r.qty});
  int64_t filled = 0;
  for (auto& f : res.fills) {
    require(f.fill.price > 0 && f.fill.qty > 0, "a fill has a positive price and quantity");
    if (r.type == actors::order_type::limit)
      require(r.s == actors::side::buy ? f.fill.price <= r.price : f.fill.price >= r.price,
              "a limit order fills at its limit or better");
    filled += f.fill.qty;
  }
  require(filled + res.rested + res.cancelled <= r.qty, "no more is filled or rests than ordered");
}

void venue_report(const actors::order_report& rep) {
  static const auto req = sent_order();
  int64_t filled = 0;
  for (auto& f : rep.fills) {
    if (!actors::fill_problem(f, req.client_order_id, &req, nullptr, filled).empty())
      continue;
    require(f.client_order_id == req.client_order_id, "a booked fill names the order");
    require(f.s == req.s && f.symbol == req.symbol,
            "a booked fill is on the order's side and symbol");
    require(f.price > 0 && f.price <= req.price, "a booked buy fill is at or under the limit");
    require(f.qty > 0 && filled + f.qty <= req.qty, "booked fills stay within the order");
    require(f.fee >= 0 && f.fee <= f.price * f.qty, "a booked fee is from 0 to the fill's value");
    filled += f.qty;
  }
  actors::to_string(rep.state);
}

const net::operator_verifier* verifier() {
  static const net::operator_verifier* v = [] {
    char pattern[] = "/tmp/tfarm-fuzz-ca.XXXXXX";
    if (mkdtemp(pattern) == nullptr)
      std::abort();
    std::string dir = pattern;
    auto ca = net::cert_authority::init(dir + "/pki", 30);
    auto loaded = ca ? net::operator_verifier::load(dir + "/pki/ca.crt") : caf::error{};
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    if (!ca || !loaded) {
      std::fprintf(stderr, "peer_messages_fuzzer: cannot make a CA\n");
      std::abort();
    }
    return new net::operator_verifier{std::move(*loaded)};
  }();
  return v;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0)
    return 0;
  auto kind = data[0];
  ++data;
  --size;
  switch (kind % 5) {
  case 0:
    if (actors::order_request r; read(data, size, r))
      venue_order(r);
    break;
  case 1:
    if (actors::order_report rep; read(data, size, rep))
      venue_report(rep);
    break;
  case 2:
    if (actors::book_top top; read(data, size, top) && actors::top_problem(top).empty())
      require(top.bid >= 0 && top.ask >= 0 && (top.bid == 0 || top.ask == 0 || top.bid < top.ask),
              "an agent sees a top with prices from 0 up and the bid under the ask");
    break;
  case 3:
    if (actors::trade_tick t; read(data, size, t) && actors::trade_problem(t).empty())
      require(t.price > 0 && t.qty > 0, "an agent sees a trade with a positive price and size");
    break;
  default:
    if (net::console_request x; read(data, size, x)) {
      auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
      auto who = verifier()->verify(x, now);
      if (who)
        require(!who->empty(), "a verified operator has a name");
    }
    break;
  }
  return 0;
}
