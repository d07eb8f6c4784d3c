// The persistence module's CAF type-ID block, following the runtime's.
#pragma once

#include <vector>

#include <caf/atom.hpp>
#include <caf/type_id.hpp>

#include "persistence/account_placement.hpp"
#include "persistence/audit_record.hpp"
#include "persistence/credentials.hpp"
#include "persistence/farm_switch.hpp"
#include "persistence/ledger_txn.hpp"
#include "persistence/trade_records.hpp"
#include "persistence/trading_check.hpp"
#include "persistence/vault_records.hpp"
#include "persistence/write_fence.hpp"
#include "runtime/type_ids.hpp"

CAF_BEGIN_TYPE_ID_BLOCK(tfarm_persistence, caf::id_block::tfarm_runtime::end)

CAF_ADD_TYPE_ID(tfarm_persistence, (tfarm::persistence::ledger_leg))
CAF_ADD_TYPE_ID(tfarm_persistence, (tfarm::persistence::ledger_txn))
CAF_ADD_TYPE_ID(tfarm_persistence, (tfarm::persistence::ledger_receipt))
CAF_ADD_TYPE_ID(tfarm_persistence, (tfarm::persistence::order_record))
CAF_ADD_TYPE_ID(tfarm_persistence, (tfarm::persistence::fill_record))
CAF_ADD_TYPE_ID(tfarm_persistence, (tfarm::persistence::audit_record))
CAF_ADD_TYPE_ID(tfarm_persistence, (std::vector<tfarm::persistence::audit_record>))
CAF_ADD_TYPE_ID(tfarm_persistence, (tfarm::persistence::account_record))
CAF_ADD_TYPE_ID(tfarm_persistence, (std::vector<tfarm::persistence::account_record>))
CAF_ADD_TYPE_ID(tfarm_persistence, (tfarm::persistence::vault_op_record))
CAF_ADD_TYPE_ID(tfarm_persistence, (std::vector<tfarm::persistence::vault_op_record>))
CAF_ADD_TYPE_ID(tfarm_persistence, (tfarm::persistence::reservation_record))
CAF_ADD_TYPE_ID(tfarm_persistence, (std::vector<tfarm::persistence::reservation_record>))
CAF_ADD_TYPE_ID(tfarm_persistence, (tfarm::persistence::balance_row))
CAF_ADD_TYPE_ID(tfarm_persistence, (std::vector<tfarm::persistence::balance_row>))
CAF_ADD_TYPE_ID(tfarm_persistence, (tfarm::persistence::vault_write))
CAF_ADD_TYPE_ID(tfarm_persistence, (tfarm::persistence::vault_write_result))
CAF_ADD_TYPE_ID(tfarm_persistence, (tfarm::persistence::vault_account_data))
CAF_ADD_TYPE_ID(tfarm_persistence, (tfarm::persistence::ledger_totals))
CAF_ADD_TYPE_ID(tfarm_persistence, (tfarm::persistence::order_update))
CAF_ADD_TYPE_ID(tfarm_persistence, (tfarm::persistence::credential_record))
CAF_ADD_TYPE_ID(tfarm_persistence, (tfarm::persistence::agent_fill))
CAF_ADD_TYPE_ID(tfarm_persistence, (std::vector<tfarm::persistence::agent_fill>))
CAF_ADD_TYPE_ID(tfarm_persistence, (std::vector<tfarm::persistence::order_record>))
CAF_ADD_TYPE_ID(tfarm_persistence, (tfarm::persistence::agent_book_query))
CAF_ADD_TYPE_ID(tfarm_persistence, (tfarm::persistence::agent_book))
CAF_ADD_TYPE_ID(tfarm_persistence, (tfarm::persistence::alert_record))
CAF_ADD_TYPE_ID(tfarm_persistence, (std::vector<tfarm::persistence::alert_record>))
CAF_ADD_TYPE_ID(tfarm_persistence, (std::vector<tfarm::persistence::fill_record>))
CAF_ADD_TYPE_ID(tfarm_persistence, (tfarm::persistence::order_update_result))
CAF_ADD_TYPE_ID(tfarm_persistence, (tfarm::persistence::trading_finding))
CAF_ADD_TYPE_ID(tfarm_persistence, (std::vector<tfarm::persistence::trading_finding>))
CAF_ADD_TYPE_ID(tfarm_persistence, (tfarm::persistence::reservation_terms))
CAF_ADD_TYPE_ID(tfarm_persistence, (tfarm::persistence::write_fence))
CAF_ADD_TYPE_ID(tfarm_persistence, (tfarm::persistence::account_placement))
CAF_ADD_TYPE_ID(tfarm_persistence, (tfarm::persistence::farm_switch))
CAF_ADD_TYPE_ID(tfarm_persistence, (std::vector<tfarm::persistence::farm_switch>))

