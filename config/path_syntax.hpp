// The syntax of actor paths (`/user/alice/agents/mm-1`), shared by config
// validation and the runtime registry so that both accept the same names.
#pragma once

#include <string>
#include <string_view>

namespace tfarm::config {

/// True for 1..path_segment_chars_max characters of [A-Za-z0-9_.-], not "." or "..".
bool valid_path_segment(std::string_view x);

/// Checks an absolute path ("/" or "/a/b"); with `allow_wildcards`, a segment
/// may be "*". On failure returns false and sets `why`.
bool valid_actor_path(std::string_view x, bool allow_wildcards, std::string& why);

} // namespace tfarm::config
