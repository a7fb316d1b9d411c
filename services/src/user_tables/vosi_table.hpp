// user_tables/vosi_table.hpp — VOSI table and tableset documents (VODataService 1.2 tables)
// for user tables: columns with units, UCDs, descriptions, VOTable types, the flags indexed
// and nullable, and the destruction time in the table description.
// Thread-safety: pure functions.
#pragma once

#include "meles/services/user_tables/user_table_store.hpp"

#include <string>
#include <vector>

namespace meles::services::user_tables {

// <vtm:table> for GET /tap/user_tables/NAME.
std::string table_document(const UserTable& table);
// <vtm:tableset> with one schema tap_user for GET /tap/user_tables.
std::string tableset_document(const std::vector<UserTable>& tables);

} // namespace meles::services::user_tables