CAF_ADD_ATOM(tfarm_persistence, tfarm::persistence, append_ledger_atom, "ledger")
CAF_ADD_ATOM(tfarm_persistence, tfarm::persistence, record_order_atom, "order")
CAF_ADD_ATOM(tfarm_persistence, tfarm::persistence, record_fill_atom, "fill")
CAF_ADD_ATOM(tfarm_persistence, tfarm::persistence, append_audit_atom, "audit")
CAF_ADD_ATOM(tfarm_persistence, tfarm::persistence, query_audit_atom, "auditq")
CAF_ADD_ATOM(tfarm_persistence, tfarm::persistence, open_account_atom, "openacct")
CAF_ADD_ATOM(tfarm_persistence, tfarm::persistence, vault_write_atom, "vaultw")
CAF_ADD_ATOM(tfarm_persistence, tfarm::persistence, load_vault_account_atom, "loadacct")
CAF_ADD_ATOM(tfarm_persistence, tfarm::persistence, load_accounts_atom, "loadaccts")
CAF_ADD_ATOM(tfarm_persistence, tfarm::persistence, ledger_totals_atom, "ledgersum")
CAF_ADD_ATOM(tfarm_persistence, tfarm::persistence, flush_atom, "flush")
CAF_ADD_ATOM(tfarm_persistence, tfarm::persistence, update_order_atom, "orderupd")
CAF_ADD_ATOM(tfarm_persistence, tfarm::persistence, load_credential_atom, "loadcred")
CAF_ADD_ATOM(tfarm_persistence, tfarm::persistence, load_order_atom, "loadorder")
CAF_ADD_ATOM(tfarm_persistence, tfarm::persistence, load_agent_book_atom, "loadabook")
CAF_ADD_ATOM(tfarm_persistence, tfarm::persistence, writer_done_atom, "writerdone")
CAF_ADD_ATOM(tfarm_persistence, tfarm::persistence, save_alert_atom, "alertsave")
CAF_ADD_ATOM(tfarm_persistence, tfarm::persistence, load_alerts_atom, "alertload")
CAF_ADD_ATOM(tfarm_persistence, tfarm::persistence, trading_check_atom, "tradecheck")
CAF_ADD_ATOM(tfarm_persistence, tfarm::persistence, set_fence_atom, "setfence")
CAF_ADD_ATOM(tfarm_persistence, tfarm::persistence, account_placement_atom, "acctplace")
CAF_ADD_ATOM(tfarm_persistence, tfarm::persistence, load_vault_op_atom, "loadvop")
CAF_ADD_ATOM(tfarm_persistence, tfarm::persistence, pending_transfers_atom, "pendxfers")
CAF_ADD_ATOM(tfarm_persistence, tfarm::persistence, put_switch_atom, "putswitch")
CAF_ADD_ATOM(tfarm_persistence, tfarm::persistence, load_switches_atom, "loadswitch")
CAF_ADD_ATOM(tfarm_persistence, tfarm::persistence, load_reservation_atom, "loadresv")

CAF_END_TYPE_ID_BLOCK(tfarm_persistence)
