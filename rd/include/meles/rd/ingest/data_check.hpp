// meles/rd/ingest/data_check.hpp — what `meles val` can tell about data elements before an
// import: whether the grammar is one Meles reads (and its attributes are right), and which
// columns of a table no rowmaker fills (they would be NULL in every row without a word).
//
// Field names come from the grammar (names=, colDefs) or, when the sources exist, from the
// first source's header; without either the column check only looks at explicit maps.
// Thread-safety: pure functions over an immutable Resource (they read source headers).
#pragma once

#include "meles/rd/model/resource.hpp"
#include "meles/rd/parse/diagnostics.hpp"

namespace meles::rd::ingest {

void check_data_elements(const Resource& rd, Diagnostics& diags);

} // namespace meles::rd::ingest
