// "Did you mean ...?" for misspelled keys, names and commands.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tfarm::config {

/// Levenshtein distance between two strings.
std::size_t edit_distance(std::string_view x, std::string_view y);

/// Returns the candidate nearest to `word`, if it is near enough to be a
/// plausible typo (distance at most a third of the longer word, at least 1)
/// or if `word` is a prefix of exactly one candidate.
std::optional<std::string> nearest(std::string_view word,
                                   const std::vector<std::string>& candidates);

/// Joins names with ", " for "expected one of: ..." messages.
std::string join(const std::vector<std::string>& xs, std::string_view sep = ", ");

} // namespace tfarm::config
