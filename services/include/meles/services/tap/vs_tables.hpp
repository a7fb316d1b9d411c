// meles/services/tap/vs_tables.hpp — VODataService 1.2 <table> and <column> elements of
// the tables Meles serves (prefix vs: and xsi: must be declared by the document), for VOSI
// /tables and the tablesets of registry records alike.
// Thread-safety: pure functions.
#pragma once

#include "meles/core/common/column_meta.hpp"
#include "meles/services/tap/tap_catalog.hpp"

#include <string>

namespace meles::services::tap {

std::string vs_column(const ColumnMeta& c, bool with_flags, const std::string& indent);
// `element` is the element name ("table", or "vtm:table" for a VOSI table document).
std::string vs_table(const TapTable& t, bool with_columns, const std::string& indent,
                     const char* element = "table");

} // namespace meles::services::tap
