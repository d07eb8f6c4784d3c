// One field list for a status struct: its CAF inspect (so that it crosses
// nodes) and its JSON form (what the registry, the HTTP API, the console
// and the monitor read) are generated from the same list, so the two
// cannot drift apart:
//
//   struct store_status { std::string backend; uint64_t commits = 0; };
//   TFARM_STATUS_FIELDS(store_status, "tfarm.store_status", backend, commits)
//
// at namespace scope, in the struct's namespace. The JSON functions are
// templates over the JSON type, so this header needs only CAF's inspect
// support; a translation unit that converts includes <nlohmann/json.hpp>
// (runtime/status_json.hpp does). Reading JSON requires every field: a
// missing key throws (runtime::read_status turns that into an error), it
// never reads as a default. At most 48 fields per struct.
#pragma once

#include <caf/meta/type_name.hpp>

#include "runtime/pp_for_each.hpp"

#define TFARM_STATUS_INSPECT_FIELD(field) , x.field
#define TFARM_STATUS_TO_JSON_FIELD(field) j[#field] = x.field;
#define TFARM_STATUS_FROM_JSON_FIELD(field) j.at(#field).get_to(x.field);

#define TFARM_STATUS_FIELDS(Type, TypeName, ...)                                                   \
  template <class Inspector>                                                                       \
  typename Inspector::result_type inspect(Inspector& f, Type& x) {                                 \
    return f(caf::meta::type_name(TypeName)                                                        \
                 TFARM_PP_FOR_EACH(TFARM_STATUS_INSPECT_FIELD, __VA_ARGS__));                      \
  }                                                                                                \
  template <class Json>                                                                            \
  void to_json(Json& j, const Type& x) {                                                           \
    TFARM_PP_FOR_EACH(TFARM_STATUS_TO_JSON_FIELD, __VA_ARGS__)                                     \
  }                                                                                                \
  template <class Json>                                                                            \
  void from_json(const Json& j, Type& x) {                                                         \
    TFARM_PP_FOR_EACH(TFARM_STATUS_FROM_JSON_FIELD, __VA_ARGS__)                                   \
  }
