#include "actors/exchange/order_replay.hpp"

#include <charconv>
#include <istream>
#include <ostream>
#include <vector>

#include "actors/exchange/matching_engine.hpp"
#include "config/duration.hpp"

namespace tfarm::actors {

namespace {

constexpr const char* input_header = "seq,action,order_id,account,symbol,side,type,price,qty";
constexpr const char* output_header = "fill_seq,symbol,price,qty,taker_order_id,maker_order_id";
constexpr size_t input_columns = 9;
/// The short form of a cancel row: seq,cancel,order_id,symbol.
constexpr size_t cancel_columns = 4;
/// Where a full-width cancel row (the header's columns) has its symbol.
constexpr size_t symbol_column = 4;

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> fields;
  std::string field;
  for (auto c : line) {
    if (c == ',') {
      fields.push_back(field);
      field.clear();
    } else {
      field += c;
    }
  }
  fields.push_back(field);
  return fields;
}

// A whole-field integer in [min, max], or false.
bool parse_int(const std::string& x, int64_t min, int64_t& out) {
  std::string why;
  auto v = config::parse_integer(x, min, INT64_MAX, why);
  if (v)
    out = *v;
  return v.has_value();
}

} // namespace

replay_report replay_orders(std::istream& in, const std::string& in_name, std::ostream& out,
                            std::ostream& diag) {
  replay_report report;
  matching_engine engine;
  out << output_header << '\n';
  std::string line;
  uint64_t row = 0;
  auto where = [&] { return in_name + ":" + std::to_string(row) + ": "; };
  auto fail = [&](const std::string& what) {
    report.error = where() + "error: " + what;
    return report;
  };
  while (std::getline(in, line)) {
    ++row;
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos)
      continue;
    if (row == 1 && line.rfind("seq,", 0) == 0) {
      if (line != input_header)
        return fail("header must be exactly '" + std::string{input_header} + "'");
      continue;
    }
    ++report.rows;
    auto f = split(line);
    if (f.size() < cancel_columns || f.size() > input_columns)
      return fail("expected " + std::to_string(input_columns) + " comma-separated fields (" +
                  input_header + "), got " + std::to_string(f.size()));
    int64_t seq = 0;
    if (!parse_int(f[0], 0, seq))
      return fail("seq '" + f[0] + "' is not a non-negative integer");
    auto& action = f[1];
    auto& id = f[2];
    if (action != "new" && action != "cancel")
      return fail("action '" + action + "' is neither 'new' nor 'cancel'");
    if (id.empty())
      return fail("order_id is empty");
    if (action == "cancel") {
      // Full width under the header (symbol in its column; account, side,
      // type, price and qty not read), or the short form.
      if (f.size() != input_columns && f.size() != cancel_columns)
        return fail("a cancel row has " + std::to_string(input_columns) + " fields (" +
                    input_header + ") or 4 (seq,cancel,order_id,symbol), got " +
                    std::to_string(f.size()));
      auto& symbol = f.size() == input_columns ? f[symbol_column] : f[3];
      if (symbol.empty())
        return fail(f.size() == input_columns
                        ? "symbol (column 5 of " + std::string{input_header} + ") is empty"
                        : std::string{"symbol is empty"});
      ++report.cancels;
      auto r = engine.cancel(symbol, id);
      if (!r.rejection.empty()) {
        ++report.rejections;
        diag << where() << "rejected: " << r.rejection << ": " << r.detail << '\n';
      }
      continue;
    }
    if (f.size() != input_columns)
      return fail("expected " + std::to_string(input_columns) + " comma-separated fields (" +
                  input_header + "), got " + std::to_string(f.size()));
    book_order o;
    o.id = id;
    o.account = f[3];
    auto& symbol = f[4];
    if (o.account.empty())
      return fail("account is empty");
    if (symbol.empty())
      return fail("symbol is empty");
    if (!parse_side(f[5], o.s))
      return fail("side '" + f[5] + "' is neither 'buy' nor 'sell'");
    if (f[6] == "limit")
      o.type = order_type::limit;
    else if (f[6] == "market")
      o.type = order_type::market;
    else
      return fail("type '" + f[6] + "' is neither 'limit' nor 'market'");
    if (o.type == order_type::limit) {
      if (!parse_int(f[7], 1, o.price))
        return fail("limit price '" + f[7] + "' is not a positive integer (ticks)");
    } else if (!f[7].empty()) {
      return fail("a market order takes no price, got '" + f[7] + "'");
    }
    if (!parse_int(f[8], 1, o.qty))
      return fail("qty '" + f[8] + "' is not a positive integer");
    ++report.orders;
    auto r = engine.submit(symbol, o);
    for (auto& ef : r.fills)
      out << ef.seq << ',' << ef.symbol << ',' << ef.fill.price << ',' << ef.fill.qty << ','
          << ef.fill.taker_order_id << ',' << ef.fill.maker_order_id << '\n';
    report.fills += r.fills.size();
    if (!r.rejection.empty()) {
      ++report.rejections;
      diag << where() << "rejected: " << r.rejection << ": " << r.detail << '\n';
    } else if (r.cancelled > 0) {
      diag << where() << "note: " << r.detail << '\n';
    }
  }
  if (in.bad())
    report.error = in_name + ": error: read failed";
  return report;
}

} // namespace tfarm::actors
