// meles/core/formats/json_writer.hpp — streaming JSON tables (RESPONSEFORMAT=json).
//
// Rows are written as they come; the status goes last, so a failure mid-stream still ends in a
// valid document.  Thread-safety: one writer per thread.
#pragma once

#include "meles/core/common/byte_sink.hpp"
#include "meles/core/formats/table_writer.hpp"

#include <memory>

namespace meles::formats {

// Shape (see docs/output-formats.md):
//   {"columns": [{"name":..., "datatype":..., "arraysize":..., "xtype":..., "unit":...,
//                 "ucd":..., "utype":..., "description":...}, ...],
//    "infos": [{"name":..., "value":..., "content":...}, ...],
//    "rows": [[cell, ...], ...],
//    "status": "OK" | "OVERFLOW" | "ERROR", "message": "..."}
std::unique_ptr<TableWriter> make_json_writer(ByteSink& sink);

} // namespace meles::formats
