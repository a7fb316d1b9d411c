// rd/src/parse/active_tags.hpp — STREAM/NXSTREAM/FEED/LFEED/LOOP/EDIT/PRUNE/DEFAULTS.
//
// Active tags are expanded on the RawElement tree before any struct is built: STREAMs are
// recorded (and removed), FEEDs and LOOPs are replaced by copies of their events in which the
// replay macros (FEED attributes, STREAM DEFAULTS, LOOP items) are expanded.  Macros the
// replay does not know are left for the element that receives the text.
// Thread-safety: single-threaded, part of one load.
#pragma once

#include "parse_context.hpp"

#include <map>
#include <string>
#include <vector>

namespace meles::rd::parse {

// Expands active tags among `children` (recursively), recording STREAMs in ctx.streams.
std::vector<RawElement> expand_active_tags(ParseContext& ctx, std::vector<RawElement> children);

// A deep copy of events with macros expanded in every attribute value and text: `macros`
// first, then RD-wide macros; unknown macros stay.  Errors are recorded in ctx.
std::vector<RawElement> replay_events(ParseContext& ctx, const std::vector<RawElement>& events,
                                      const std::map<std::string, std::string>& macros);

bool is_active_tag(std::string_view name);

} // namespace meles::rd::parse
