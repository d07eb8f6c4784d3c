// `tfarm exchange-sim replay`'s order file: rows of
// seq,action,order_id,account,symbol,side,type,price,qty run through the
// matching engine. Properties: no crash; a stopped replay names the file
// and row; every fill row has six columns with a positive price and
// quantity.
#include <sstream>
#include <string>

#include "actors/exchange/order_replay.hpp"
#include "fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using tfarm::fuzz::require;
  std::istringstream in{std::string{tfarm::fuzz::text_of(data, size)}};
  std::ostringstream out;
  std::ostringstream diag;
  auto r = tfarm::actors::replay_orders(in, "fuzz.csv", out, diag);
  if (!r.error.empty())
    require(r.error.rfind("fuzz.csv:", 0) == 0, "an error names the file and the row");
  std::istringstream fills{out.str()};
  std::string line;
  std::getline(fills, line); // the header
  uint64_t rows = 0;
  while (std::getline(fills, line)) {
    ++rows;
    // fill_seq,symbol,price,qty,taker,maker: price and qty are the 3rd and 4th.
    std::istringstream row{line};
    std::string col[6];
    for (auto& c : col)
      std::getline(row, c, ',');
    require(!col[5].empty(), "a fill row has six columns");
    require(col[2].find_first_not_of("0123456789") == std::string::npos && col[2] != "0",
            "a fill's price is a positive integer");
    require(col[3].find_first_not_of("0123456789") == std::string::npos && col[3] != "0",
            "a fill's quantity is a positive integer");
  }
  require(rows == r.fills, "one row per fill counted");
  return 0;
}
