// meles/core/formats/delimited_writer.hpp — CSV (RFC 4180) and TSV (TAP) output.
//
// Both start with a header line of column names; nulls are empty fields; arrays and
// geometries are blank-separated numbers in one field.  Neither format can say "the query
// failed", so finish(Error) only stops writing (the transport must report the failure).
// Thread-safety: one writer per thread.
#pragma once

#include "meles/core/common/byte_sink.hpp"
#include "meles/core/formats/table_writer.hpp"

#include <memory>

namespace meles::formats {

enum class Delimiter { Comma, Tab };

std::unique_ptr<TableWriter> make_delimited_writer(ByteSink& sink, Delimiter delimiter);

} // namespace meles::formats
