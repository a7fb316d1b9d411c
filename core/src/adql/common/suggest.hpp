// adql/common/suggest.hpp — "did you mean ...?" for unknown ADQL names: the project-wide
// Suggester (meles/core/common/suggest.hpp) under the names the translator uses.
// Thread-safety: one Suggester per lookup.
#pragma once

#include "meles/core/common/suggest.hpp"

namespace meles::adql {

using meles::edit_distance;
using meles::Suggester;

} // namespace meles::adql
