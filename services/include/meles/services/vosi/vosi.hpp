// meles/services/vosi/vosi.hpp — VOSI documents shared by every service: availability and
// the capabilities frame (each protocol contributes its own capability elements).
// Thread-safety: pure functions.
#pragma once

#include "meles/core/common/time.hpp"

#include <string>
#include <vector>

namespace meles::services::vosi {

// <avail:availability> with available=true and upSince.
std::string availability_document(TimePoint up_since, bool available = true, const std::string& note = "");

// A <capability> element (already serialised XML, starting with "<capability").
// The document adds the VOSI capabilities/availability/tables capabilities pointing at
// `base_url`/capabilities etc. (tables only when `with_tables`).
std::string capabilities_document(const std::vector<std::string>& capabilities, const std::string& base_url,
                                  bool with_tables);

// <capability standardID=...><interface xsi:type="vs:ParamHTTP" role="std"><accessURL use=...>
std::string simple_capability(const std::string& standard_id, const std::string& access_url,
                              const std::string& use = "full", const std::string& extra_xml = "",
                              const std::string& capability_type = "");

} // namespace meles::services::vosi
