// meles/core/fits/fits_table_writer.hpp — query results as a FITS binary table.
//
// FITS puts the row count (NAXIS2) and the column widths in the header, before the data, so
// rows are spooled to an unlinked temporary file in a caller-given directory and converted
// when finish() is called: memory stays bounded, nothing reaches the sink before finish(), and
// finish(Error) writes nothing at all (the caller can still send an error document).
// Thread-safety: one writer per thread.
#pragma once

#include "meles/core/common/byte_sink.hpp"
#include "meles/core/formats/table_writer.hpp"

#include <filesystem>
#include <memory>

namespace meles::fits {

// Layout: empty primary HDU, then one BINTABLE with TTYPE/TFORM/TUNIT/TNULL per column, plus
// TUCD/TUTYP/TCOMM (the STILTS convention) for UCD, utype and description.  Strings are
// fixed-width A columns as wide as the longest value; variable-length arrays use heap
// descriptors (P, or Q when the heap exceeds 2 GiB).
std::unique_ptr<formats::TableWriter> make_fits_table_writer(ByteSink& sink,
                                                             const std::filesystem::path& spool_dir);

} // namespace meles::fits
