// services/src/form/html_table_writer.hpp — an HTML <table> as a formats::TableWriter, for
// the browser-facing form renderer.  Values are escaped; no styling beyond a class name.
// Thread-safety: one writer per request.
#pragma once

#include "meles/core/common/byte_sink.hpp"
#include "meles/core/formats/table_writer.hpp"

#include <memory>
#include <vector>

namespace meles::services {

std::unique_ptr<formats::TableWriter> make_html_table_writer(ByteSink& sink);

} // namespace meles::services
