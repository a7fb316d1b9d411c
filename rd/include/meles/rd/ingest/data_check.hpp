// meles/rd/ingest/data_check.hpp — what `meles val` can tell about data elements before an
// import: whether the grammar is one Meles reads (and its attributes are right), and which
// columns of a table no rowmaker fills (they would be NULL in every row without a word).
//
// Field names come from the grammar (names=, colDefs) or, when the sources exist, from the
// first source's header; without either the column check only looks at explicit maps.
// Thread-safety: pure functions over an immutable Resource (they read source headers).
#pragma once

#include "meles/rd/ingest/native_procs.hpp"
#include "meles/rd/model/resource.hpp"
#include "meles/rd/parse/diagnostics.hpp"

namespace meles::rd::ingest {

// What `meles imp` needs of a data element before it reads anything, checked by the importer
// and by `meles val` alike (so that val's OK means imp can run): the grammar builds (its
// record's options), the sources element is one Meles applies, and every row filter,
// sourceFields and rowmaker apply can run here (native_procs; Python ones are the loader's to
// report).  Problems go to `diags` with their RD positions.
void check_importable(const DataDesc& dd, const ProcResolver& procs, Diagnostics& diags);

// check_importable for every data element, and the columns no rowmaker fills.
void check_data_elements(const Resource& rd, const ProcResolver& procs, Diagnostics& diags);

} // namespace meles::rd::ingest
