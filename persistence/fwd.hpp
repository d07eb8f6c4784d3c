// Forward declarations of tfarm::persistence types.
#pragma once

namespace tfarm::persistence {

enum class store_errc : unsigned char;

struct audit_record;
struct fill_record;
struct ledger_leg;
struct ledger_receipt;
struct ledger_txn;
struct migration;
struct open_options;
struct order_record;

class node_lock;
class sqlite_store;
class store_core;

} // namespace tfarm::persistence
