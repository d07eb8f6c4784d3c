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

// clang-format off
#define TFARM_PP_EXPAND(x) x
#define TFARM_PP_PICK(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, _13, _14, _15, _16, _17, _18, _19, _20, _21, _22, _23, _24, _25, _26, _27, _28, _29, _30, _31, _32, _33, _34, _35, _36, _37, _38, _39, _40, _41, _42, _43, _44, _45, _46, _47, _48, NAME, ...) NAME
#define TFARM_PP_FOR_EACH(what, ...) \
  TFARM_PP_EXPAND(TFARM_PP_PICK(__VA_ARGS__, TFARM_PP_FE48, TFARM_PP_FE47, TFARM_PP_FE46, TFARM_PP_FE45, TFARM_PP_FE44, TFARM_PP_FE43, TFARM_PP_FE42, TFARM_PP_FE41, TFARM_PP_FE40, TFARM_PP_FE39, TFARM_PP_FE38, TFARM_PP_FE37, TFARM_PP_FE36, TFARM_PP_FE35, TFARM_PP_FE34, TFARM_PP_FE33, TFARM_PP_FE32, TFARM_PP_FE31, TFARM_PP_FE30, TFARM_PP_FE29, TFARM_PP_FE28, TFARM_PP_FE27, TFARM_PP_FE26, TFARM_PP_FE25, TFARM_PP_FE24, TFARM_PP_FE23, TFARM_PP_FE22, TFARM_PP_FE21, TFARM_PP_FE20, TFARM_PP_FE19, TFARM_PP_FE18, TFARM_PP_FE17, TFARM_PP_FE16, TFARM_PP_FE15, TFARM_PP_FE14, TFARM_PP_FE13, TFARM_PP_FE12, TFARM_PP_FE11, TFARM_PP_FE10, TFARM_PP_FE9, TFARM_PP_FE8, TFARM_PP_FE7, TFARM_PP_FE6, TFARM_PP_FE5, TFARM_PP_FE4, TFARM_PP_FE3, TFARM_PP_FE2, TFARM_PP_FE1, unused)(what, __VA_ARGS__))
