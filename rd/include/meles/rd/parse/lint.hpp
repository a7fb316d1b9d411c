// meles/rd/parse/lint.hpp — `meles val`'s checks of what the loader accepts but is most
// likely a mistake: unknown renderers in a service's allowed=, meta keys that look like typos
// of DaCHS's keys (creationDat), UCDs that are not well-formed UCD1+.
//
// The UCD check is syntactic (words of dot-separated atoms, joined by ';') unless a word list
// is plugged in with UcdWords, which then also flags unknown words.
// Thread-safety: pure functions over an immutable Resource.
#pragma once

#include "meles/rd/model/resource.hpp"
#include "meles/rd/parse/diagnostics.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meles::rd {

// Whether a UCD word (lower case, e.g. "pos.eq.ra") is in the UCD1+ vocabulary.  nullopt:
// no opinion (no list available).
using UcdWords = std::function<std::optional<bool>(std::string_view word)>;

// Problems of one UCD ("" if none): empty words, characters outside letters, digits, '-', '_',
// empty atoms, and (with a word list) unknown words.  UCD1 names (POS_EQ_RA_MAIN) pass.
std::string ucd_problem(std::string_view ucd, const UcdWords& words = {});

// Renderers DaCHS 2.7 knows (form, scs.xml, tap, ...); Meles serves a subset.
const std::vector<std::string>& known_renderers();
// Meta keys of DaCHS's RDs and registry records (title, creationDate, contact.email, ...).
const std::vector<std::string>& known_meta_keys();

// Adds a warning or error for each such problem of `rd` to `diags`, at its file:line.
void lint_resource(const Resource& rd, Diagnostics& diags, const UcdWords& ucd_words = {});

} // namespace meles::rd
