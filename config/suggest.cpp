#include "config/suggest.hpp"

#include <algorithm>
#include <numeric>

namespace tfarm::config {

std::size_t edit_distance(std::string_view x, std::string_view y) {
  std::vector<std::size_t> row(y.size() + 1);
  std::iota(row.begin(), row.end(), std::size_t{0});
  for (std::size_t i = 1; i <= x.size(); ++i) {
    auto diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= y.size(); ++j) {
      auto up = row[j];
      auto cost = x[i - 1] == y[j - 1] ? 0u : 1u;
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + cost});
      diagonal = up;
    }
  }
  return row[y.size()];
}

std::optional<std::string> nearest(std::string_view word,
                                   const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  auto best_distance = std::string::npos;
  for (const auto& candidate : candidates) {
    auto d = edit_distance(word, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  if (!best)
    return std::nullopt;
  auto longest = std::max(word.size(), best->size());
  if (best_distance <= std::max<std::size_t>(1, longest / 3))
    return best;
  // A unique prefix ("inten" -> "intensity") is a plausible abbreviation.
  std::optional<std::string> prefixed;
  for (const auto& candidate : candidates) {
    if (!word.empty() && candidate.compare(0, word.size(), word) == 0) {
      if (prefixed)
        return std::nullopt;
      prefixed = candidate;
    }
  }
  return prefixed;
}

std::string join(const std::vector<std::string>& xs, std::string_view sep) {
  std::string result;
  for (const auto& x : xs) {
    if (!result.empty())
      result += sep;
    result += x;
  }
  return result;
}

} // namespace tfarm::config