#define TFARM_PP_FE1(what, x) what(x)
#define TFARM_PP_FE2(what, x, ...) what(x) TFARM_PP_EXPAND(TFARM_PP_FE1(what, __VA_ARGS__))
#define TFARM_PP_FE3(what, x, ...) what(x) TFARM_PP_EXPAND(TFARM_PP_FE2(what, __VA_ARGS__))
#define TFARM_PP_FE4(what, x, ...) what(x) TFARM_PP_EXPAND(TFARM_PP_FE3(what, __VA_ARGS__))
#define TFARM_PP_FE5(what, x, ...) what(x) TFARM_PP_EXPAND(TFARM_PP_FE4(what, __VA_ARGS__))
#define TFARM_PP_FE6(what, x, ...) what(x) TFARM_PP_EXPAND(TFARM_PP_FE5(what, __VA_ARGS__))
#define TFARM_PP_FE7(what, x, ...) what(x) TFARM_PP_EXPAND(TFARM_PP_FE6(what, __VA_ARGS__))
#define TFARM_PP_FE8(what, x, ...) what(x) TFARM_PP_EXPAND(TFARM_PP_FE7(what, __VA_ARGS__))
#define TFARM_PP_FE9(what, x, ...) what(x) TFARM_PP_EXPAND(TFARM_PP_FE8(what, __VA_ARGS__))
#define TFARM_PP_FE10(what, x, ...) what(x) TFARM_PP_EXPAND(TFARM_PP_FE9(what, __VA_ARGS__))
#define TFARM_PP_FE11(what, x, ...) what(x) TFARM_PP_EXPAND(TFARM_PP_FE10(what, __VA_ARGS__))
#define TFARM_PP_FE12(what, x, ...) what(x) TFARM_PP_EXPAND(TFARM_PP_FE11(what, __VA_ARGS__))
#define TFARM_PP_FE13(what, x, ...) what(x) TFARM_PP_EXPAND(TFARM_PP_FE12(what, __VA_ARGS__))
#define TFARM_PP_FE14(what, x, ...) what(x) TFARM_PP_EXPAND(TFARM_PP_FE13(what, __VA_ARGS__))
#define TFARM_PP_FE15(what, x, ...) what(x) TFARM_PP_EXPAND(TFARM_PP_FE14(what, __VA_ARGS__))
#define TFARM_PP_FE16(what, x, ...) what(x) TFARM_PP_EXPAND(TFARM_PP_FE15(what, __VA_ARGS__))
#define TFARM_PP_FE17(what, x, ...) what(x) TFARM_PP_EXPAND(TFARM_PP_FE16(what, __VA_ARGS__))
#define TFARM_PP_FE18(what, x, ...) what(x) TFARM_PP_EXPAND(TFARM_PP_FE17(what, __VA_ARGS__))
#define TFARM_PP_FE19(what, x, ...) what(x) TFARM_PP_EXPAND(TFARM_PP_FE18(what, __VA_ARGS__))
#define TFARM_PP_FE20(what, x, ...) what(x) TFARM_PP_EXPAND(TFARM_PP_FE19(what, __VA_ARGS__))
#define TFARM_PP_FE21(what, x, ...) what(x) TFARM_PP_EXPAND(TFARM_PP_FE20(what, __VA_ARGS__))
#define TFARM_PP_FE22(what, x, ...) what(x) TFARM_PP_EXPAND(TFARM_PP_FE21(what, __VA_ARGS__))
#define TFARM_PP_FE23(what, x, ...) what(x) TFARM_PP_EXPAND(TFARM_PP_FE22(what, __VA_ARGS__))
#define TFARM_PP_FE24(what, x, ...) what(x) TFARM_PP_EXPAND(TFARM_PP_FE23(what, __VA_ARGS__))
#define TFARM_PP_FE25(what, x, ...) what(x) TFARM_PP_EXPAND(TFARM_PP_FE24(what, __VA_ARGS__))
#define TFARM_PP_FE26(what, x, ...) what(x) TFARM_PP_EXPAND(TFARM_PP_FE25(what, __VA_ARGS__))
#define TFARM_PP_FE27(what, x, ...) what(x) TFARM_PP_EXPAND(TFARM_PP_FE26(what, __VA_ARGS__))
#define TFARM_PP_FE28(what, x, ...) what(x) TFARM_PP_EXPAND(TFARM_PP_FE27(what, __VA_ARGS__))
#define TFARM_PP_FE29(what, x, ...) what(x) TFARM_PP_EXPAND(TFARM_PP_FE28(what, __VA_ARGS__))
#define TFARM_PP_FE30(what, x, ...) what(x) TFARM_PP_EXPAND(TFARM_PP_FE29(what, __VA_ARGS__))
#define TFARM_PP_FE31(what, x, ...) what(x) TFARM_PP_EXPAND(TFARM_PP_FE30(what, __VA_ARGS__))
#define TFARM_PP_FE32(what, x, ...) what(x) TFARM_PP_EXPAND(TFARM_PP_FE31(what, __VA_ARGS__))
#define TFARM_PP_FE33(what, x, ...) what(x) TFARM_PP_EXPAND(TFARM_PP_FE32(what, __VA_ARGS__))
#define TFARM_PP_FE34(what, x, ...) what(x) TFARM_PP_EXPAND(TFARM_PP_FE33(what, __VA_ARGS__))
#define TFARM_PP_FE35(what, x, ...) what(x) TFARM_PP_EXPAND(TFARM_PP_FE34(what, __VA_ARGS__))
#define TFARM_PP_FE36(what, x, ...) what(x) TFARM_PP_EXPAND(TFARM_PP_FE35(what, __VA_ARGS__))
#define TFARM_PP_FE37(what, x, ...) what(x) TFARM_PP_EXPAND(TFARM_PP_FE36(what, __VA_ARGS__))
#define TFARM_PP_FE38(what, x, ...) what(x) TFARM_PP_EXPAND(TFARM_PP_FE37(what, __VA_ARGS__))
#define TFARM_PP_FE39(what, x, ...) what(x) TFARM_PP_EXPAND(TFARM_PP_FE38(what, __VA_ARGS__))
#define TFARM_PP_FE40(what, x, ...) what(x) TFARM_PP_EXPAND(TFARM_PP_FE39(what, __VA_ARGS__))
#define TFARM_PP_FE41(what, x, ...) what(x) TFARM_PP_EXPAND(TFARM_PP_FE40(what, __VA_ARGS__))
#define TFARM_PP_FE42(what, x, ...) what(x) TFARM_PP_EXPAND(TFARM_PP_FE41(what, __VA_ARGS__))
#define TFARM_PP_FE43(what, x, ...) what(x) TFARM_PP_EXPAND(TFARM_PP_FE42(what, __VA_ARGS__))
#define TFARM_PP_FE44(what, x, ...) what(x) TFARM_PP_EXPAND(TFARM_PP_FE43(what, __VA_ARGS__))
#define TFARM_PP_FE45(what, x, ...) what(x) TFARM_PP_EXPAND(TFARM_PP_FE44(what, __VA_ARGS__))
#define TFARM_PP_FE46(what, x, ...) what(x) TFARM_PP_EXPAND(TFARM_PP_FE45(what, __VA_ARGS__))
#define TFARM_PP_FE47(what, x, ...) what(x) TFARM_PP_EXPAND(TFARM_PP_FE46(what, __VA_ARGS__))
#define TFARM_PP_FE48(what, x, ...) what(x) TFARM_PP_EXPAND(TFARM_PP_FE47(what, __VA_ARGS__))
// clang-format on

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
