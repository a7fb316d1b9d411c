// meles/rd/parse/lint.hpp — `meles val`'s checks of what the loader accepts but DaCHS 2.7's
// `dachs val` refuses or warns about, or what is most likely a mistake: column units that are
// no VOUnits (errors) or use units VOUnits does not know (warnings), UCDs that are not valid
// UCD1+ (warnings), the metadata DaCHS requires of tables and of what is published (errors),
// unknown renderers in a service's allowed=, meta keys that look like typos of DaCHS's keys
// (creationDat).
// Thread-safety: pure functions over an immutable Resource.
#pragma once

#include "meles/rd/model/resource.hpp"
#include "meles/rd/parse/diagnostics.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace meles::rd {

// Renderers DaCHS 2.7 knows (form, scs.xml, tap, ...); Meles serves a subset.
const std::vector<std::string>& known_renderers();
// Meta keys of DaCHS's RDs and registry records (title, creationDate, contact.email, ...).
const std::vector<std::string>& known_meta_keys();

// Adds a warning or error for each such problem of `rd` to `diags`, at its file:line.
void lint_resource(const Resource& rd, Diagnostics& diags);

} // namespace meles::rd
