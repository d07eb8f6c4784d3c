// A kind's parameters as one typed struct with a lossless round trip to the
// strings of its child_spec (what supervisors keep in checkpoints and what
// crosses nodes):
//
//   struct store_params { std::string db = "tfarm.db"; int64_t busy_timeout_ms = 5'000; };
//   TFARM_PARAM_FIELDS(store_params, db, busy_timeout_ms)
//
// at namespace scope, in the struct's namespace, generates
//   std::map<std::string, std::string> to_params(const store_params&);
//   caf::error from_params(const std::map<std::string, std::string>&, store_params&);
//   bool operator==(const store_params&, const store_params&);
// A key that is absent keeps the field's default; a malformed value or a
// key the struct does not know is runtime_errc::bad_parameter naming the
// key, the value and what it must be (never a silent fallback). Field
// types: std::string, bool ("true"/"false"), int64_t, uint32_t, uint64_t
// (decimal, not negative), std::chrono::milliseconds (written "250ms", read
// as any duration: "1s", "2m"), std::vector<std::string> (comma-separated;
// items hold no comma).
//
// A kind whose actor class declares `using params_type = ...;` is refused
// at spawn (make_kind) when its parameters do not parse, so the actor's
// constructor may read them with params_of<T>() and never sees bad ones.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <caf/error.hpp>

#include "runtime/child_spec.hpp"
#include "runtime/pp_for_each.hpp"

namespace tfarm::runtime::params_detail {

std::string to_text(const std::string& x);
std::string to_text(bool x);
std::string to_text(int64_t x);
std::string to_text(uint32_t x);
std::string to_text(uint64_t x);
std::string to_text(std::chrono::milliseconds x);
std::string to_text(const std::vector<std::string>& x);

/// Empty on success; else what the value must be.
std::string from_text(const std::string& text, std::string& x);
std::string from_text(const std::string& text, bool& x);
std::string from_text(const std::string& text, int64_t& x);
std::string from_text(const std::string& text, uint32_t& x);
std::string from_text(const std::string& text, uint64_t& x);
std::string from_text(const std::string& text, std::chrono::milliseconds& x);
std::string from_text(const std::string& text, std::vector<std::string>& x);

caf::error bad_value(const std::string& key, const std::string& text, const std::string& why);
caf::error unknown_key(const std::map<std::string, std::string>& params,
                       const std::vector<std::string>& known);

} // namespace tfarm::runtime::params_detail

#define TFARM_PARAM_TO_FIELD(field) m[#field] = ::tfarm::runtime::params_detail::to_text(x.field);
#define TFARM_PARAM_FROM_FIELD(field)                                                              \
  if (auto i = m.find(#field); i != m.end()) {                                                     \
    ++known;                                                                                       \
    auto why = ::tfarm::runtime::params_detail::from_text(i->second, x.field);                     \
    if (!why.empty())                                                                              \
      return ::tfarm::runtime::params_detail::bad_value(#field, i->second, why);                   \
  }
#define TFARM_PARAM_NAME(field) #field,
#define TFARM_PARAM_EQUAL(field) &&a.field == b.field

#define TFARM_PARAM_FIELDS(Type, ...)                                                              \
  inline std::map<std::string, std::string> to_params(const Type& x) {                             \
    std::map<std::string, std::string> m;                                                          \
    TFARM_PP_FOR_EACH(TFARM_PARAM_TO_FIELD, __VA_ARGS__)                                           \
    return m;                                                                                      \
  }                                                                                                \
  inline caf::error from_params(const std::map<std::string, std::string>& m, Type& x) {            \
    size_t known = 0;                                                                              \
    TFARM_PP_FOR_EACH(TFARM_PARAM_FROM_FIELD, __VA_ARGS__)                                         \
    if (known != m.size())                                                                         \
      return ::tfarm::runtime::params_detail::unknown_key(                                         \
          m, {TFARM_PP_FOR_EACH(TFARM_PARAM_NAME, __VA_ARGS__)});                                  \
    return {};                                                                                     \
  }                                                                                                \
  inline bool operator==(const Type& a, const Type& b) {                                           \
    return true TFARM_PP_FOR_EACH(TFARM_PARAM_EQUAL, __VA_ARGS__);                                 \
  }

namespace tfarm::runtime {

/// A child of `kind` with the parameters `p` (a TFARM_PARAM_FIELDS struct):
/// how spec builders write a spec, never with strings by hand.
template <class P>
child_spec spec_with(std::string id, std::string kind, const P& p) {
  child_spec x;
  x.id = std::move(id);
  x.kind = std::move(kind);
  x.params = to_params(p);
  return x;
}

/// The parameters of `spec` as `P`; defaults for what does not parse (the
/// kind's factory refused such a spec already).
template <class P>
P params_of(const child_spec& spec) {
  P x;
  if (from_params(spec.params, x))
    x = P{};
  return x;
}

} // namespace tfarm::runtime
