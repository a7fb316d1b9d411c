// meles/core/fits/fits_table_writer.hpp — query results as a FITS binary table.
//
// NAXIS2 and the column widths precede the data, so rows are spooled to an unlinked temporary
// file and converted in finish(): bounded memory, nothing reaches the sink before finish(), and
// finish(Error) writes nothing (the caller can still send an error document).  One thread.
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
